"""The practice (one group), its locations and departments."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

US_STATE = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. NY.")
US_ZIP = RegexValidator(r"^\d{5}(-?\d{4})?$", "Use a 5-digit ZIP code or ZIP+4.")
PLACE_OF_SERVICE = RegexValidator(r"^\d{2}$", "A place-of-service code has two digits, e.g. 11.")


def validate_npi(value: str) -> None:
    """An NPI is 10 digits whose last is a Luhn check digit over "80840" + the first nine."""
    from medoffice.core.sequences import luhn_check_digit

    if not (value.isdigit() and len(value) == 10):
        raise ValidationError("An NPI has 10 digits.")
    if luhn_check_digit("80840" + value[:9]) != value[9]:
        raise ValidationError("This NPI fails its check digit: look for a typo.")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as America/New_York.")


class Practice(models.Model):
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField("federal tax id (EIN)", max_length=10, blank=True)
    group_npi = models.CharField("group NPI", max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=120)
    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code used on lists, e.g. MAIN"
    )
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, validators=[US_STATE])
    postal_code = models.CharField(max_length=10, blank=True, validators=[US_ZIP])
    phone = models.CharField(max_length=30, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    # What claims need from a site: where the service was given, and the site's own NPI when
    # it bills under one (otherwise the practice's group NPI is the billing provider's).
    place_of_service = models.CharField(
        max_length=2,
        default="11",
        validators=[PLACE_OF_SERVICE],
        help_text="CMS place-of-service code for visits here (11 = office)",
    )
    npi = models.CharField(
        "site NPI", max_length=10, blank=True, validators=[validate_npi],
        help_text="Only when the site bills under its own NPI",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="location_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=20, unique=True)
    locations = models.ManyToManyField(Location, related_name="departments", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="department_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
