"""Sign-in, two-factor, profile, password and API tokens."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from medoffice.accounts import services
from medoffice.accounts.forms import CodeForm, EnrollForm, LoginForm, TokenForm
from medoffice.accounts.models import ApiToken
from medoffice.accounts.selectors import tokens_of
from medoffice.core.access import authenticated, public
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import RoleCode


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@public
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.login_begin(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if outcome.status == "ok":
            return redirect(_safe_next(request) or "core:home")
        if outcome.status == "otp_needed":
            nxt = _safe_next(request)
            target = reverse("accounts:login_code")
            return redirect(f"{target}?{urlencode({'next': nxt})}" if nxt else target)
        form.add_error(None, outcome.message)
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request) or ""})


@public
def login_code(request: HttpRequest) -> HttpResponse:
    if services.pending_user(request) is None:
        messages.info(request, "Sign in with your username and password first.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.login_verify_code(request=request, code=form.cleaned_data["code"])
        if outcome.status == "ok":
            return redirect(_safe_next(request) or "core:home")
        form.add_error("code", outcome.message)
    return render(
        request, "accounts/login_code.html", {"form": form, "next": _safe_next(request) or ""}
    )


@authenticated
@require_POST
def logout_view(request: AuthedRequest) -> HttpResponse:
    services.logout_user(request=request)
    messages.success(request, "You are signed out.")
    return redirect("accounts:login")


@authenticated
def keepalive(request: AuthedRequest) -> HttpResponse:
    """Touched by the "Stay signed in" button; the idle middleware records the activity."""
    return HttpResponse(status=204)


@authenticated
def twofactor_enroll(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrollment_confirm(
                request=request, user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "just_enrolled": True}
            )
    device = services.totp_enrollment_start(user=user) if request.method == "GET" else None
    if device is None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    context: dict[str, Any] = {
        "form": form,
        "required": user.requires_2fa(),
        "already": services.has_confirmed_totp(user),
    }
    if device is not None:
        context["qr"] = segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)
        context["secret"] = device.config_url.split("secret=")[1].split("&")[0]
    return render(request, "accounts/twofactor_enroll.html", context)


@authenticated
@require_POST
def recovery_codes_new(request: AuthedRequest) -> HttpResponse:
    if not services.has_confirmed_totp(request.user):
        messages.error(request, "Set up an authenticator app first.")
        return redirect("accounts:profile")
    codes = services.recovery_codes_regenerate(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "just_enrolled": False})


@authenticated
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    token_form = TokenForm(role_codes=user.role_codes())
    return render(request, "accounts/profile.html", _profile_context(user, token_form))


def _profile_context(
    user: Any, token_form: TokenForm, new_token: str | None = None
) -> dict[str, Any]:
    return {
        "roles": [RoleCode(c).label for c in sorted(user.role_codes())],
        "locations": list(user.locations.all()),
        "has_totp": services.has_confirmed_totp(user),
        "requires_2fa": user.requires_2fa(),
        "recovery_left": services.recovery_codes_left(user),
        "tokens": tokens_of(user),
        "token_form": token_form,
        "new_token": new_token,
    }


@authenticated
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.password_changed(user=user)
        messages.success(request, "Your password was changed.")
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@authenticated
@require_POST
def token_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = TokenForm(request.POST, role_codes=user.role_codes())
    new_token = None
    if form.is_valid():
        try:
            _, new_token = services.api_token_create(
                actor=user,
                user=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    status = 200 if new_token else 400
    return render(
        request,
        "accounts/profile.html",
        _profile_context(
            user, form if not new_token else TokenForm(role_codes=user.role_codes()), new_token
        ),
        status=status,
    )


@authenticated
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("accounts:profile")
