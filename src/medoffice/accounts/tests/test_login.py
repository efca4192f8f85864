"""Sign-in: passwords, lockout per account and per address, two-factor, idle logoff."""

from __future__ import annotations

import base64
import time

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from medoffice.accounts.models import Role
from medoffice.accounts.services import login_begin
from medoffice.audit.models import AuditEvent
from medoffice.testing.factories import TEST_PASSWORD
from medoffice.testing.personas import persona


def _login(client: Client, username: str, password: str = TEST_PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _code(device: TOTPDevice, *, step_offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=step_offset):06d}"


def test_sign_in_and_out_are_audited(db):
    persona("frontdesk")
    client = Client()
    response = _login(client, "frontdesk")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["login", "logout"]
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_audited(db):
    persona("frontdesk")
    response = _login(Client(), "frontdesk", "wrong password entirely")
    assert response.status_code == 200
    assert b"do not match" in response.content
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.details["username"] == "frontdesk" and failed.outcome == "failure"
    assert failed.actor_id is None


@override_settings(LOCKOUT_ACCOUNT_FAILURES=3)
def test_account_lockout(db):
    persona("biller")
    for _ in range(3):
        _login(Client(REMOTE_ADDR="10.0.0.1"), "biller", "nope-nope-nope")
    # Even the right password is refused while locked, from any address.
    response = _login(Client(REMOTE_ADDR="10.0.0.2"), "biller")
    assert b"Too many failed sign-ins" in response.content
    assert AuditEvent.objects.filter(action="login_locked").count() == 1
    assert not AuditEvent.objects.filter(action="login").exists()


@override_settings(LOCKOUT_IP_FAILURES=4, LOCKOUT_ACCOUNT_FAILURES=100)
def test_address_lockout_across_usernames(db):
    persona("nurse")
    for name in ["a", "b", "c", "d"]:
        _login(Client(REMOTE_ADDR="10.9.9.9"), name, "guessing-passwords")
    response = _login(Client(REMOTE_ADDR="10.9.9.9"), "nurse")
    assert b"Too many failed sign-ins" in response.content
    # Another address still works.
    assert _login(Client(REMOTE_ADDR="10.1.1.1"), "nurse").status_code == 302


@override_settings(LOCKOUT_ACCOUNT_FAILURES=2, LOCKOUT_MINUTES=0)
def test_lock_expires(db):
    persona("hr")
    for _ in range(2):
        _login(Client(), "hr", "wrong-password-here")
    time.sleep(0.01)
    assert _login(Client(), "hr").status_code == 302


def test_success_clears_the_account_counter(db):
    persona("hr")
    client = Client()
    for _ in range(4):
        _login(client, "hr", "wrong-password-here")
    assert _login(client, "hr").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        _login(client, "hr", "wrong-password-here")
    assert _login(client, "hr").status_code == 302, "four more failures do not lock after a success"


def test_open_redirect_is_refused(db):
    persona("frontdesk")
    response = Client().post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "frontdesk", "password": TEST_PASSWORD},
    )
    assert response["Location"] == "/"


def test_two_factor_enrollment_then_code_at_sign_in(db):
    persona("clinician")
    client = Client()
    _login(client, "clinician")
    page = client.get("/accounts/two-factor/").content.decode()
    assert "QR code" in page
    device = TOTPDevice.objects.get(user__username="clinician", confirmed=False)
    bad = client.post(
        "/accounts/two-factor/", {"code": "000000" if _code(device) != "000000" else "111111"}
    )
    assert b"does not match" in bad.content
    response = client.post("/accounts/two-factor/", {"code": _code(device)})
    codes = response.context["codes"]
    assert len(codes) == 10
    assert AuditEvent.objects.filter(action="2fa_enrolled").exists()
    client.post("/accounts/logout/")

    # Next sign-in asks for a code; a recovery code works once.
    response = _login(client, "clinician")
    assert response["Location"] == "/accounts/login/code/"
    assert client.get("/").status_code == 302, "not signed in before the second factor"
    assert client.post("/accounts/login/code/", {"code": "nope"}).status_code == 200
    response = client.post("/accounts/login/code/", {"code": codes[0]})
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="recovery_code_used").exists()
    client.post("/accounts/logout/")
    _login(client, "clinician")
    response = client.post("/accounts/login/code/", {"code": codes[0]})
    assert response.status_code == 200, "a recovery code works only once"
    device.refresh_from_db()
    response = client.post("/accounts/login/code/", {"code": _code(device, step_offset=1)})
    assert response.status_code == 302


def test_role_requiring_two_factor_must_enroll_first(db):
    persona("compliance")  # compliance requires 2FA by default
    client = Client()
    _login(client, "compliance")
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    assert client.get("/accounts/two-factor/").status_code == 200
    Role.objects.filter(code="compliance").update(requires_2fa=False)
    assert Client().get("/").status_code == 302
    client2 = Client()
    _login(client2, "compliance")
    assert client2.get("/audit/").status_code == 200


@override_settings(IDLE_TIMEOUT_MINUTES=1)
def test_idle_logoff(db):
    persona("frontdesk")
    client = Client()
    _login(client, "frontdesk")
    assert client.get("/").status_code == 200
    session = client.session
    session["medoffice_last_activity"] = time.time() - 120
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert AuditEvent.objects.filter(action="auto_logoff").exists()
    assert client.get("/").status_code == 302


@override_settings(IDLE_TIMEOUT_MINUTES=1)
def test_background_polling_does_not_keep_a_session_alive(db):
    persona("frontdesk")
    client = Client()
    _login(client, "frontdesk")
    session = client.session
    session["medoffice_last_activity"] = time.time() - 50
    session.save()
    client.get("/jobs/", headers={"X-MedOffice-Background": "1"})
    assert client.session["medoffice_last_activity"] < time.time() - 45


@pytest.mark.parametrize("username", ["", "x" * 300])
def test_odd_usernames_do_not_crash(db, username):
    response = _login(Client(), username, "whatever-password")
    assert response.status_code == 200


def test_service_rejects_inactive_users(db, rf):
    user = persona("hr")
    user.is_active = False
    user.save()
    request = rf.post("/accounts/login/")
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    assert login_begin(request=request, username="hr", password=TEST_PASSWORD).status == "failed"


def test_totp_codes_from_the_page_key(db):
    """The key shown for manual entry is the device's base32 secret."""
    persona("nurse")
    client = Client()
    _login(client, "nurse")
    response = client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user__username="nurse", confirmed=False)
    assert base64.b32decode(response.context["secret"]) == device.bin_key


@override_settings(OTP_TOTP_THROTTLE_FACTOR=30, OTP_STATIC_THROTTLE_FACTOR=30)
def test_wrong_codes_slow_down_guessing(db):
    user = persona("clinician")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    _login(client, "clinician")
    client.post("/accounts/login/code/", {"code": "000001"})
    response = client.post("/accounts/login/code/", {"code": _code(device)})
    assert response.status_code == 200
    assert b"wait a few seconds" in response.content


@override_settings(LOCKOUT_ACCOUNT_FAILURES=3)
def test_the_failure_that_locks_says_so(db):
    persona("biller")
    client = Client()
    for _ in range(2):
        assert b"do not match" in _login(client, "biller", "wrong-password-here").content
    assert b"Too many failed sign-ins" in _login(client, "biller", "wrong-password-here").content


def test_failed_sign_ins_show_in_the_users_report(db):
    from medoffice.audit.selectors import AuditFilter, audit_events

    persona("biller")
    _login(Client(), "biller", "wrong-password-here")
    assert audit_events(AuditFilter(username="biller")).filter(action="login_failed").exists()


def test_admin_sign_out_is_audited(db):
    from medoffice.testing.personas import signed_in_client

    client = signed_in_client(persona("admin"))
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor_username="admin").exists()
    assert client.get("/").status_code == 302
