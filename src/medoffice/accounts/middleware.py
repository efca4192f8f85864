"""Session policies: idle logoff, login required by default, two-factor where required."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

LAST_ACTIVITY = "medoffice_last_activity"
# Requests that poll in the background (live boards) carry this header and do not keep a
# session alive: only a person's own actions count as activity.
BACKGROUND_HEADER = "X-MedOffice-Background"
API_PREFIXES = ("/api/", "/fhir/")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(API_PREFIXES):
            now = timezone.now().timestamp()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_MINUTES * 60:
                from medoffice.accounts.services import logout_user

                logout_user(request=request, idle=True)
                messages.info(request, "You were signed out after a period of inactivity.")
                return _redirect(request, reverse("accounts:login"))
            # Write the session at most every 30 s to keep requests cheap.
            if not request.headers.get(BACKGROUND_HEADER) and (last is None or now - last > 30):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-required-by-default, except the APIs, which answer 401 themselves."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(API_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Callable[..., Any]
    ) -> HttpResponse:
        if request.headers.get("HX-Request"):
            return _redirect(request, reverse("accounts:login"))
        return super().handle_no_permission(request, view_func)


class TwoFactorRequiredMiddleware:
    """People whose role requires two-factor must enroll before anything else."""

    ALLOWED_NAMES = {"accounts:twofactor_enroll", "accounts:logout"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or request.path.startswith(API_PREFIXES):
            return None
        if user.is_verified() or not user.requires_2fa():  # type: ignore[union-attr,attr-defined]
            return None
        match = request.resolver_match
        if match and match.view_name in self.ALLOWED_NAMES:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        return _redirect(request, reverse("accounts:twofactor_enroll"))
