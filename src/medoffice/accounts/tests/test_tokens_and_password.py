"""API tokens (hashed, scoped, revocable) and password changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from medoffice.accounts.models import ApiToken, token_digest
from medoffice.accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from medoffice.audit.models import AuditEvent
from medoffice.testing.factories import TEST_PASSWORD, UserFactory
from medoffice.testing.personas import persona, signed_in_client


def _api(raw: str, path: str = "/api/accounts/me"):
    return Client().get(path, headers={"Authorization": f"Bearer {raw}"})


def test_token_is_hashed_at_rest_and_works(db):
    user = persona("biller")
    _, raw = api_token_create(actor=user, user=user, name="Clearinghouse")
    assert raw.startswith("mo_") and len(raw) > 40
    stored = ApiToken.objects.get()
    assert stored.digest == token_digest(raw) and raw not in stored.digest
    response = _api(raw)
    assert response.status_code == 200
    assert response.json()["username"] == "biller"
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_revoked_and_expired_tokens_stop_working(db):
    user = persona("biller")
    token, raw = api_token_create(actor=user, user=user, name="t")
    api_token_revoke(actor=user, token=token)
    assert _api(raw).status_code == 401
    assert AuditEvent.objects.filter(action="api_auth_failed").exists()
    token2, raw2 = api_token_create(actor=user, user=user, name="t2", expires_in_days=1)
    ApiToken.objects.filter(pk=token2.pk).update(expires_at="2000-01-01T00:00:00Z")
    assert _api(raw2).status_code == 401


def test_token_scope_narrows_roles(db):
    user = UserFactory(username="multi", roles=["manager", "compliance"])
    _, raw = api_token_create(actor=user, user=user, name="reports only", scope=["manager"])
    assert _api(raw).json()["roles"] == ["manager"]
    # The audit API is open to compliance, and to managers for their own staff; with the
    # compliance role scoped out, this token reads as a manager only.
    assert api_token_authenticate(raw).effective_role_codes() == frozenset({"manager"})
    with pytest.raises(ValidationError):
        api_token_create(actor=user, user=user, name="x", scope=["admin"])


def test_token_for_someone_else_needs_admin(db):
    from medoffice.core.access import AccessDenied

    nurse = persona("nurse")
    with pytest.raises(AccessDenied):
        api_token_create(actor=persona("frontdesk"), user=nurse, name="x")
    assert not ApiToken.objects.exists()


def test_token_pages(db):
    user = persona("clinician")
    client = signed_in_client(user)
    response = client.post("/accounts/tokens/", {"name": "EHR bridge"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert _api(raw).status_code == 200
    assert client.post("/accounts/tokens/", {"name": ""}).status_code == 400
    token = ApiToken.objects.get()
    other = signed_in_client(persona("nurse"))
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert _api(raw).status_code == 401


def test_token_command(db, capsys):
    persona("manager")
    call_command("token", "create", "manager", "--name", "nightly export")
    raw = capsys.readouterr().out.strip()
    assert _api(raw).status_code == 200
    call_command("token", "list", "manager")
    assert "nightly export" in capsys.readouterr().out
    call_command("token", "revoke", raw[:10])
    assert _api(raw).status_code == 401


def test_password_change_validates_and_is_audited(db):
    user = persona("hr")
    client = signed_in_client(user)
    weak = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert weak.status_code == 200 and b"too short" in weak.content
    new = "a much longer pass phrase 2026"
    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert AuditEvent.objects.filter(action="password_changed").exists()
    assert client.get("/").status_code == 200, "the session survives the change"
