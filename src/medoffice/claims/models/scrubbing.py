"""What the scrubber needs from the database beyond the claim: each payer's rule settings, and
the findings of a claim's last scrub."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from medoffice.core.models import TimeStampedModel


def _codes(values: object, what: str) -> list[str]:
    """A list of strings from a JSON field, or a ValidationError naming the field."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError({what: "A list of codes."})
    return values


class PayerClaimRules(TimeStampedModel):
    """How one payer's claims are scrubbed: rules turned off, fields it requires beyond every
    claim's, and the procedure codes it wants a prior authorization or a referral for."""

    payer = models.OneToOneField(
        "patients.Payer", on_delete=models.CASCADE, related_name="claim_rules"
    )
    disabled_rules = models.JSONField(
        default=list, blank=True, help_text="Scrubber rule ids not run for this payer"
    )
    required_fields = models.JSONField(
        default=list, blank=True, help_text="Fields the payer requires (scrubber PAYER_REQUIRABLE)"
    )
    prior_authorization_required = models.BooleanField(default=False)
    prior_authorization_codes = models.JSONField(
        default=list, blank=True, help_text="Procedure codes needing one; empty: every code"
    )
    referral_required = models.BooleanField(default=False)
    referral_codes = models.JSONField(
        default=list, blank=True, help_text="Procedure codes needing one; empty: every claim"
    )

    class Meta:
        verbose_name_plural = "payer claim rules"

    def __str__(self) -> str:
        return f"Claim rules of payer {self.payer_id}"

    def clean(self) -> None:
        from medoffice.claims.scrubber import RULES
        from medoffice.claims.scrubber.facts import PAYER_REQUIRABLE

        errors: dict[str, str] = {}
        checks = (
            ("disabled_rules", set(RULES), "rule"),
            ("required_fields", set(PAYER_REQUIRABLE), "field"),
        )
        for name, known, what in checks:
            try:
                unknown = sorted(set(_codes(getattr(self, name), name)) - known)
            except ValidationError:
                errors[name] = f"A list of {what}s."
                continue
            if unknown:
                errors[name] = f"Unknown {what}(s): {', '.join(unknown)}."
        for name in ("prior_authorization_codes", "referral_codes"):
            try:
                codes = _codes(getattr(self, name), name)
            except ValidationError:
                errors[name] = "A list of procedure codes."
                continue
            bad = [c for c in codes if len(c) != 5 or not c.isalnum()]
            if bad:
                errors[name] = f"Not a CPT/HCPCS code (five letters or digits): {', '.join(bad)}."
        if errors:
            raise ValidationError(errors)


class FindingSeverity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


class ClaimFinding(models.Model):
    """One finding of the claim's last scrub (a new scrub replaces them all)."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(max_length=16)
    severity = models.CharField(max_length=8, choices=FindingSeverity.choices)
    message = models.TextField()
    carc = models.CharField("CARC prevented", max_length=5, blank=True)
    line_number = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["claim_id", "pk"]
        indexes = [models.Index(fields=["claim", "severity"], name="claim_finding_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} ({self.severity})"
