"""Writes of appeal letters: generating one (kept as written, audited, optionally moving the
claim to appealed through the claims app's transition) and printing one (audited). Like every
service here, each authorizes first (services.check_billing_office), then writes in one
transaction with its audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.claims.models import TRANSITIONS, ClaimStatus
from medoffice.claims.services import claim_transition
from medoffice.core.permissions import Need
from medoffice.remittance import appeals, selectors
from medoffice.remittance.models import AppealLetter, DenialWork
from medoffice.remittance.services import check_billing_office

MAX_PARAGRAPH = 4000
MAX_ENCLOSURES = 20


def appeal_letter_create(
    *, work_id: int, actor: Any, template: str = "", paragraph: str = "",
    enclosures: list[str] | None = None, mark_appealed: bool = False,
) -> AppealLetter:  # fmt: skip
    """Generate and keep an appeal letter for a denied line (and the claim's other lines denied
    for the same reason). `template` defaults to the reason's family; `enclosures` to the
    template's list. With `mark_appealed` a denied or partially paid claim moves to appealed
    through the claims app's transition (any other status is left alone)."""
    check_billing_office(actor, Need.EDIT)
    if template and template not in appeals.TEMPLATES:
        raise ValidationError({"template": "Choose one of the letter templates."})
    paragraph = (paragraph or "").strip()
    if len(paragraph) > MAX_PARAGRAPH:
        raise ValidationError({"paragraph": f"At most {MAX_PARAGRAPH} characters."})
    with transaction.atomic():
        try:
            work = selectors.denial_work(work_id)
        except DenialWork.DoesNotExist:
            raise ValidationError("No such denial.") from None
        facts = selectors.appeal_facts(work)
        chosen = appeals.TEMPLATES[template] if template else appeals.template_for(
            facts["reason"]["code"]
        )  # fmt: skip
        items = chosen.enclosures if enclosures is None else enclosures
        items = [" ".join(str(e).split())[:200] for e in items if str(e).strip()]
        if len(items) > MAX_ENCLOSURES:
            raise ValidationError({"enclosures": f"At most {MAX_ENCLOSURES} enclosures."})
        rc = work.line.remittance_claim
        letter = AppealLetter.objects.create(
            work=work, claim=rc.claim, patient=rc.patient, template=chosen.key,
            reason=facts["reason"]["label"][:8], letter_date=timezone.localdate(),
            subject=chosen.subject, facts=facts, text=appeals.compose(facts, chosen, paragraph),
            paragraph=paragraph, enclosures=items, created_by=actor,
        )  # fmt: skip
        letter.covered.set(facts["work_ids"])
        claim = rc.claim
        if mark_appealed and claim and ClaimStatus.APPEALED in TRANSITIONS.get(claim.status, ()):
            try:
                claim_transition(
                    claim=claim, to=ClaimStatus.APPEALED, actor=actor,
                    reason=f"Appeal letter {letter.pk}: {chosen.label}",
                    detail={"appeal_letter": letter.pk, "carc": [letter.reason]},
                )  # fmt: skip
            except ValidationError:  # moved by someone else meanwhile: the letter stands
                pass
            else:
                letter.claim_moved_from = claim.status
                letter.save(update_fields=["claim_moved_from"])
        audit_record(
            action="create", actor=actor, object_type="appeal_letter", object_id=letter.pk,
            patient_id=rc.patient_id,
            details={"denial_work": work.pk, "covered": facts["work_ids"], "template": chosen.key,
                     "reason": letter.reason, "claim": rc.claim_id,
                     "claim_moved_from": letter.claim_moved_from},
        )  # fmt: skip
    return letter


def appeal_letter_print(*, letter: AppealLetter, actor: Any) -> bytes:
    """The letter as a PDF, and its audit entry (a print of the patient's billing data)."""
    from medoffice.remittance.appeal_pdf import appeal_letter_pdf

    check_billing_office(actor)
    pdf = appeal_letter_pdf(letter)
    with transaction.atomic():
        audit_record(action="print", actor=actor, object_type="appeal_letter",
                     object_id=letter.pk, patient_id=letter.patient_id,
                     details={"format": "pdf", "claim": letter.claim_id})  # fmt: skip
    return pdf
