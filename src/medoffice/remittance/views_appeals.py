"""Appeal letters on the denials worklist: compose one for a denied line (billers), read it as a
printable page or a PDF (the billing office). Every page showing the letter's facts is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from medoffice.audit.services import audit_record
from medoffice.claims.models import TRANSITIONS, ClaimStatus
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Need
from medoffice.patients.views_common import is_htmx
from medoffice.remittance import appeals, selectors, services_appeals
from medoffice.remittance.access import billing_office
from medoffice.remittance.appeal_pdf import long_date, regarding
from medoffice.remittance.forms import AppealForm
from medoffice.remittance.models import AppealLetter, DenialWork
from medoffice.remittance.views import _errors

PLACEHOLDER = "(Your own paragraph goes here.)"


@billing_office(Need.EDIT)
def appeal_new(request: AuthedRequest, work_id: int) -> HttpResponse:
    try:
        work = selectors.denial_work(work_id)
    except DenialWork.DoesNotExist:
        raise Http404("No such denial.") from None
    facts = selectors.appeal_facts(work)
    suggested = appeals.template_for(facts["reason"]["code"])
    claim = work.line.remittance_claim.claim
    may_move = bool(claim and ClaimStatus.APPEALED in TRANSITIONS.get(claim.status, ()))
    status = 200
    if request.method == "POST":
        form = AppealForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                letter = services_appeals.appeal_letter_create(
                    work_id=work.pk, actor=request.user, template=data["template"],
                    paragraph=data["paragraph"], enclosures=form.enclosure_list(),
                    mark_appealed=data["mark_appealed"] and may_move,
                )  # fmt: skip
            except ValidationError as exc:
                _errors(form, exc)
            else:
                moved = " The claim is now appealed." if letter.claim_moved_from else ""
                messages.success(request, f"Appeal letter {letter.pk} generated.{moved}")
                return redirect("remittance:appeal_letter", letter_id=letter.pk)
        status = 400
        key = request.POST.get("template", "")
        paragraph = request.POST.get("paragraph", "")
    else:
        key = request.GET.get("template", "")
        key = key if key in appeals.TEMPLATES else suggested.key
        paragraph = request.GET.get("paragraph", "")
        form = AppealForm(initial={
            "template": key, "paragraph": paragraph, "mark_appealed": may_move,
            "enclosures": "\n".join(appeals.TEMPLATES[key].enclosures),
        })  # fmt: skip
    chosen = appeals.TEMPLATES.get(key, suggested)
    rc = work.line.remittance_claim
    audit_record(action="view", actor=request.user, object_type="denial_work",
                 object_id=work.pk, patient_id=rc.patient_id, details={"appeal": chosen.key})  # fmt: skip
    context = {
        "work": work, "facts": facts, "form": form, "suggested": suggested, "chosen": chosen,
        "may_move": may_move, "claim": claim,
        "preview": appeals.compose(facts, chosen, paragraph.strip() or PLACEHOLDER).split("\n\n"),
    }  # fmt: skip
    if is_htmx(request):
        return render(request, "remittance/partials/appeal_preview.html", context)
    return render(request, "remittance/appeal_new.html", context, status=status)


def _letter(letter_id: int) -> AppealLetter:
    try:
        return selectors.appeal_letter(letter_id)
    except AppealLetter.DoesNotExist:
        raise Http404("No such letter.") from None


@billing_office()
def appeal_letter(request: AuthedRequest, letter_id: int) -> HttpResponse:
    letter = _letter(letter_id)
    audit_record(action="view", actor=request.user, object_type="appeal_letter",
                 object_id=letter.pk, patient_id=letter.patient_id)  # fmt: skip
    context = {
        "letter": letter, "facts": letter.facts, "regarding": regarding(letter),
        "letter_day": long_date(letter.letter_date),
        "signer": letter.created_by.get_full_name() or letter.created_by.get_username(),
        "lines": [
            {**ln, "day": long_date(ln["service_date"]) if ln["service_date"] else ""}
            for ln in letter.facts["lines"]
        ],
    }  # fmt: skip
    return render(request, "remittance/appeal_letter.html", context)


@billing_office()
def appeal_letter_pdf(request: AuthedRequest, letter_id: int) -> HttpResponse:
    letter = _letter(letter_id)
    pdf = services_appeals.appeal_letter_print(letter=letter, actor=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    number = letter.facts["claim"]["patient_control_number"]
    response["Content-Disposition"] = f'inline; filename="appeal-{number}-{letter.pk}.pdf"'
    return response
