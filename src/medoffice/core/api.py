"""The JSON API (django-ninja): one NinjaAPI, each app adds a router; docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from medoffice.core.access import AccessDenied


class TokenAuth(HttpBearer):
    """Personal API tokens (Authorization: Bearer mo_...)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
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
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="MedOffice API",
    version="1",
    description="JSON API for MedOffice. Authenticate with a personal token: `Authorization: Bearer <token>`.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(AccessDenied)
def on_access_denied(request: HttpRequest, exc: AccessDenied) -> Any:
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> Any:
    return api.create_response(
        request, {"detail": "Authentication required: send a valid API token."}, status=401
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> Any:
    return api.create_response(
        request, {"detail": "Invalid request", "errors": exc.errors}, status=422
    )


def _register_routers() -> None:
    from medoffice.accounts.api import router as accounts_router
    from medoffice.audit.api import router as audit_router
    from medoffice.billing.api import router as billing_router
    from medoffice.chart.api import router as chart_router
    from medoffice.claims.api import router as claims_router
    from medoffice.core.api_jobs import router as jobs_router
    from medoffice.frontdesk.api import router as frontdesk_router
    from medoffice.huddle.api import router as huddle_router
    from medoffice.patients.api import router as patients_router
    from medoffice.patients.api_search import router as patient_search_router
    from medoffice.referrals.api import router as referrals_router
    from medoffice.remittance.api import router as remittance_router
    from medoffice.reports.api import router as reports_router
    from medoffice.scheduling.api import router as scheduling_router

    api.add_router("/accounts/", accounts_router)
    api.add_router("/jobs/", jobs_router)
    api.add_router("/audit/", audit_router)
    api.add_router("/patients/", patient_search_router)  # before {patient_id} paths
    api.add_router("/patients/", patients_router)
    api.add_router("/chart/", chart_router)
    api.add_router("/frontdesk/", frontdesk_router)
    api.add_router("/scheduling/", scheduling_router)
    api.add_router("/referrals/", referrals_router)
    api.add_router("/claims/", claims_router)
    api.add_router("/billing/", billing_router)
    api.add_router("/remittance/", remittance_router)
    api.add_router("/reports/", reports_router)
    api.add_router("/huddle/", huddle_router)


_register_routers()

__all__ = ["HttpError", "api"]
