"""Sending text messages: one small interface, a file backend by default, Twilio for real.

    backend = get_sms_backend()
    provider_id = backend.send(to="+15185550142", body="...")

A backend returns the provider's message id, or raises SmsError; `permanent` says whether
trying again could help (a bad number will not get better; a provider outage may).
Choose with MEDOFFICE_SMS_BACKEND: "file" (default: one file per text in var/sms/),
"console" (the log), "twilio", or the dotted path of your own class.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.utils import timezone
from django.utils.module_loading import import_string

from medoffice.messaging import conf

logger = logging.getLogger(__name__)


class SmsError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> str: ...


def to_e164(phone: str, default_country: str = "1") -> str:
    """US numbers as +1XXXXXXXXXX (what providers expect); others kept with their +."""
    digits = re.sub(r"\D", "", phone.split("x")[0])
    if phone.strip().startswith("+"):
        return "+" + digits
    if len(digits) == 10:
        return f"+{default_country}{digits}"
    if len(digits) == 11 and digits.startswith(default_country):
        return "+" + digits
    raise SmsError(f"{phone!r} is not a mobile number we can text.", permanent=True)


class FileSmsBackend:
    """Writes each text to a file (var/sms/ by default): for development and demos."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory or conf.get("MEDOFFICE_SMS_DIR"))

    def send(self, *, to: str, body: str) -> str:
        message_id = f"file-{uuid.uuid4().hex[:16]}"
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{message_id}.json"
        path.write_text(json.dumps({"id": message_id, "to": to, "body": body}, indent=1))
        return message_id


class ConsoleSmsBackend:
    """Logs each text (for a terminal session)."""

    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:16]}"
        logger.info("SMS to %s: %s", to, body)
        return message_id


@dataclass
class HttpResponse:
    status: int
    body: bytes


# (method, url, headers, body, timeout) -> HttpResponse; raises OSError when unreachable.
Transport = Callable[[str, str, dict[str, str], bytes, float], HttpResponse]


def urllib_transport(
    method: str, url: str, headers: dict[str, str], body: bytes, timeout: float
) -> HttpResponse:
    if not url.startswith(("https://", "http://")):
        raise OSError(f"not an HTTP URL: {url}")
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpResponse(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, exc.read())


class TwilioSmsBackend:
    """Twilio's Programmable Messaging REST API (POST .../Accounts/{sid}/Messages.json).

    Configured by TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (a number or a
    messaging service id, MG...). Uses only the standard library.
    """

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_: str | None = None,
        api_url: str | None = None,
        transport: Transport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.account_sid = account_sid or conf.get("TWILIO_ACCOUNT_SID")
        self.auth_token = auth_token or conf.get("TWILIO_AUTH_TOKEN")
        self.from_ = from_ or conf.get("TWILIO_FROM")
        self.api_url = (api_url or conf.get("TWILIO_API_URL")).rstrip("/")
        self.transport = transport or urllib_transport
        self.timeout = timeout
        if not (self.account_sid and self.auth_token and self.from_):
            raise SmsError(
                "Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM.",
                permanent=True,
            )

    def send(self, *, to: str, body: str) -> str:
        url = f"{self.api_url}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        sender = "MessagingServiceSid" if self.from_.startswith("MG") else "From"
        form = urllib.parse.urlencode({"To": to_e164(to), sender: self.from_, "Body": body})
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            response = self.transport("POST", url, headers, form.encode(), self.timeout)
        except OSError as exc:
            raise SmsError(f"Twilio could not be reached: {exc}") from None
        data = _json(response.body)
        if 200 <= response.status < 300 and data.get("sid"):
            return str(data["sid"])
        detail = data.get("message") or response.body[:200].decode("utf-8", "replace")
        code = f" (error {data['code']})" if data.get("code") else ""
        # 4xx: the request is wrong (bad number, unverified sender, bad credentials) and
        # will fail again; 429 and 5xx are worth retrying.
        permanent = 400 <= response.status < 500 and response.status != 429
        raise SmsError(
            f"Twilio refused the text: HTTP {response.status}{code}: {detail}", permanent=permanent
        )


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


BACKENDS = {"file": FileSmsBackend, "console": ConsoleSmsBackend, "twilio": TwilioSmsBackend}


def get_sms_backend() -> SmsBackend:
    name = str(conf.get("MEDOFFICE_SMS_BACKEND"))
    factory = BACKENDS.get(name)
    if factory is None:
        try:
            factory = import_string(name)
        except ImportError:
            raise SmsError(
                f"MEDOFFICE_SMS_BACKEND={name!r} is not file, console, twilio or an importable class.",
                permanent=True,
            ) from None
    return factory()


def twilio_signature(url: str, params: Any, auth_token: str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by each POST parameter's name
    and value, sorted by name (Twilio's webhook security scheme)."""
    import hashlib
    import hmac

    items = (
        sorted((key, value) for key in params for value in params.getlist(key))
        if hasattr(params, "getlist")
        else sorted(params.items())
    )
    payload = url + "".join(f"{k}{v}" for k, v in items)
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
