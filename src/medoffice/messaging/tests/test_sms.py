"""SMS backends: the file backend, the Twilio adapter against a fake Twilio on 127.0.0.1, and
the incoming STOP/START webhook with its signature check."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client

from medoffice.messaging.models import Message, OptOut
from medoffice.messaging.services import message_queue
from medoffice.messaging.sms import (
    FileSmsBackend,
    SmsError,
    TwilioSmsBackend,
    get_sms_backend,
    to_e164,
    twilio_signature,
)

from .conftest import texting_patient, texts_sent


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list[dict] = []
    answer: tuple[int, dict] = (201, {"sid": "SM0123456789abcdef", "status": "queued"})

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        FakeTwilio.requests.append(
            {"path": self.path, "auth": self.headers["Authorization"], "form": form}
        )
        status, body = FakeTwilio.answer
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_twilio():
    FakeTwilio.requests = []
    FakeTwilio.answer = (201, {"sid": "SM0123456789abcdef", "status": "queued"})
    server = HTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _twilio(url: str, **extra) -> TwilioSmsBackend:
    return TwilioSmsBackend(
        account_sid="AC123", auth_token="secret-token", from_="+15185550000", api_url=url, **extra
    )


def test_file_backend_writes_one_file_per_text(tmp_path):
    backend = FileSmsBackend(tmp_path)
    first = backend.send(to="518-555-0142", body="Hello")
    backend.send(to="518-555-0143", body="Again")
    sent = texts_sent(tmp_path)
    assert {(t["to"], t["body"]) for t in sent} == {
        ("518-555-0142", "Hello"),
        ("518-555-0143", "Again"),
    }
    assert first in {t["id"] for t in sent}


def test_backend_is_chosen_by_setting(settings):
    settings.MEDOFFICE_SMS_BACKEND = "console"
    assert type(get_sms_backend()).__name__ == "ConsoleSmsBackend"
    settings.MEDOFFICE_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(SmsError) as exc:
        get_sms_backend()
    assert exc.value.permanent and "TWILIO_ACCOUNT_SID" in str(exc.value)
    settings.MEDOFFICE_SMS_BACKEND = "no.such.Backend"
    with pytest.raises(SmsError):
        get_sms_backend()


def test_twilio_adapter_posts_the_message(fake_twilio):
    sid = _twilio(fake_twilio).send(to="(518) 555-0142", body="Hi Ana")
    assert sid == "SM0123456789abcdef"
    [request] = FakeTwilio.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["form"] == {"To": ["+15185550142"], "From": ["+15185550000"], "Body": ["Hi Ana"]}
    assert base64.b64decode(request["auth"].split()[1]).decode() == "AC123:secret-token"


def test_twilio_messaging_service_sender(fake_twilio):
    TwilioSmsBackend(account_sid="AC1", auth_token="t", from_="MG999", api_url=fake_twilio).send(
        to="5185550142", body="x"
    )
    assert FakeTwilio.requests[0]["form"]["MessagingServiceSid"] == ["MG999"]


def test_twilio_refusal_is_permanent_and_says_why(fake_twilio):
    FakeTwilio.answer = (
        400,
        {"code": 21211, "message": "The 'To' number is not a valid phone number."},
    )
    with pytest.raises(SmsError) as exc:
        _twilio(fake_twilio).send(to="5185550142", body="x")
    assert exc.value.permanent
    assert "21211" in str(exc.value) and "not a valid phone number" in str(exc.value)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_outage_is_worth_retrying(fake_twilio, status):
    FakeTwilio.answer = (status, {"message": "busy"})
    with pytest.raises(SmsError) as exc:
        _twilio(fake_twilio).send(to="5185550142", body="x")
    assert not exc.value.permanent


def test_twilio_unreachable_is_worth_retrying():
    def refused(*args):
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(SmsError) as exc:
        _twilio("https://twilio.invalid", transport=refused).send(to="5185550142", body="x")
    assert not exc.value.permanent and "could not be reached" in str(exc.value)


def test_twilio_through_the_outbox(db, settings, fake_twilio):
    from medoffice.messaging.services import message_send

    settings.MEDOFFICE_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "secret-token"
    settings.TWILIO_FROM, settings.TWILIO_API_URL = "+15185550000", fake_twilio
    patient = texting_patient()
    message = message_queue(
        patient_id=patient.pk,
        channel="sms",
        to_address=patient.phone_mobile,
        purpose="reminder",
        body="Hi",
    )
    assert message_send(message.pk) == "sent"
    message.refresh_from_db()
    assert message.provider_message_id == "SM0123456789abcdef"


def test_numbers_in_e164():
    assert to_e164("518-555-0142") == "+15185550142"
    assert to_e164("1 (518) 555-0142") == "+15185550142"
    assert to_e164("+44 20 7946 0958") == "+442079460958"
    with pytest.raises(SmsError):
        to_e164("555-0142")


def _inbound(
    client: Client, params: dict, token: str = "secret-token", signature: str | None = None
):
    url = "https://clinic.example.test/messaging/sms/inbound/"
    sig = signature if signature is not None else twilio_signature(url, params, token)
    return client.post("/messaging/sms/inbound/", params, headers={"X-Twilio-Signature": sig})


def test_stop_keyword_opts_the_sender_out(db, settings):
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    patient = texting_patient()
    queued = message_queue(
        patient_id=patient.pk, channel="sms", to_address=patient.phone_mobile, purpose="reminder", body="Hi",
        scheduled_for=patient.created_at.replace(year=2099),
    )  # fmt: skip
    client = Client()
    response = _inbound(client, {"From": "+15185550142", "Body": " Stop "})
    assert response.status_code == 200 and b"<Response>" in response.content
    assert OptOut.objects.filter(patient=patient, channel="sms", source="keyword").exists()
    assert Message.objects.get(pk=queued.pk).status == "cancelled"
    _inbound(client, {"From": "+15185550142", "Body": "START"})
    assert not OptOut.objects.filter(patient=patient).exists()


def test_inbound_without_a_valid_signature_changes_nothing(db, settings):
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    patient = texting_patient()
    response = _inbound(Client(), {"From": "+15185550142", "Body": "STOP"}, signature="forged")
    assert response.status_code == 400
    response = _inbound(Client(), {"From": "+15185550142", "Body": "STOP"}, token="other-token")
    assert response.status_code == 400
    assert not OptOut.objects.filter(patient=patient).exists()
