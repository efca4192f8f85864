"""FHIR over HTTP: responses, OperationOutcome errors, authentication and the access rule.

The FHIR views are plain Django views. `fhir_view(rule)` marks a view with its access rule
(for the access-matrix test) and enforces it: a personal API token (Bearer) or the session
signs the person in, the matrix decides, and a refusal is audited and answered with an
OperationOutcome. Emergency access ("break the glass") is never available over the API.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from medoffice.core import context
from medoffice.core.access import AccessDenied, AccessRule, deny, effective_roles
from medoffice.core.permissions import Capability, Need, roles_allow, roles_may_break_glass
from medoffice.interop.fhir.constants import FHIR_JSON

MAX_BODY_BYTES = 1_000_000
logger = logging.getLogger(__name__)


class FhirError(Exception):
    """An error answered as an OperationOutcome with this HTTP status and issue code."""

    def __init__(self, status: int, message: str, *, code: str = "processing") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def fhir_response(body: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, default=json_default, separators=(",", ":")),
        status=status,
        content_type=FHIR_JSON,
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def operation_outcome(message: str, *, code: str = "processing", severity: str = "error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def error_response(status: int, message: str, *, code: str = "processing") -> HttpResponse:
    return fhir_response(operation_outcome(message, code=code), status=status)


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def authenticate(request: HttpRequest) -> tuple[Any, bool]:
    """Sign the request in: (user, by_token). Raises FhirError(401) when nobody is."""
    token = _bearer_token(request)
    if token is not None:
        from medoffice.accounts.services import api_token_authenticate
        from medoffice.audit.models import AuditAction, AuditOutcome
        from medoffice.audit.services import audit_record

        user = api_token_authenticate(token)
        if user is None:
            audit_record(
                action=AuditAction.API_AUTH_FAILED,
                actor=None,
                outcome=AuditOutcome.FAILURE,
                details={"path": request.path[:200], "prefix": token[:10]},
            )
            raise FhirError(
                401, "The API token is not valid (unknown, revoked or expired).", code="login"
            )
        request.user = user
        return user, True
    user = getattr(request, "user", None) or AnonymousUser()
    if not user.is_authenticated:
        raise FhirError(
            401, "Authentication required: send `Authorization: Bearer <token>`.", code="login"
        )
    if user.requires_2fa() and not user.is_verified():
        raise FhirError(401, "Finish the two-factor sign-in before using the API.", code="login")
    return user, False


def refuse(user: Any, capability: Capability | None) -> AccessDenied:
    """Audit a refusal; the message says when only emergency access would have allowed it."""
    if capability is not None and roles_may_break_glass(effective_roles(user), capability):
        message = (
            "You don't have access to this through the FHIR API: your role reaches it only by "
            "emergency access (break the glass), which is available in the web application only."
        )
    else:
        message = "You don't have access to this: your role does not allow it."
    return deny(user, message, capability=capability)


def require(user: Any, capability: Capability, need: Need = Need.VIEW) -> None:
    """Matrix check for one more capability inside a view (e.g. the edit need of a write)."""
    if not roles_allow(effective_roles(user), capability, need):
        raise refuse(user, capability)


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """Session-signed requests that change data go through Django's CSRF check."""
    if request.method in {"GET", "HEAD", "OPTIONS", "TRACE"}:
        return None
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    check.process_request(request)
    failure = check.process_view(request, lambda r: HttpResponse(), (), {})
    if failure is not None:
        return error_response(
            403, "CSRF check failed: send the CSRF token or use an API token.", code="security"
        )
    return None


def fhir_view(rule: AccessRule) -> Callable[[Callable[..., HttpResponse]], Callable[..., Any]]:
    """Authenticate, enforce `rule`, and turn FhirError/AccessDenied into OperationOutcomes.

    CSRF: views are exempt from the middleware because API tokens need no cookie; requests
    signed in by the session are checked here instead, so no CSRF hole opens for browsers.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ctx = context.current()
            if ctx is not None:
                ctx.source = "api"
            try:
                if rule.kind != "public":
                    user, by_token = authenticate(request)
                    if not by_token:
                        failure = _csrf_failure(request)
                        if failure is not None:
                            return failure
                    if not rule.allows_roles(effective_roles(user)):
                        raise refuse(user, rule.capability)
                return view(request, *args, **kwargs)
            except FhirError as exc:
                response = error_response(exc.status, exc.message, code=exc.code)
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="medoffice-fhir"'
                return response
            except AccessDenied as exc:
                return error_response(403, exc.message, code="forbidden")
            except Exception:
                if settings.DEBUG:
                    raise
                # A FHIR client reads OperationOutcomes, not the HTML error page; the
                # traceback still goes to the log, under the request id the client sees.
                logger.exception("FHIR request failed: %s %s", request.method, request.path)
                request_id = getattr(request, "request_id", "")
                return error_response(
                    500, f"Internal error; quote request id {request_id}.", code="exception"
                )

        marked = csrf_exempt(wrapped)
        if rule.kind == "public":
            marked = login_not_required(marked)
        marked.access_rule = rule  # type: ignore[attr-defined]
        return marked

    return decorator


def read_json_body(request: HttpRequest) -> dict[str, Any]:
    content_type = request.content_type or ""
    if content_type not in {FHIR_JSON, "application/json"}:
        raise FhirError(
            415 if content_type else 400,
            "Send the resource as application/fhir+json.",
            code="not-supported" if content_type else "invalid",
        )
    if len(request.body) > MAX_BODY_BYTES:
        raise FhirError(413, "The resource is too large.", code="too-costly")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise FhirError(400, "The body is not valid JSON.", code="invalid") from None
    if not isinstance(body, dict):
        raise FhirError(400, "The body must be one JSON object (a FHIR resource).", code="invalid")
    return body
