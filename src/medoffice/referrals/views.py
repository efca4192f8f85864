"""Referral pages: the worklist, a patient's referrals and authorizations, one referral."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import can, requires, requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.selectors import may_access, patient_get
from medoffice.patients.views_common import add_service_errors, render_form
from medoffice.referrals import selectors, services
from medoffice.referrals.forms import LinkAppointmentForm, ReferralForm, ReferralStatusForm
from medoffice.referrals.models import Referral, ReferralDirection, ReferralStatus

R = Capability.REFERRALS


def _sees_clinical(request: AuthedRequest, patient_id: int) -> bool:
    """Whether clinical documents' titles may show (chart access, as on the patient's page)."""
    return may_access(request.user, Capability.CHART, patient_id)


@requires(R)
def worklist(request: AuthedRequest) -> HttpResponse:
    """Referrals nobody has scheduled yet, overdue first."""
    direction = request.GET.get("direction", "")
    urgent = request.GET.get("urgent") == "1"
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.worklist(
        actor=request.user, direction=direction, urgent_only=urgent, overdue_only=overdue
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    audit_patients_shown(
        patient_ids=[r.patient_id for r in page.object_list],
        object_type="referral",
        view="referral_worklist",
        actor=request.user,
        patient_refs={r.patient_id: r.patient.mrn for r in page.object_list},
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "today": timezone.localdate(),
        "direction": direction,
        "urgent": urgent,
        "overdue": overdue,
        "directions": ReferralDirection.choices,
        "query": query.urlencode(),
        "counts": selectors.worklist_counts(),
        "can_edit": can(request.user, R, Need.EDIT),
    }
    return render(request, "referrals/worklist.html", context)


@requires_patient(R)
def patient_referrals(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = patient_get(
        actor=request.user, patient_id=patient_id, capability=R, details={"view": "referrals"}
    )
    data = selectors.patient_referrals(
        actor=request.user, patient_id=patient_id, view="referrals_page"
    )
    return render(
        request,
        "referrals/patient.html",
        {
            "patient": patient,
            "data": data,
            "can_edit": can(request.user, R, Need.EDIT),
            "today": timezone.localdate(),
        },
    )


@requires_patient(R)
def patient_summary(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """The box on the patient's page (loaded by htmx): open referrals, authorization alerts."""
    data = selectors.patient_referrals(
        actor=request.user, patient_id=patient_id, view="patient_page"
    )
    return render(
        request,
        "referrals/partials/patient_summary.html",
        {"patient_id": patient_id, "data": data, "can_edit": can(request.user, R, Need.EDIT)},
    )


@requires_patient(R, Need.EDIT)
def referral_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = patient_get(
        actor=request.user, patient_id=patient_id, capability=R, details={"view": "new referral"}
    )
    direction = request.GET.get("direction", ReferralDirection.INCOMING)
    initial = {
        "received_on": timezone.localdate(),
        "direction": direction if direction in ReferralDirection.values else "in",
    }
    form = ReferralForm(
        request.POST or None, patient=patient, initial=initial,
        show_clinical_titles=_sees_clinical(request, patient_id),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=request.user,
                patient=patient,
                data=form.referral_data(),
                documents=form.picked_documents(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Referral recorded.")
            return redirect("referrals:referral_detail", patient_id, referral.pk)
    return render_form(
        request,
        "referrals/referral_form.html",
        {"form": form, "patient": patient, "referral": None},
        form,
    )


@requires_patient(R, Need.EDIT)
def referral_edit(request: AuthedRequest, patient_id: int, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get(
        actor=request.user, patient_id=patient_id, referral_id=referral_id, need=Need.EDIT
    )
    form = ReferralForm(
        request.POST or None, patient=referral.patient, instance=copy.copy(referral),
        show_clinical_titles=_sees_clinical(request, patient_id),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(
                actor=request.user,
                referral=referral,
                data=form.referral_data(),
                documents=form.picked_documents(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Referral saved.")
            return redirect("referrals:referral_detail", patient_id, referral.pk)
    context = {"form": form, "patient": referral.patient, "referral": referral}
    return render_form(request, "referrals/referral_form.html", context, form)


def _booking_links(referral: Referral) -> dict[str, str]:
    """Where "Book" goes: find-first-available and the calendar's booking panel, both told the
    patient and the referral (the booking page links the visit when it knows `referral`)."""
    params: dict[str, Any] = {"patient": referral.patient_id, "referral": referral.pk}
    if referral.our_provider_id:
        params["provider"] = referral.our_provider_id
    links = {}
    for key, name in (("find", "scheduling:find"), ("book", "scheduling:booking_new")):
        try:
            links[key] = f"{reverse(name)}?{urlencode(params)}"
        except NoReverseMatch:  # the scheduling pages are not installed
            continue
    return links


@requires_patient(R)
def referral_detail(request: AuthedRequest, patient_id: int, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get(
        actor=request.user, patient_id=patient_id, referral_id=referral_id
    )
    can_edit = can(request.user, R, Need.EDIT)
    upcoming = selectors.upcoming_appointments(patient_id)
    context: dict[str, Any] = {
        "referral": referral,
        "patient": referral.patient,
        "documents": [
            {"document": d, "restricted": d.is_clinical and not _sees_clinical(request, patient_id)}
            for d in referral.documents.all()
        ],
        "can_edit": can_edit,
        "today": timezone.localdate(),
        "status_form": ReferralStatusForm(referral=referral) if can_edit else None,
        "link_form": LinkAppointmentForm(appointments=upcoming)
        if can_edit and referral.status in (ReferralStatus.RECEIVED, ReferralStatus.SCHEDULED)
        else None,
        "has_upcoming": upcoming.exists(),
        "links": _booking_links(referral)
        if can_edit and can(request.user, Capability.SCHEDULE, Need.EDIT)
        else {},
    }
    return render(request, "referrals/referral_detail.html", context)


@requires_patient(R, Need.EDIT)
@require_POST
def referral_status(request: AuthedRequest, patient_id: int, referral_id: int) -> HttpResponse:
    referral = get_object_or_404(Referral, pk=referral_id, patient_id=patient_id)
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the new status.")
        return redirect("referrals:referral_detail", patient_id, referral_id)
    try:
        services.referral_status_set(
            actor=request.user, referral=referral, status=form.cleaned_data["status"],
            seen_status=form.cleaned_data["seen_status"], note=form.cleaned_data["note"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Referral is now {ReferralStatus(form.cleaned_data['status']).label.lower()}."
        )
    return redirect("referrals:referral_detail", patient_id, referral_id)


@requires_patient(R, Need.EDIT)
@require_POST
def referral_link(request: AuthedRequest, patient_id: int, referral_id: int) -> HttpResponse:
    referral = get_object_or_404(Referral, pk=referral_id, patient_id=patient_id)
    form = LinkAppointmentForm(
        request.POST, appointments=selectors.upcoming_appointments(patient_id)
    )
    if not form.is_valid():
        messages.error(request, "Choose one of the patient's booked visits.")
        return redirect("referrals:referral_detail", patient_id, referral_id)
    try:
        services.referral_link_appointment(
            actor=request.user, referral=referral, appointment=form.cleaned_data["appointment"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Visit linked: the referral is scheduled.")
    return redirect("referrals:referral_detail", patient_id, referral_id)
