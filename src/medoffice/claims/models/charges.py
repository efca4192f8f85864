"""Charges captured from a signed encounter (the superbill): one line per service billed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel

PLACE_OF_SERVICE = RegexValidator(r"^\d{2}$", "A place-of-service code has two digits, e.g. 11.")
# Telehealth places of service (CMS): 02 outside the patient's home, 10 in the patient's home.
TELEHEALTH_POS = ("02", "10")


class ChargeStatus(models.TextChoices):
    OPEN = "open", "Not on a claim yet"
    BILLED = "billed", "On a claim"
    PATIENT = "patient", "Patient responsibility (self-pay)"
    VOID = "void", "Void"


class AmountSource(models.TextChoices):
    FEE_SCHEDULE = "fee_schedule", "Fee schedule"
    ENTERED = "entered", "Entered by hand"


class ChargeLine(TimeStampedModel):
    encounter = models.ForeignKey(
        "chart.Encounter", on_delete=models.PROTECT, related_name="charge_lines"
    )
    # Copied from the encounter so worklists filter and audit without a join.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="charge_lines"
    )
    procedure_code = models.ForeignKey(
        "coding.ProcedureCode", on_delete=models.PROTECT, related_name="+"
    )
    modifiers = models.JSONField(default=list, blank=True, help_text="Up to four, e.g. ['25']")
    units = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    diagnosis_pointers = models.JSONField(
        default=list, help_text="Ranks (1-12) of the encounter's diagnoses, one to four"
    )
    # The codes those ranks named at capture: a claim points at these, so re-ranking the
    # encounter's diagnoses afterwards cannot send a line to the wrong diagnosis.
    diagnosis_codes = models.JSONField(default=list)
    place_of_service = models.CharField(max_length=2, validators=[PLACE_OF_SERVICE])
    rendering_provider = models.ForeignKey(
        "scheduling.Provider", on_delete=models.PROTECT, related_name="charge_lines"
    )
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, related_name="+"
    )
    # The billing provider as it was when the charge was captured (the practice's group NPI or
    # the site's own, and the practice's tax id): a later change does not rewrite history.
    billing_npi = models.CharField(max_length=10)
    billing_tax_id = models.CharField(max_length=10)
    date_of_service = models.DateField()
    billed_amount = models.DecimalField(max_digits=10, decimal_places=2)
    expected_amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="From the fee schedule"
    )
    amount_source = models.CharField(max_length=12, choices=AmountSource.choices)
    status = models.CharField(max_length=8, choices=ChargeStatus.choices, default=ChargeStatus.OPEN)
    source_procedure = models.ForeignKey(
        "chart.EncounterProcedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The coded procedure this charge was captured from",
    )
    # Self-pay charges are posted one journal per line (so a void reverses exactly that line).
    journal_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["encounter_id", "pk"]
        indexes = [
            models.Index(fields=["status", "date_of_service"], name="charge_status_idx"),
            models.Index(fields=["patient", "date_of_service"], name="charge_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="charge_units_positive"),
            models.CheckConstraint(
                condition=Q(billed_amount__gt=Decimal("0")), name="charge_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | Q(voided_at__isnull=False),
                name="charge_void_has_time",
            ),
        ]

    def __str__(self) -> str:
        mods = "-".join(self.modifiers or [])
        return f"{self.procedure_code.code}{'-' + mods if mods else ''} x{self.units}"
