"""Every write in accounts: sign-in, two-factor, passwords, API tokens, users and roles."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from medoffice.accounts import lockout
from medoffice.accounts.models import ApiToken, Role, User, token_digest
from medoffice.audit.models import AuditAction, AuditOutcome
from medoffice.audit.services import audit_record
from medoffice.core import context
from medoffice.core.permissions import RoleCode

PENDING_USER = "medoffice_pending_user"
PENDING_AT = "medoffice_pending_at"
PENDING_SECONDS = 300
RECOVERY_CODE_COUNT = 10


@dataclass
class LoginOutcome:
    status: str  # "ok", "otp_needed", "failed", "locked"
    user: User | None = None
    message: str = ""


def _lock_message(until: datetime) -> str:
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    return (
        f"Too many failed sign-ins. Try again in {minutes} minute(s), "
        "or ask an administrator to unlock your account."
    )


def _client_ip() -> str | None:
    ctx = context.current()
    return ctx.ip if ctx else None


def _record_failure(username: str, action: str, user: User | None) -> datetime | None:
    """Count and audit a failure; returns the lock's end when this failure caused a lock."""
    ip = _client_ip()
    locked_account = lockout.register_failure(
        lockout.account_key(username), settings.LOCKOUT_ACCOUNT_FAILURES
    )
    locked_ip = lockout.register_failure(lockout.ip_key(ip), settings.LOCKOUT_IP_FAILURES)
    audit_record(
        action=action,
        actor=None,
        outcome=AuditOutcome.FAILURE,
        object_type="user",
        object_id=user.pk if user else "",
        details={
            "username": username[:150],
            "locked_account": locked_account,
            "locked_ip": locked_ip,
        },
    )
    if locked_account or locked_ip:
        return lockout.locked_until([lockout.account_key(username), lockout.ip_key(ip)])
    return None


def login_begin(*, request: HttpRequest, username: str, password: str) -> LoginOutcome:
    """First step: password. Users with an authenticator must then give a code."""
    username = username.strip()
    until = lockout.locked_until([lockout.account_key(username), lockout.ip_key(_client_ip())])
    if until:
        known = User.objects.filter(username=username).first()
        audit_record(
            action=AuditAction.LOGIN_LOCKED,
            actor=None,
            outcome=AuditOutcome.DENIED,
            object_type="user",
            object_id=known.pk if known else "",
            details={"username": username[:150]},
        )
        return LoginOutcome("locked", message=_lock_message(until))
    user = authenticate(request, username=username, password=password)
    if user is None:
        locked = _record_failure(
            username, AuditAction.LOGIN_FAILED, User.objects.filter(username=username).first()
        )
        if locked:
            return LoginOutcome("locked", message=_lock_message(locked))
        return LoginOutcome("failed", message="That username and password do not match.")
    assert isinstance(user, User)
    if has_confirmed_totp(user):
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_AT] = timezone.now().timestamp()
        return LoginOutcome("otp_needed", user=user)
    _complete_login(request, user, device=None)
    return LoginOutcome("ok", user=user)


def pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if not user_id or timezone.now().timestamp() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def login_verify_code(*, request: HttpRequest, code: str) -> LoginOutcome:
    """Second step: a code from the authenticator app, or a one-time recovery code."""
    user = pending_user(request)
    if user is None:
        return LoginOutcome("failed", message="Your sign-in took too long. Start again.")
    until = lockout.locked_until([lockout.account_key(user.username), lockout.ip_key(_client_ip())])
    if until:
        return LoginOutcome("locked", message=_lock_message(until))
    code = code.strip().replace(" ", "")
    device, throttled = _matching_device(user, code)
    if device is None:
        locked = _record_failure(user.username, AuditAction.TWO_FACTOR_FAILED, user)
        if locked:
            return LoginOutcome("locked", message=_lock_message(locked))
        message = (
            "Too many wrong codes in a row: wait a few seconds, then enter the current code."
            if throttled
            else "That code is not right. Try the current one."
        )
        return LoginOutcome("failed", user=user, message=message)
    request.session.pop(PENDING_USER, None)
    request.session.pop(PENDING_AT, None)
    _complete_login(request, user, device=device)
    if isinstance(device, StaticDevice):
        audit_record(
            action=AuditAction.RECOVERY_CODE_USED, actor=user, object_type="user", object_id=user.pk
        )
    return LoginOutcome("ok", user=user)


def _matching_device(user: User, code: str) -> tuple[Any, bool]:
    """The device that accepts this code, and whether any device is throttled (django-otp
    slows down guessing: each failure doubles the wait before the next try)."""
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]
    throttled = False
    for device in devices:
        if not device.verify_is_allowed()[0]:
            throttled = True
            continue
        if device.verify_token(code):
            return device, throttled
    return None, throttled


def _complete_login(request: HttpRequest, user: User, device: Any) -> None:
    user.backend = "django.contrib.auth.backends.ModelBackend"  # type: ignore[attr-defined]
    login(request, user)
    if device is not None:
        otp_login(request, device)
    request.session["medoffice_last_activity"] = timezone.now().timestamp()
    lockout.clear(lockout.account_key(user.username))
    audit_record(
        action=AuditAction.LOGIN,
        actor=user,
        object_type="user",
        object_id=user.pk,
        details={"two_factor": device is not None},
    )


def logout_user(*, request: HttpRequest, idle: bool = False) -> None:
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        audit_record(
            action=AuditAction.AUTO_LOGOFF if idle else AuditAction.LOGOUT,
            actor=user,
            object_type="user",
            object_id=user.pk,
        )
    logout(request)


# --- Two-factor ----------------------------------------------------------------------------------


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrollment_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the user to scan; replaces an earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_enrollment_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the new authenticator with a code it shows; returns fresh recovery codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ValidationError("Start the enrollment again.")
    if not device.verify_is_allowed()[0]:
        raise ValidationError(
            {"code": "Too many wrong codes in a row: wait a few seconds and try again."}
        )
    if not device.verify_token(code.strip().replace(" ", "")):
        audit_record(
            action=AuditAction.TWO_FACTOR_FAILED,
            actor=user,
            outcome=AuditOutcome.FAILURE,
            object_type="user",
            object_id=user.pk,
            details={"step": "enrollment"},
        )
        raise ValidationError(
            {"code": "That code does not match. Check your phone's clock and try the current code."}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
        audit_record(
            action=AuditAction.TWO_FACTOR_ENROLLED,
            actor=user,
            object_type="user",
            object_id=user.pk,
        )
    otp_login(request, device)
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit_record(
            action=AuditAction.TWO_FACTOR_ENROLLED,
            actor=user,
            object_type="user",
            object_id=user.pk,
            details={"recovery_codes": "regenerated"},
        )
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    # 15 characters (56 bits): StaticToken.token is a varchar(16), which PostgreSQL enforces.
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def two_factor_reset(*, actor: User, user: User) -> None:
    """An administrator removes a person's authenticator (lost phone); they enroll again."""
    from medoffice.core.access import require_capability
    from medoffice.core.permissions import Capability, Need

    require_capability(actor, Capability.SETTINGS, Need.EDIT)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            action=AuditAction.TWO_FACTOR_RESET, actor=actor, object_type="user", object_id=user.pk
        )


# --- Passwords -----------------------------------------------------------------------------------


def password_changed(*, user: User) -> None:
    """Record a password change (the form has validated and saved it)."""
    audit_record(
        action=AuditAction.PASSWORD_CHANGED, actor=user, object_type="user", object_id=user.pk
    )


# --- API tokens ----------------------------------------------------------------------------------


def api_token_create(
    *,
    actor: User,
    user: User,
    name: str,
    scope: Iterable[str] = (),
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Make a personal API token; the raw value is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the program that uses it."})
    if actor.pk != user.pk:
        from medoffice.core.access import require_capability
        from medoffice.core.permissions import Capability, Need

        require_capability(actor, Capability.SETTINGS, Need.EDIT)
    scope = sorted(set(scope))
    unknown = set(scope) - user.role_codes()
    if unknown:
        raise ValidationError(
            {"scope": f"{user.username} does not have the role(s): {', '.join(sorted(unknown))}"}
        )
    raw = "mo_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[:10],
            digest=token_digest(raw),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=expires_in_days)
            if expires_in_days
            else None,
        )
        audit_record(
            action=AuditAction.TOKEN_CREATED,
            actor=actor,
            object_type="api_token",
            object_id=token.pk,
            details={"for": user.username, "scope": scope},
        )
    return token, raw


def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if actor.pk != token.user_id:
        from medoffice.core.access import require_capability
        from medoffice.core.permissions import Capability, Need

        require_capability(actor, Capability.SETTINGS, Need.EDIT)
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_record(
            action=AuditAction.TOKEN_REVOKED,
            actor=actor,
            object_type="api_token",
            object_id=token.pk,
        )


def api_token_authenticate(raw: str) -> User | None:
    """The user a bearer token stands for, narrowed to the token's scope; None if invalid."""
    if not raw or not raw.startswith("mo_"):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    # Touch last_used_at at most once a minute: a conditional update, no read-modify-write.
    ApiToken.objects.filter(pk=token.pk).exclude(
        last_used_at__gt=now - timedelta(minutes=1)
    ).update(last_used_at=now)
    user = token.user
    user._token_scope = frozenset(token.scope) if token.scope else None  # type: ignore[attr-defined]
    return user


# --- Users and roles -----------------------------------------------------------------------------

DEFAULT_2FA_ROLES = {RoleCode.ADMIN, RoleCode.COMPLIANCE}


def roles_ensure() -> None:
    """Every role in the matrix has its row (idempotent; migrations and tests call it)."""
    existing = set(Role.objects.values_list("code", flat=True))
    Role.objects.bulk_create(
        [
            Role(code=code, requires_2fa=code in DEFAULT_2FA_ROLES)
            for code in RoleCode
            if code not in existing
        ]
    )


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    roles: Iterable[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    title: str = "",
    location_ids: Iterable[int] = (),
    validate_password: bool = True,
) -> User:
    from django.contrib.auth.password_validation import validate_password as check_password

    roles_ensure()
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email, title=title
    )
    if password:
        if validate_password:
            check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    role_codes = [str(RoleCode(r)) for r in roles]
    user.is_staff = RoleCode.ADMIN in role_codes  # Django admin is for administrators only
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        user.roles.set(list(Role.objects.filter(code__in=role_codes)))
        location_ids = list(location_ids)
        if location_ids:
            user.locations.set(location_ids)
            user.primary_location_id = location_ids[0]
            user.save(update_fields=["primary_location"])
        audit_record(
            action=AuditAction.ADMIN_CHANGE,
            actor=actor,
            object_type="user",
            object_id=user.pk,
            details={"created": username, "roles": role_codes},
        )
    return user
