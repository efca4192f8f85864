"""Charge pages: the review worklist, an encounter's charges with the capture form, voids,
billing the encounter, and the superbill PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.claims import selectors, services
from medoffice.claims.forms import VoidForm, capture_formset
from medoffice.claims.models import ChargeStatus
from medoffice.core.access import can, own_only, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need

B = Capability.BILLING


def _may_capture(request: AuthedRequest, encounter: Any) -> bool:
    if not can(request.user, B, Need.EDIT):
        return False
    return not own_only(request.user, B, Need.EDIT) or encounter.provider_id == request.user.pk


def _may_bill(request: AuthedRequest) -> bool:
    return can(request.user, B, Need.EDIT) and not own_only(request.user, B, Need.EDIT)


@requires(B)
def charge_review(request: AuthedRequest) -> HttpResponse:
    """Signed encounters without charges, and charges not yet on a claim."""
    to_charge = Paginator(selectors.encounters_to_charge(request.user), 50).get_page(
        request.GET.get("page")
    )
    to_charge.object_list = list(to_charge.object_list)
    pending = Paginator(selectors.open_charges(request.user), 50).get_page(
        request.GET.get("open_page")
    )
    pending.object_list = list(pending.object_list)
    shown = [e.patient for e in to_charge.object_list] + [c.patient for c in pending.object_list]
    audit_patients_shown(
        patient_ids=[p.pk for p in shown], object_type="charge", view="charge_review",
        actor=request.user, patient_refs={p.pk: p.mrn for p in shown},
    )  # fmt: skip
    return render(
        request,
        "claims/charge_review.html",
        {"to_charge": to_charge, "pending": pending, "can_bill": _may_bill(request)},
    )


def _encounter_page(
    request: AuthedRequest, encounter: Any, formset: Any = None, status: int = 200
) -> HttpResponse:
    may_capture = _may_capture(request, encounter)
    charges = selectors.encounter_charges(encounter)
    context = {
        "encounter": encounter,
        "patient": encounter.patient,
        "diagnoses": list(encounter.diagnoses.order_by("rank")),
        "charges": charges,
        "claims": list(encounter.claims.select_related("payer").order_by("-created_at")),
        "formset": formset
        if formset is not None
        else capture_formset(encounter)
        if may_capture
        else None,
        "may_capture": may_capture,
        "can_bill": _may_bill(request) and any(c.status == ChargeStatus.OPEN for c in charges),
        "void_form": VoidForm(),
    }
    return render(request, "claims/encounter_charges.html", context, status=status)


@requires(B)
def encounter_charges(request: AuthedRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(request.user, encounter_id)
    audit_record(
        action=AuditAction.VIEW, actor=request.user, object_type="encounter_charges",
        object_id=encounter.pk, patient_id=encounter.patient_id,
    )  # fmt: skip
    return _encounter_page(request, encounter)


@requires(B, Need.EDIT)
@require_POST
def charges_capture(request: AuthedRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(request.user, encounter_id)
    formset = capture_formset(encounter, request.POST)
    if formset.is_valid():
        lines = [f.charge_input() for f in formset.forms if f.has_changed() and not f.is_blank()]
        lines = lines or [f.charge_input() for f in formset.forms if not f.is_blank()]
        try:
            created = services.charges_capture(encounter=encounter, lines=lines, actor=request.user)
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(exc.messages)
        else:
            messages.success(request, f"{len(created)} charge(s) captured.")
            return redirect("claims:encounter_charges", encounter.pk)
    return _encounter_page(request, encounter, formset, status=400)


@requires(B, Need.EDIT)
@require_POST
def charge_void(request: AuthedRequest, charge_id: int) -> HttpResponse:
    charge = selectors.visible_charges(request.user).filter(pk=charge_id).first()
    if charge is None:
        raise Http404("No such charge.")
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the charge is voided (at least three characters).")
    else:
        try:
            services.charge_void(
                charge=charge, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Charge {charge.procedure_code.code} voided.")
    return redirect("claims:encounter_charges", charge.encounter_id)


@requires(B, Need.EDIT)
@require_POST
def encounter_bill(request: AuthedRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(request.user, encounter_id)
    try:
        result = services.claims_build_for_encounter(encounter=encounter, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("claims:encounter_charges", encounter.pk)
    if result.claim is None:
        messages.success(
            request, "No coverage on the date of service: the charges are the patient's to pay."
        )
        return redirect("claims:encounter_charges", encounter.pk)
    messages.success(request, f"Claim {result.claim.patient_control_number} built (draft).")
    return redirect("claims:claim_detail", result.claim.pk)


@requires(B)
def superbill(request: AuthedRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(request.user, encounter_id)
    pdf = services.superbill_print(encounter=encounter, actor=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    day = encounter.start.date().isoformat()
    response["Content-Disposition"] = (
        f'inline; filename="superbill-{encounter.patient.mrn}-{day}.pdf"'
    )
    return response
