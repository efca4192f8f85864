"""Claim pages: the worklist with counts per status, one claim with its lines and history, and
the moves the user may make."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.claims import selectors, services
from medoffice.claims.forms import ClaimFilterForm, TransitionForm
from medoffice.claims.models import ADJUDICATED, ClaimStatus, Responsibility
from medoffice.claims.services.scrubbing import SCRUBBABLE
from medoffice.core.access import can, own_only, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.views_common import is_htmx

B = Capability.BILLING


def _may_move(request: AuthedRequest) -> bool:
    return can(request.user, B, Need.EDIT) and not own_only(request.user, B, Need.EDIT)


def filters_from(form: ClaimFilterForm) -> selectors.ClaimFilters:
    if not form.is_valid():
        return selectors.ClaimFilters()
    data = form.cleaned_data
    return selectors.ClaimFilters(
        status=data.get("status") or "",
        payer_id=data["payer"].pk if data.get("payer") else None,
        provider_id=data["provider"].pk if data.get("provider") else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        has_errors=bool(data.get("has_errors")),
    )


def worklist_context(request: AuthedRequest, params: Any) -> dict[str, Any]:
    """The worklist under the filters in `params` (the query, or a bulk action's form): one
    page of claims, audited, with the counts per status and the clean-claim rate."""
    form = ClaimFilterForm(params or None)
    filters = filters_from(form)
    page = Paginator(selectors.claim_worklist(request.user, filters), 50).get_page(
        params.get("page")
    )
    page.object_list = list(page.object_list)
    audit_patients_shown(
        patient_ids=[c.patient_id for c in page.object_list], object_type="claim",
        view="claim_worklist", actor=request.user,
        patient_refs={c.patient_id: c.patient.mrn for c in page.object_list},
    )  # fmt: skip
    query = params.copy()
    query.pop("page", None)
    status_query = params.copy()
    for key in ("page", "status", "csrfmiddlewaretoken", "claim", "all_drafts"):
        status_query.pop(key, None)
        if key != "status":
            query.pop(key, None)
    return {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filter_items": [(k, v) for k, values in query.lists() for v in values],
        "status_query": status_query.urlencode(),
        "counts": selectors.claim_status_counts(request.user, filters),
        "status": filters.status,
        "may_scrub": _may_move(request),
        "clean_rate": selectors.worklist_clean_claim_rate(request.user, filters),
        "scrubbable": SCRUBBABLE,
    }


@requires(B)
def worklist(request: AuthedRequest) -> HttpResponse:
    context = worklist_context(request, request.GET)
    template = "claims/partials/claim_table.html" if is_htmx(request) else "claims/worklist.html"
    return render(request, template, context)


@requires(B)
def claim_detail(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = selectors.claim_get(request.user, claim_id)
    audit_record(
        action=AuditAction.VIEW, actor=request.user, object_type="claim", object_id=claim.pk,
        patient_id=claim.patient_id,
    )  # fmt: skip
    may_move = _may_move(request)
    allowed = claim.allowed_next() if may_move else ()
    context = {
        "claim": claim,
        "patient": claim.patient,
        "lines": selectors.claim_lines(claim),
        "history": selectors.claim_history(claim),
        "allowed": [(s, ClaimStatus(s).label) for s in allowed],
        "transition_form": TransitionForm(allowed=allowed) if allowed else None,
        "findings": selectors.claim_findings(claim),
        "may_scrub": may_move and claim.status in SCRUBBABLE,
        "may_build_secondary": may_move
        and claim.status in ADJUDICATED
        and claim.responsibility < Responsibility.TERTIARY
        and selectors.next_coverage(claim) is not None,
        "next_claims": list(claim.next_payer_claims.all()),
        "corrections": list(claim.corrections.all()),
        # The ledger is the practice's, not a clinician's own record (billing "own only").
        "may_see_ledger": not own_only(request.user, B, Need.VIEW),
    }
    return render(request, "claims/claim_detail.html", context)


@requires(B, Need.EDIT)
@require_POST
def claim_transition(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = selectors.claim_get(request.user, claim_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the new status.")
        return redirect("claims:claim_detail", claim.pk)
    if form.cleaned_data["seen_status"]:
        claim.status = form.cleaned_data["seen_status"]
    try:
        claim = services.claim_transition(
            claim=claim, to=form.cleaned_data["to"], actor=request.user,
            reason=form.cleaned_data["reason"],
            payer_claim_number=form.cleaned_data["payer_claim_number"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Claim is now {claim.get_status_display().lower()}.")
    return redirect("claims:claim_detail", claim.pk)


@requires(B, Need.EDIT)
@require_POST
def claim_secondary(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = selectors.claim_get(request.user, claim_id)
    try:
        secondary = services.claim_build_secondary(claim=claim, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("claims:claim_detail", claim.pk)
    messages.success(
        request, f"Claim {secondary.patient_control_number} to {secondary.payer} built."
    )
    return redirect("claims:claim_detail", secondary.pk)


@requires(B)
def claim_cms1500(request: AuthedRequest, claim_id: int) -> HttpResponse:
    """The CMS-1500 paper claim; `?form=preprinted` leaves out the boxes and labels, for the
    red pre-printed form."""
    claim = selectors.claim_get(request.user, claim_id)
    background = request.GET.get("form") != "preprinted"
    pdf = services.claim_cms1500_print(claim=claim, actor=request.user, background=background)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="cms1500-{claim.patient_control_number}.pdf"'
    )
    return response
