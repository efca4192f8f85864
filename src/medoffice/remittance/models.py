"""Remittances (835 ERAs) as imported: the file, each payment in it, what was posted for each
claim and line or left unmatched, the adjustments (CARC/RARC), and the denials worklist."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FileStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    UNMATCHED = "unmatched", "Posted, some claims unmatched"
    DUPLICATE = "duplicate", "Already imported"
    REJECTED = "rejected", "Rejected"


class RemittanceFile(models.Model):
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=FileStatus.choices)
    error = models.TextField(blank=True, help_text="Why the file was rejected (names the segment)")
    claims_posted = models.PositiveIntegerField(default=0)
    lines_posted = models.PositiveIntegerField(default=0)
    claims_unmatched = models.PositiveIntegerField(default=0)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    amount_unapplied = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class Remittance(models.Model):
    """One payment (one ST/BPR/TRN) of a file."""

    file = models.ForeignKey(RemittanceFile, on_delete=models.PROTECT, related_name="remittances")
    payer = models.ForeignKey(
        "patients.Payer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payer_key = models.CharField(
        max_length=80, help_text="N1*PR REF*2U, else TRN03, else the payer's name"
    )
    payer_name = models.CharField(max_length=200, blank=True)
    trace_number = models.CharField("check/EFT number", max_length=50)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    payment_date = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=3, blank=True, help_text="BPR04: ACH, CHK, NON...")
    control_number = models.CharField(max_length=9, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # The dedupe: the same payment imported again posts nothing.
            models.UniqueConstraint(
                fields=["payer_key", "trace_number", "amount"], name="remittance_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_name or self.payer_key} {self.trace_number} ${self.amount}"


class ItemStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    UNMATCHED = "unmatched", "Unmatched"
    RESOLVED = "resolved", "Resolved (posted later)"
    NOT_OURS = "not_ours", "Not ours"


class RemittanceClaim(models.Model):
    # Indexed by remclaim_seq_unique (remittance, sequence), which serves it alone too.
    remittance = models.ForeignKey(
        Remittance, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    sequence = models.PositiveIntegerField(help_text="Position of the CLP in the remittance")
    patient_control_number = models.CharField(max_length=38)
    status_code = models.CharField(max_length=2, help_text="CLP02")
    payer_claim_number = models.CharField(max_length=50, blank=True)
    billed = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    patient_responsibility = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    patient_name = models.CharField(max_length=200, blank=True)
    member_id = models.CharField(max_length=80, blank=True)
    remark_codes = models.JSONField(default=list, blank=True)
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The claim's patient, copied for look-ups by patient. No database constraint (the claim's
    # own keeps it; PROTECT is Django's): checking it locked an ERA's thousands of patients.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=ItemStatus.choices)
    unmatched_reason = models.CharField(max_length=300, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="Skipped transitions and such")
    journal_ids = models.JSONField(default=list, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed where set (Meta.indexes): an ERA's claims are not resolved
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["remittance_id", "sequence"]
        indexes = [
            models.Index(fields=["status"], name="remclaim_status_idx"),
            models.Index(
                fields=["resolved_by"],
                condition=Q(resolved_by__isnull=False),
                name="remclaim_resolved_by_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["remittance", "sequence"], name="remclaim_seq_unique"),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(claim__isnull=False),
                name="remclaim_posted_has_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_control_number} paid {self.paid} ({self.get_status_display()})"


class DenialKind(models.TextChoices):
    NONE = "", "Not denied"
    PARTIAL = "partial", "Partially denied"
    FULL = "full", "Denied"


class RemittanceLine(models.Model):
    remittance_claim = models.ForeignKey(
        RemittanceClaim, on_delete=models.CASCADE, related_name="lines"
    )
    claim_line = models.ForeignKey(
        "claims.ClaimLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    procedure_code = models.CharField(max_length=48)
    modifiers = models.JSONField(default=list, blank=True)
    service_date = models.DateField(null=True, blank=True)
    line_control_number = models.CharField(max_length=50, blank=True)
    billed = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    allowed = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    remark_codes = models.JSONField(default=list, blank=True)
    denial = models.CharField(max_length=7, choices=DenialKind.choices, blank=True)
    expected = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    underpaid = models.BooleanField(default=False)

    class Meta:
        ordering = ["remittance_claim_id", "pk"]
        indexes = [models.Index(fields=["denial"], name="remline_denial_idx")]

    def __str__(self) -> str:
        return f"{self.procedure_code} paid {self.paid}"


class RemittanceAdjustment(models.Model):
    """One CAS triplet, of a line (line set) or of the whole claim (line empty)."""

    remittance_claim = models.ForeignKey(
        RemittanceClaim, on_delete=models.CASCADE, related_name="adjustments"
    )
    line = models.ForeignKey(
        RemittanceLine, on_delete=models.CASCADE, null=True, blank=True, related_name="adjustments"
    )
    group = models.CharField(max_length=2)
    reason = models.CharField(max_length=5, help_text="CARC")
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["reason"], name="remadj_reason_idx")]

    def __str__(self) -> str:
        return f"{self.group}-{self.reason} {self.amount}"


class SuggestedAction(models.TextChoices):
    CORRECT = "correct", "Correct and resubmit"
    APPEAL = "appeal", "Appeal"
    WRITE_OFF = "write_off", "Write off"
    BILL_PATIENT = "bill_patient", "Bill the patient"


class WorkStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class DenialWork(models.Model):
    """Who works a denied line, by when, and what they decided."""

    line = models.OneToOneField(RemittanceLine, on_delete=models.CASCADE, related_name="work")
    action = models.CharField(max_length=12, choices=SuggestedAction.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=4, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="denialwork_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.due_date}"


class AppealLetter(models.Model):
    """An appeal letter as it was generated: the facts it quoted (a snapshot, so a reprint reads
    the same after the claim moves on), the template, the text as rendered with the biller's own
    paragraph in it, and the enclosures. Letters are never edited: a new one is generated."""

    work = models.ForeignKey(
        DenialWork, on_delete=models.PROTECT, related_name="+",
        help_text="The denial the letter was opened from",
    )  # fmt: skip
    covered = models.ManyToManyField(
        DenialWork, related_name="appeal_letters",
        help_text="Every denied line of the claim the letter appeals (same reason)",
    )  # fmt: skip
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    template = models.CharField(max_length=30)
    reason = models.CharField(max_length=8, blank=True, help_text="The CARC appealed, e.g. CO-50")
    letter_date = models.DateField()
    subject = models.CharField(max_length=200)
    facts = models.JSONField(help_text="Letterhead, payer, patient, claim, lines, reasons")
    text = models.TextField(help_text="The body as rendered, the biller's paragraph included")
    paragraph = models.TextField(blank=True, help_text="The biller's own paragraph")
    enclosures = models.JSONField(default=list, blank=True)
    claim_moved_from = models.CharField(
        max_length=16, blank=True, help_text="The claim's status before it became appealed"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Appeal letter {self.pk} ({self.reason or self.template})"

    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.split("\n\n") if p.strip()]
