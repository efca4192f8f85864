"""Professional claims (837P data), their lines, status history and the payers' adjudication."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCRUBBED = "scrubbed", "Scrubbed"
    READY = "ready", "Ready to submit"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    DENIED = "denied", "Denied"
    APPEALED = "appealed", "Appealed"
    CLOSED = "closed", "Closed"


S = ClaimStatus

# The one table of allowed moves. A rejected claim goes back to draft to be fixed (or is
# closed); adjudicated claims may be appealed; an appeal ends in a new adjudication.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.SCRUBBED, S.CLOSED),
    S.SCRUBBED: (S.READY, S.DRAFT),
    S.READY: (S.SUBMITTED, S.DRAFT),
    S.SUBMITTED: (S.ACCEPTED, S.REJECTED),
    S.ACCEPTED: (S.PAID, S.PARTIALLY_PAID, S.DENIED, S.REJECTED),
    S.REJECTED: (S.DRAFT, S.CLOSED),
    S.PAID: (S.CLOSED,),
    S.PARTIALLY_PAID: (S.APPEALED, S.CLOSED),
    S.DENIED: (S.APPEALED, S.CLOSED),
    S.APPEALED: (S.PAID, S.PARTIALLY_PAID, S.DENIED, S.CLOSED),
    S.CLOSED: (),
}
ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED})


class Responsibility(models.IntegerChoices):
    """Which payer this claim goes to for the patient (X12 SBR01: P, S, T)."""

    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"
    TERTIARY = 3, "Tertiary"


class FrequencyCode(models.TextChoices):
    """CLM05-3: an original claim, a replacement of one, or the void of one."""

    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of a prior claim"
    VOID = "8", "Void of a prior claim"


class Claim(TimeStampedModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="claims")
    encounter = models.ForeignKey(
        "chart.Encounter", on_delete=models.PROTECT, related_name="claims"
    )
    # Indexed by claim_payer_idx (payer, status), which serves lookups by payer alone too.
    payer = models.ForeignKey(
        "patients.Payer", on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    coverage = models.ForeignKey(
        "patients.Coverage", on_delete=models.PROTECT, related_name="claims"
    )
    responsibility = models.PositiveSmallIntegerField(choices=Responsibility.choices)
    patient_control_number = models.CharField(
        "patient control number (CLM01)", max_length=20, unique=True
    )
    total_billed = models.DecimalField(max_digits=12, decimal_places=2)
    frequency_code = models.CharField(
        max_length=1, choices=FrequencyCode.choices, default=FrequencyCode.ORIGINAL
    )
    # The optional links are indexed only where set (Meta.indexes): almost every claim has
    # none, and a full index would still take an entry for each claim an ERA moves.
    original_claim = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        db_index=False,
    )
    original_reference = models.CharField(
        max_length=50, blank=True, help_text="The payer's claim number of the claim corrected"
    )
    prior_claim = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_payer_claims",
        help_text="For a secondary (tertiary) claim: the claim the payer before adjudicated",
        db_index=False,
    )
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=S.DRAFT)
    status_changed_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    prior_authorization = models.ForeignKey(
        "referrals.PriorAuthorization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    prior_authorization_number = models.CharField(max_length=50, blank=True)
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    referral_number = models.CharField(max_length=50, blank=True)
    # Claim-level data copied from the charges at build time (837P loops 2010AA, 2310B, 2300).
    rendering_provider = models.ForeignKey(
        "scheduling.Provider", on_delete=models.PROTECT, related_name="claims"
    )
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, related_name="+"
    )
    billing_npi = models.CharField(max_length=10)
    billing_tax_id = models.CharField(max_length=10)
    place_of_service = models.CharField(max_length=2)
    service_date_from = models.DateField()
    service_date_to = models.DateField()
    diagnosis_codes = models.JSONField(
        default=list, help_text="ICD-10-CM codes in rank order; line pointers index this list"
    )
    charge_journal_id = models.BigIntegerField(null=True, blank=True)
    # Set by the first scrub only: True when it found no errors (the clean-claim rate).
    first_scrub_clean = models.BooleanField(null=True, blank=True)
    # Not indexed (nor the other "who did it" columns of claims' rows): no page or report looks
    # claims up by their creator, and each index was one more entry per claim an ERA moves.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="claim_status_idx"),
            models.Index(fields=["payer", "status"], name="claim_payer_idx"),
            models.Index(fields=["service_date_from"], name="claim_dos_idx"),
            *(
                models.Index(
                    fields=[link],
                    condition=Q(**{f"{link}__isnull": False}),
                    name=f"claim_{link}_idx",
                )
                for link in ("original_claim", "prior_claim", "prior_authorization", "referral")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency_code="1") | Q(original_claim__isnull=False),
                name="claim_correction_has_original",
            ),
            models.CheckConstraint(
                condition=Q(total_billed__gte=Decimal("0")), name="claim_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(service_date_to__gte=models.F("service_date_from")),
                name="claim_service_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.patient_control_number}"

    @property
    def sbr01(self) -> str:
        return {1: "P", 2: "S", 3: "T"}[self.responsibility]

    def allowed_next(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    charge_line = models.ForeignKey(
        "claims.ChargeLine", on_delete=models.PROTECT, related_name="claim_lines"
    )
    line_number = models.PositiveSmallIntegerField()
    line_control_number = models.CharField("line control number (REF*6R)", max_length=30)
    procedure_code = models.CharField(max_length=5)
    modifiers = models.JSONField(default=list, blank=True)
    units = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    diagnosis_pointers = models.JSONField(default=list)
    date_of_service = models.DateField()
    place_of_service = models.CharField(max_length=2)
    prior_line = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="On a secondary claim: the same service on the claim the payer before saw",
        db_index=False,  # indexed where set (Meta.indexes): only secondary claims' lines
    )

    class Meta:
        ordering = ["claim_id", "line_number"]
        indexes = [
            models.Index(
                fields=["prior_line"],
                condition=Q(prior_line__isnull=False),
                name="claimline_prior_line_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "line_control_number"], name="claim_line_control_unique"
            ),
            models.UniqueConstraint(
                fields=["claim", "line_number"], name="claim_line_number_unique"
            ),
            models.UniqueConstraint(
                fields=["claim", "charge_line"], name="claim_line_charge_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_number}: {self.procedure_code} x{self.units}"


class ClaimStatusChange(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ClaimStatus.choices)
    at = models.DateTimeField()
    # Searched with `at` first (claimstatus_at_idx). No database constraint, as Journal.actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False, db_constraint=False,
    )  # fmt: skip
    reason = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(
        default=dict, blank=True, help_text="CARC/RARC codes, acknowledgement ids and the like"
    )

    class Meta:
        ordering = ["claim_id", "at", "pk"]
        indexes = [
            # Who worked claims when (reports: claims worked per biller): the period's rows
            # read from the index alone.
            models.Index(fields=["at", "actor", "claim"], name="claimstatus_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"

    def detail_text(self) -> str:
        """The detail as the claim page shows it: "carc CO-45, PR-2; isa13 1" (lists joined,
        empty values left out), not Python's repr of the JSON."""
        parts = []
        for key, value in (self.detail or {}).items():
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value)
            if value in ("", None):
                continue
            parts.append(f"{key} {value}")
        return "; ".join(parts)


class AdjustmentGroup(models.TextChoices):
    CONTRACTUAL = "CO", "Contractual obligation"
    PATIENT = "PR", "Patient responsibility"
    OTHER = "OA", "Other adjustment"
    PAYER_INITIATED = "PI", "Payer-initiated reduction"
    CORRECTION = "CR", "Correction and reversal"


class ClaimLineAdjudication(models.Model):
    """What a payer decided on one line (from an ERA): paid amount and adjustments (CAS).

    A secondary claim carries these per line as the primary payer's adjudication (COB)."""

    claim_line = models.ForeignKey(
        ClaimLine, on_delete=models.CASCADE, related_name="adjudications"
    )
    payer = models.ForeignKey("patients.Payer", on_delete=models.PROTECT, related_name="+")
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2)
    allowed_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    adjustments = models.JSONField(
        default=list, help_text='[{"group": "CO", "reason": "45", "amount": "20.00"}, ...]'
    )
    remark_codes = models.JSONField(default=list, blank=True, help_text="RARC codes")
    adjudicated_on = models.DateField()
    source_reference = models.CharField(
        max_length=64, blank=True, help_text="The ERA (or trace number) it came from"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(  # no database constraint, as Journal.actor
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False, db_constraint=False,
    )  # fmt: skip

    class Meta:
        ordering = ["claim_line_id", "adjudicated_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim_line", "payer", "source_reference"],
                condition=~Q(source_reference=""),
                name="adjudication_once_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_id} paid {self.paid_amount}"
