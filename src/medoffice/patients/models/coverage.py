"""Payers and the patient's insurance coverage."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel
from medoffice.interop.x12.claim837p import MEDICARE_FILING_INDICATORS
from medoffice.organization.models import US_STATE, US_ZIP
from medoffice.patients.models.patient import Patient


class ClaimFilingIndicator(models.TextChoices):
    # X12 SBR09 claim filing indicator codes.
    MEDICARE_B = "MB", "Medicare Part B"
    MEDICAID = "MC", "Medicaid"
    COMMERCIAL = "CI", "Commercial insurance"
    BCBS = "BL", "Blue Cross/Blue Shield"
    HMO = "HM", "HMO"
    PPO = "12", "PPO"
    POS = "13", "Point of service"
    TRICARE = "CH", "TRICARE"
    VA = "VA", "Veterans Affairs"
    WORKERS_COMP = "WC", "Workers' compensation"
    SELF_PAY = "09", "Self-pay"
    OTHER = "ZZ", "Other / mutually defined"


class Payer(TimeStampedModel):
    name = models.CharField(max_length=200)
    payer_id = models.CharField(
        "payer id (EDI)", max_length=20, blank=True, help_text="As the clearinghouse knows it"
    )
    filing_indicator = models.CharField(
        max_length=2, choices=ClaimFilingIndicator.choices, default=ClaimFilingIndicator.COMMERCIAL
    )
    timely_filing_days = models.PositiveIntegerField(default=90)
    phone = models.CharField(max_length=30, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, validators=[US_STATE])
    postal_code = models.CharField(max_length=10, blank=True, validators=[US_ZIP])
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer_id"], condition=~Q(payer_id=""), name="payer_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubscriberRelationship(models.TextChoices):
    # X12 individual relationship codes (SBR02/PAT01).
    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    OTHER = "G8", "Other relationship"


class MedicareSecondaryType(models.TextChoices):
    # X12 SBR05 insurance type codes: why Medicare pays after another plan (Medicare
    # Secondary Payer). Sent only when Medicare is not the first payer on a claim.
    WORKING_AGED = "12", "Working aged, employer group health plan (12)"
    ESRD = "13", "End-stage renal disease, 30-month coordination period (13)"
    NO_FAULT = "14", "No-fault insurance pays first (14)"
    WORKERS_COMP = "15", "Workers' compensation pays first (15)"
    FEDERAL_AGENCY = "16", "Public health service or other federal agency (16)"
    BLACK_LUNG = "41", "Black lung (41)"
    VETERANS = "42", "Veterans Affairs (42)"
    DISABLED = "43", "Disability, large employer group health plan (43)"
    LIABILITY = "47", "Other liability insurance pays first (47)"


class CoveragePriority(models.IntegerChoices):
    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"
    TERTIARY = 3, "Tertiary"


def card_upload_path(instance: Coverage, filename: str) -> str:
    return f"coverage-cards/{instance.patient_id}/{filename}"


class Coverage(TimeStampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    plan_name = models.CharField(max_length=200, blank=True)
    member_id = models.CharField(max_length=50)
    member_id_norm = models.CharField(max_length=50, editable=False, db_index=True)
    group_number = models.CharField(max_length=50, blank=True)
    priority = models.PositiveSmallIntegerField(
        choices=CoveragePriority.choices, default=CoveragePriority.PRIMARY
    )
    relationship = models.CharField(
        "patient's relationship to subscriber",
        max_length=2,
        choices=SubscriberRelationship.choices,
        default=SubscriberRelationship.SELF,
    )
    subscriber_family_name = models.CharField(max_length=100, blank=True)
    subscriber_given_name = models.CharField(max_length=100, blank=True)
    subscriber_birth_date = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(
        max_length=1, blank=True, choices=[("F", "Female"), ("M", "Male"), ("U", "Unknown")]
    )
    subscriber_address_line1 = models.CharField(max_length=200, blank=True)
    subscriber_city = models.CharField(max_length=100, blank=True)
    subscriber_state = models.CharField(max_length=2, blank=True, validators=[US_STATE])
    subscriber_postal_code = models.CharField(max_length=10, blank=True, validators=[US_ZIP])
    effective_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    copay = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    medicare_secondary_type = models.CharField(
        "Medicare secondary payer type",
        max_length=2,
        blank=True,
        choices=MedicareSecondaryType.choices,
        help_text="Why Medicare pays second (837P SBR05); only for Medicare as secondary",
    )
    card_front = models.FileField(upload_to=card_upload_path, blank=True)
    card_back = models.FileField(upload_to=card_upload_path, blank=True)

    class Meta:
        ordering = ["priority", "-effective_date"]
        indexes = [
            models.Index(
                fields=["patient", "priority", "effective_date"], name="coverage_patient_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("effective_date")),
                name="coverage_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["patient", "payer", "member_id", "effective_date"],
                name="coverage_unique_policy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.member_id} ({self.get_priority_display()})"

    def is_active_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.effective_date <= day and (self.end_date is None or self.end_date >= day)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.end_date and self.effective_date and self.end_date < self.effective_date:
            errors["end_date"] = "The coverage ends before it starts."
        if self.relationship != SubscriberRelationship.SELF:
            required = {
                "subscriber_family_name": "the subscriber's last name",
                "subscriber_given_name": "the subscriber's first name",
                "subscriber_birth_date": "the subscriber's date of birth",
            }
            for field, label in required.items():
                if not getattr(self, field):
                    errors[field] = f"When the patient is not the subscriber, give {label}."
        member = (self.member_id or "").strip()
        if member and not all(ch.isalnum() or ch in "-* " for ch in member):
            errors["member_id"] = "A member id has only letters, digits and dashes."
        if (
            self.medicare_secondary_type
            and self.payer_id is not None
            and self.payer.filing_indicator not in MEDICARE_FILING_INDICATORS
        ):
            errors["medicare_secondary_type"] = (
                "Only a Medicare plan has a Medicare secondary payer type: leave it empty for "
                "this payer."
            )
        if errors:
            raise ValidationError(errors)
