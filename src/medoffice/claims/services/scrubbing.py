"""Scrubbing claims before they are sent, and each payer's scrubbing settings.

- `claims_scrub` runs the scrubber on draft and scrubbed claims: each claim's findings replace
  those of its last scrub; a claim with errors is (or stays) scrubbed, one without moves on
  to ready (draft -> scrubbed -> ready, both moves in its history). Its first scrub sets
  `first_scrub_clean` once (the clean-claim rate). Each claim is its own transaction with its
  audit entry: a claim moved by someone else meanwhile keeps its earlier findings and status.
- `payer_claim_rules_save` keeps a payer's disabled rules, required fields and the codes it
  wants a prior authorization or referral for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.claims.models import Claim, ClaimFinding, ClaimStatus, PayerClaimRules
from medoffice.claims.scrub_facts import claims_facts
from medoffice.claims.scrubber import DatabaseCodeTables, Finding, is_clean, scrub
from medoffice.claims.services.claims import claim_transition
from medoffice.claims.services.common import audit, check_claims_edit_many
from medoffice.core.access import deny, own_only, require_capability
from medoffice.core.permissions import Capability, Need

SCRUBBABLE = (ClaimStatus.DRAFT, ClaimStatus.SCRUBBED)
MAX_PER_RUN = 200  # a page's bulk action stays a request's work; the rest waits for a next run


@dataclass(frozen=True)
class ScrubOutcome:
    claim_id: int
    patient_control_number: str
    status: str  # after the scrub
    errors: int = 0
    warnings: int = 0
    skipped: str = ""  # why the claim was not scrubbed


@dataclass
class ScrubResult:
    outcomes: list[ScrubOutcome] = field(default_factory=list)

    @property
    def scrubbed(self) -> list[ScrubOutcome]:
        return [o for o in self.outcomes if not o.skipped]

    @property
    def ready(self) -> int:
        return sum(1 for o in self.scrubbed if o.status == ClaimStatus.READY)

    @property
    def held(self) -> int:
        return sum(1 for o in self.scrubbed if o.errors)

    @property
    def skipped(self) -> list[ScrubOutcome]:
        return [o for o in self.outcomes if o.skipped]

    def summary(self) -> str:
        text = (
            f"{len(self.scrubbed)} claim(s) scrubbed: {self.ready} ready, {self.held} with errors"
        )
        if self.skipped:
            text += f"; {len(self.skipped)} not scrubbed ({self.skipped[0].skipped}"
            text += ", …)" if len(self.skipped) > 1 else ")"
        return text + "."


def _store(claim: Claim, findings: list[Finding], actor: Any) -> ScrubOutcome:
    """Replace the claim's findings and move it, in one transaction with its audit entry."""
    clean = is_clean(findings)
    now = timezone.now()
    errors = sum(1 for f in findings if f.blocks)
    with transaction.atomic():
        claim.findings.all().delete()
        ClaimFinding.objects.bulk_create(
            ClaimFinding(
                claim=claim, rule_id=f.rule_id, severity=str(f.severity), message=f.message,
                carc=f.carc, line_number=f.line, created_at=now,
            )
            for f in findings
        )  # fmt: skip
        Claim.objects.filter(pk=claim.pk, first_scrub_clean__isnull=True).update(
            first_scrub_clean=clean
        )
        reason = "Scrubbed: no errors" if clean else f"Scrubbed: {errors} error(s) to fix"
        if claim.status == ClaimStatus.DRAFT:
            claim = claim_transition(
                claim=claim, to=ClaimStatus.SCRUBBED, actor=actor, reason=reason
            )
        if clean:
            claim = claim_transition(claim=claim, to=ClaimStatus.READY, actor=actor, reason=reason)
        elif not Claim.objects.filter(pk=claim.pk, status=claim.status).update(updated_at=now):
            raise ValidationError("This claim changed meanwhile: look at it again.")
        audit(
            actor=actor, action="update", object_type="claim", object_id=claim.pk,
            patient_id=claim.patient_id, reason="scrub",
            details={"scrub": True, "errors": errors, "warnings": len(findings) - errors,
                     "rules": sorted({f.rule_id for f in findings}), "status": claim.status},
        )  # fmt: skip
    return ScrubOutcome(
        claim.pk, claim.patient_control_number, claim.status, errors, len(findings) - errors
    )


def claims_scrub(*, claims: Iterable[Claim], actor: Any) -> ScrubResult:
    """Scrub draft and scrubbed claims (others are reported, not touched); at most
    MAX_PER_RUN claims a run, the first ones given."""
    claims = list(claims)[:MAX_PER_RUN]
    check_claims_edit_many(actor, ((claim.patient_id, claim.pk) for claim in claims))
    facts = claims_facts([c.pk for c in claims])
    tables = DatabaseCodeTables()
    result = ScrubResult()
    for claim in claims:
        pcn = claim.patient_control_number
        if claim.status not in SCRUBBABLE:
            label = ClaimStatus(claim.status).label.lower()
            result.outcomes.append(
                ScrubOutcome(claim.pk, pcn, claim.status, skipped=f"{pcn} is {label}")
            )
            continue
        try:
            outcome = _store(claim, scrub(facts[claim.pk], tables), actor)
        except ValidationError as exc:
            outcome = ScrubOutcome(claim.pk, pcn, claim.status, skipped=" ".join(exc.messages))
        result.outcomes.append(outcome)
    return result


RULE_FIELDS = (
    "disabled_rules", "required_fields", "prior_authorization_required",
    "prior_authorization_codes", "referral_required", "referral_codes",
)  # fmt: skip


def payer_claim_rules_save(*, payer: Any, values: dict[str, Any], actor: Any) -> PayerClaimRules:
    """Create or change a payer's scrubbing settings (validated against the scrubber's rules
    and fields). Billing staff only."""
    require_capability(actor, Capability.BILLING, Need.EDIT)
    if own_only(actor, Capability.BILLING, Need.EDIT):
        raise deny(
            actor, "Payer settings are kept by the billing staff.",
            capability=Capability.BILLING, object_type="payer_claim_rules",
            object_id=str(payer.pk),
        )  # fmt: skip
    unknown = sorted(set(values) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError(f"Unknown setting(s): {', '.join(unknown)}.")
    rules = PayerClaimRules.objects.filter(payer=payer).first() or PayerClaimRules(payer=payer)
    before = {name: getattr(rules, name) for name in RULE_FIELDS} if rules.pk else {}
    for name, value in values.items():
        if isinstance(value, list | tuple | set | frozenset):
            # Rule ids and procedure codes are upper case; field names are kept as written.
            text = {str(v).strip() for v in value if str(v).strip()}
            value = sorted(text if name == "required_fields" else {v.upper() for v in text})
        setattr(rules, name, value)
    rules.full_clean()
    with transaction.atomic():
        rules.save()
        _audit_settings(actor, rules, before)
    return rules


def _audit_settings(actor: Any, rules: PayerClaimRules, before: dict[str, Any]) -> None:
    from medoffice.audit.services import audit_record

    after = {name: getattr(rules, name) for name in RULE_FIELDS}
    audit_record(
        action="update" if before else "create", actor=actor,
        object_type="payer_claim_rules", object_id=rules.pk,
        details={"payer": rules.payer_id,
                 "changed": {k: v for k, v in after.items() if before.get(k) != v}},
    )  # fmt: skip
