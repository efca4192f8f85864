"""Eligibility on a patient's coverage: the latest answer (an htmx fragment the coverage
section and check-in include), asking the payer again, and one check in full."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from medoffice.audit.services import audit_record
from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.eligibility import selectors, services
from medoffice.eligibility.results import headline
from medoffice.patients.selectors import may_access

FRAGMENT = "eligibility/partials/coverage_status.html"


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _fragment(
    request: AuthedRequest, coverage: Any, *, error: str = "", service_date: date | None = None
) -> HttpResponse:
    selectors.attach_latest([coverage])
    context = {
        "c": coverage,
        "patient_id": coverage.patient_id,
        "can_request": may_access(
            request.user, Capability.COVERAGE, coverage.patient_id, Need.EDIT
        ),
        "error": error,
        "service_date": service_date,  # check-in asks for the visit's day, kept across swaps
    }
    return render(request, FRAGMENT, context)


@requires_patient(Capability.COVERAGE)
@require_GET
def coverage_status(request: AuthedRequest, patient_id: int, coverage_id: int) -> HttpResponse:
    coverage = selectors.coverage_for_patient(patient_id=patient_id, coverage_id=coverage_id)
    audit_record(
        action="view", actor=request.user, object_type="eligibility", object_id=coverage.pk,
        patient_id=patient_id, patient_ref=coverage.patient.mrn,
    )  # fmt: skip
    return _fragment(request, coverage)


def _service_date(raw: str) -> date:
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("Give the service date as YYYY-MM-DD.") from None


@requires_patient(Capability.COVERAGE, Need.EDIT)
@require_POST
def check_request(request: AuthedRequest, patient_id: int, coverage_id: int) -> HttpResponse:
    coverage = selectors.coverage_for_patient(patient_id=patient_id, coverage_id=coverage_id)
    asked_for = request.POST.get("service_date", "")
    service_date = None
    try:
        service_date = _service_date(asked_for)
        check = services.eligibility_request(
            coverage=coverage, service_date=service_date, actor=request.user
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        error = check.error_text
    if _is_htmx(request):
        # 200 even when nothing could be sent: htmx swaps only 2xx responses, and the
        # fragment shows the reason in place.
        kept = service_date if asked_for else None
        return _fragment(request, coverage, error=error, service_date=kept)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Eligibility inquiry sent; the answer shows here when it comes.")
    return redirect(reverse("patients:detail", args=[patient_id]) + "#coverage")


@requires_patient(Capability.COVERAGE)
@require_GET
def check_detail(request: AuthedRequest, patient_id: int, check_id: int) -> HttpResponse:
    check = selectors.check_get(actor=request.user, patient_id=patient_id, check_id=check_id)
    return render(
        request,
        "eligibility/check_detail.html",
        {"check": check, "summary": headline(check.result) if check.result else None},
    )
