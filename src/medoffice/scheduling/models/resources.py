"""What can be booked: providers, rooms, equipment, and the kinds of appointment."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from medoffice.core.sequences import luhn_check_digit

SLOT_MINUTES = 5  # bookings start and end on 5-minute marks; occupancy is kept per 5 minutes
# The longest appointment type; every booking lasts its type's duration, so an appointment that
# overlaps a window started at most this long before it (which bounds range reads by index).
MAX_APPOINTMENT_MINUTES = 480


def validate_npi(value: str) -> None:
    """An NPI is 10 digits whose last is a Luhn check digit over "80840" + the first nine."""
    if not (value.isdigit() and len(value) == 10):
        raise ValidationError("An NPI has 10 digits.")
    if luhn_check_digit("80840" + value[:9]) != value[9]:
        raise ValidationError("This NPI fails its check digit: look for a typo.")


TAXONOMY = RegexValidator(r"^[0-9]{3}[0-9A-Z]{6}X$", "A taxonomy code looks like 207Q00000X.")
HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #3366cc.")


class Provider(models.Model):
    """A clinician who sees patients (a user with the clinician role, plus what billing needs)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provider"
    )
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    taxonomy = models.CharField(max_length=10, blank=True, validators=[TAXONOMY])
    departments = models.ManyToManyField(
        "organization.Department", related_name="providers", blank=True
    )
    locations = models.ManyToManyField(
        "organization.Location", related_name="providers", blank=True
    )
    color = models.CharField(max_length=7, default="#3366cc", validators=[HEX_COLOR])
    accepts_new_patients = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    calendar_token = models.CharField(
        max_length=64, blank=True, help_text="Secret in the iCalendar feed URL"
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.username
        return f"{name}, {self.user.title}" if self.user.title else name


class Room(models.Model):
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField(max_length=50)
    kind = models.CharField(
        max_length=20,
        choices=[
            ("exam", "Exam room"),
            ("procedure", "Procedure room"),
            ("lab", "Lab draw"),
            ("imaging", "Imaging"),
        ],
        default="exam",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location.code})"


class Equipment(models.Model):
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, related_name="equipment"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, help_text="e.g. ecg, spirometer, ultrasound")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        verbose_name_plural = "equipment"

    def __str__(self) -> str:
        return f"{self.name} ({self.location.code})"


class LocationHours(models.Model):
    """When a location is open, per weekday (0 = Monday); closed days have no row."""

    location = models.ForeignKey(
        "organization.Location", on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["location", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["location", "weekday"], name="location_hours_unique"),
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="location_hours_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} day {self.weekday} {self.opens}-{self.closes}"


class PatientKind(models.TextChoices):
    ANY = "any", "New or established"
    NEW = "new", "New patients only"
    ESTABLISHED = "established", "Established patients only"


class AppointmentType(models.Model):
    name = models.CharField(max_length=100)
    code = models.SlugField(max_length=30, unique=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SLOT_MINUTES), MaxValueValidator(MAX_APPOINTMENT_MINUTES)]
    )
    patient_kind = models.CharField(
        max_length=12, choices=PatientKind.choices, default=PatientKind.ANY
    )
    room_kind = models.CharField(
        max_length=20, blank=True, help_text="A room of this kind is booked too (blank: none)"
    )
    equipment_kinds = models.JSONField(
        default=list, blank=True, help_text="Equipment booked too, by kind"
    )
    allowed_providers = models.ManyToManyField(
        Provider, blank=True, related_name="appointment_types", help_text="Empty: any provider"
    )
    department = models.ForeignKey(
        "organization.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    telehealth = models.BooleanField(default=False)
    color = models.CharField(max_length=7, default="#4a90d9", validators=[HEX_COLOR])
    default_reason = models.CharField(max_length=200, blank=True)
    prep_instructions = models.TextField(
        blank=True, help_text="Sent to the patient with the confirmation"
    )
    allows_overbooking = models.BooleanField(default=False)
    reminder_hours = models.JSONField(
        default=list, blank=True, help_text="Hours before the visit to remind, e.g. [120, 48, 24]"
    )
    requires_authorization = models.BooleanField(
        default=False, help_text="Warn when no prior authorization covers it"
    )
    service_codes = models.JSONField(
        default=list,
        blank=True,
        help_text="Procedure codes the visit usually bills (for authorizations)",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.duration_minutes and self.duration_minutes % SLOT_MINUTES:
            raise ValidationError(
                {"duration_minutes": f"Durations are multiples of {SLOT_MINUTES} minutes."}
            )
        hours = self.reminder_hours or []
        if any(not isinstance(h, int) or not 1 <= h <= 24 * 30 for h in hours):
            raise ValidationError(
                {"reminder_hours": "Give hours before the visit, between 1 and 720."}
            )
