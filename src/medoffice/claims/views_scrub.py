"""Scrubbing from the pages: one claim from its page, many from the worklist (htmx), and each
payer's scrubbing settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from medoffice.claims import selectors, services
from medoffice.claims.forms import ClaimFilterForm, PayerClaimRulesForm, ScrubSelectionForm
from medoffice.claims.models import ClaimStatus, PayerClaimRules
from medoffice.claims.views_claims import _may_move, filters_from, worklist_context
from medoffice.core.access import requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Payer
from medoffice.patients.views_common import is_htmx

B = Capability.BILLING


@requires(B, Need.EDIT)
@require_POST
def claim_scrub(request: AuthedRequest, claim_id: int) -> HttpResponse:
    claim = selectors.claim_get(request.user, claim_id)
    seen = request.POST.get("seen_status", "")
    if seen in ClaimStatus.values:
        claim.status = seen  # a claim moved since the page was drawn is not scrubbed
    result = services.claims_scrub(claims=[claim], actor=request.user)
    outcome = result.outcomes[0]
    if outcome.skipped:
        messages.error(request, f"Not scrubbed: {outcome.skipped}")
    elif outcome.errors:
        messages.error(
            request, f"{outcome.errors} error(s) to fix before the claim can be sent; see below."
        )
    else:
        messages.success(request, "No errors: the claim is ready to submit.")
    return redirect("claims:claim_detail", claim.pk)


@requires(B, Need.EDIT)
@require_POST
def claims_scrub_bulk(request: AuthedRequest) -> HttpResponse:
    """Scrub the ticked claims, or every draft claim under the worklist's filters."""
    selection = ScrubSelectionForm(request.POST)
    if not selection.is_valid():
        if is_htmx(request):
            context = worklist_context(request, request.POST)
            context["scrub_message"] = selection.error_text()
            return render(request, "claims/partials/claim_table.html", context, status=400)
        messages.error(request, selection.error_text())
        return redirect("claims:worklist")
    filters = filters_from(ClaimFilterForm(request.POST or None))
    rows = selectors.claim_worklist(request.user, filters)
    if selection.cleaned_data["all_drafts"]:
        rows = rows.filter(status=ClaimStatus.DRAFT)
    else:
        rows = rows.filter(pk__in=selection.cleaned_data["claim"])
    claims = list(rows.order_by("pk")[: services.scrubbing.MAX_PER_RUN + 1])
    more = len(claims) > services.scrubbing.MAX_PER_RUN
    try:
        result = services.claims_scrub(claims=claims, actor=request.user)
        text = result.summary() if claims else "No claims to scrub."
    except ValidationError as exc:
        text = " ".join(exc.messages)
    if more:
        text += " More draft claims are waiting: scrub again."
    if is_htmx(request):
        context = worklist_context(request, request.POST)
        context["scrub_message"] = text
        return render(request, "claims/partials/claim_table.html", context)
    messages.info(request, text)
    return redirect("claims:worklist")


@requires(B)
@require_GET
def payer_rules_list(request: AuthedRequest) -> HttpResponse:
    payers = list(Payer.objects.select_related("claim_rules").order_by("name"))
    rows = []
    for payer in payers:
        try:
            rules = payer.claim_rules
        except PayerClaimRules.DoesNotExist:
            rules = None
        rows.append((payer, rules))
    return render(request, "claims/payer_rules_list.html", {"rows": rows})


def _payer(payer_id: int) -> Payer:
    payer = Payer.objects.filter(pk=payer_id).first()
    if payer is None:
        raise Http404("No such payer.")
    return payer


def _rules_page(
    request: AuthedRequest, payer: Payer, form: PayerClaimRulesForm, status: int = 200
) -> HttpResponse:
    context = {"payer": payer, "form": form, "may_edit": _may_move(request)}
    return render(request, "claims/payer_rules.html", context, status=status)


@requires(B)
@require_GET
def payer_rules(request: AuthedRequest, payer_id: int) -> HttpResponse:
    payer = _payer(payer_id)
    rules = PayerClaimRules.objects.filter(payer=payer).first()
    return _rules_page(
        request, payer, PayerClaimRulesForm(initial=PayerClaimRulesForm.initial_from(rules))
    )


@requires(B, Need.EDIT)
@require_POST
def payer_rules_save(request: AuthedRequest, payer_id: int) -> HttpResponse:
    payer = _payer(payer_id)
    form = PayerClaimRulesForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, payer, form, status=400)
    try:
        services.payer_claim_rules_save(payer=payer, values=form.values(), actor=request.user)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return _rules_page(request, payer, form, status=400)
    messages.success(request, f"Scrubbing settings of {payer} saved.")
    return redirect("claims:payer_rules", payer.pk)
