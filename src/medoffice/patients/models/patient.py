"""The patient and what hangs directly off the registration record."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, RegexValidator
from django.db import models
from django.db.models import Q

from medoffice.core.crypto import EncryptedTextField
from medoffice.core.models import TimeStampedModel
from medoffice.organization.models import US_STATE, US_ZIP

PHONE = RegexValidator(r"^[0-9()+.\- x]{7,25}$", "Enter a phone number, e.g. 518-555-0142.")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DECEASED = "deceased", "Deceased"
    MERGED = "merged", "Merged into another record"


class SexAtBirth(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown"


class GenderIdentity(models.TextChoices):
    # USCDI v3 gender identity answers (SNOMED-coded in FHIR).
    FEMALE = "female", "Identifies as female"
    MALE = "male", "Identifies as male"
    NON_BINARY = "non-binary", "Identifies as non-binary"
    OTHER = "other", "Other"
    DECLINED = "asked-declined", "Chose not to answer"
    UNKNOWN = "", "Not asked"


class Ethnicity(models.TextChoices):
    HISPANIC = "2135-2", "Hispanic or Latino"
    NOT_HISPANIC = "2186-5", "Not Hispanic or Latino"
    DECLINED = "declined", "Chose not to answer"
    UNKNOWN = "", "Not asked"


# OMB race categories (CDC race codes) for the multi-select.
RACE_CHOICES = [
    ("1002-5", "American Indian or Alaska Native"),
    ("2028-9", "Asian"),
    ("2054-5", "Black or African American"),
    ("2076-8", "Native Hawaiian or Other Pacific Islander"),
    ("2106-3", "White"),
    ("declined", "Chose not to answer"),
]


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "E-mail"
    MAIL = "mail", "Letter"
    PORTAL = "portal", "Patient portal"


class Pharmacy(models.Model):
    name = models.CharField(max_length=200)
    ncpdp_id = models.CharField("NCPDP id", max_length=7, blank=True)
    phone = models.CharField(max_length=30, blank=True, validators=[PHONE])
    fax = models.CharField(max_length=30, blank=True, validators=[PHONE])
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, validators=[US_STATE])
    postal_code = models.CharField(max_length=10, blank=True, validators=[US_ZIP])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "pharmacies"

    def __str__(self) -> str:
        return f"{self.name}, {self.city}" if self.city else self.name


class Patient(TimeStampedModel):
    mrn = models.CharField("MRN", max_length=20, unique=True, editable=False)
    # Names as the patient gives them, and folded/phonetic copies that search uses.
    family_name = models.CharField("last name", max_length=100)
    given_name = models.CharField("first name", max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    suffix = models.CharField(max_length=20, blank=True)
    preferred_name = models.CharField(max_length=100, blank=True)
    family_norm = models.CharField(max_length=100, editable=False)
    given_norm = models.CharField(max_length=100, editable=False)
    family_phonetic = models.CharField(max_length=20, editable=False)
    given_phonetic = models.CharField(max_length=20, editable=False)

    birth_date = models.DateField()
    sex_at_birth = models.CharField(max_length=1, choices=SexAtBirth.choices)
    gender_identity = models.CharField(max_length=20, choices=GenderIdentity.choices, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    preferred_language = models.CharField(
        max_length=35, default="en", help_text="Language code, e.g. en, es, zh"
    )
    interpreter_needed = models.BooleanField(default=False)
    race = models.JSONField(default=list, blank=True, help_text="CDC race codes (optional)")
    ethnicity = models.CharField(max_length=10, choices=Ethnicity.choices, blank=True)

    phone_mobile = models.CharField(max_length=30, blank=True, validators=[PHONE])
    phone_home = models.CharField(max_length=30, blank=True, validators=[PHONE])
    phone_work = models.CharField(max_length=30, blank=True, validators=[PHONE])
    phone_digits = models.CharField(max_length=10, blank=True, editable=False)
    email = models.CharField(max_length=254, blank=True, validators=[EmailValidator()])
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    consent_to_text = models.BooleanField(default=False)
    consent_to_email = models.BooleanField(default=False)

    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, validators=[US_STATE])
    postal_code = models.CharField(max_length=10, blank=True, validators=[US_ZIP])
    country = models.CharField(max_length=2, default="US")

    ssn = EncryptedTextField("SSN", blank=True)
    ssn_last4 = models.CharField(max_length=4, blank=True, editable=False)

    primary_care_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pcp_patients",
    )
    preferred_pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.SET_NULL, null=True, blank=True
    )
    home_location = models.ForeignKey(
        "organization.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patients",
    )
    status = models.CharField(
        max_length=10, choices=PatientStatus.choices, default=PatientStatus.ACTIVE
    )
    deceased_date = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["family_norm", "given_norm"], name="patient_name_idx"),
            models.Index(fields=["given_norm", "family_norm"], name="patient_given_family_idx"),
            models.Index(fields=["family_phonetic", "given_phonetic"], name="patient_phonetic_idx"),
            models.Index(fields=["birth_date", "family_norm"], name="patient_dob_idx"),
            models.Index(fields=["birth_date", "family_phonetic"], name="patient_dob_phonetic_idx"),
            models.Index(fields=["phone_digits"], name="patient_phone_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="deceased") | Q(deceased_date__isnull=False),
                name="patient_deceased_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        preferred = f" “{self.preferred_name}”" if self.preferred_name else ""
        return f"{self.given_name}{preferred} {self.family_name}"

    @property
    def ssn_masked(self) -> str:
        return f"***-**-{self.ssn_last4}" if self.ssn_last4 else ""

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.birth_date and self.birth_date > date.today():
            errors["birth_date"] = "The date of birth is in the future."
        if self.birth_date and self.birth_date.year < 1890:
            errors["birth_date"] = "Check the year of birth."
        if self.status == PatientStatus.DECEASED and not self.deceased_date:
            errors["deceased_date"] = "Give the date of death."
        if self.deceased_date and self.birth_date and self.deceased_date < self.birth_date:
            errors["deceased_date"] = "The date of death is before the date of birth."
        if self.consent_to_text and not self.phone_mobile:
            errors["consent_to_text"] = "Texts need a mobile number."
        if self.consent_to_email and not self.email:
            errors["consent_to_email"] = "E-mails need an e-mail address."
        if self.preferred_contact == ContactMethod.TEXT and not self.consent_to_text:
            errors["preferred_contact"] = "The patient has not agreed to texts."
        if self.preferred_contact == ContactMethod.EMAIL and not self.consent_to_email:
            errors["preferred_contact"] = "The patient has not agreed to e-mail."
        unknown_race = set(self.race or []) - {code for code, _ in RACE_CHOICES}
        if unknown_race:
            errors["race"] = f"Unknown race code(s): {', '.join(sorted(unknown_race))}"
        if errors:
            raise ValidationError(errors)


class PatientIdentifier(models.Model):
    """Numbers other systems know the patient by (another EHR, a lab, Synthea)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(max_length=200, help_text="Issuer, e.g. a URI or 'Quest Lab'")
    value = models.CharField(max_length=100)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "value"], name="patient_identifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label or self.system}: {self.value}"


class EmergencyContact(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="emergency_contacts"
    )
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=50)
    phone = models.CharField(max_length=30, validators=[PHONE])
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class Guarantor(models.Model):
    """Who receives the statements when it is not the patient (a parent, a spouse)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="guarantor")
    relationship = models.CharField(
        max_length=20,
        choices=[
            ("spouse", "Spouse"),
            ("parent", "Parent"),
            ("guardian", "Legal guardian"),
            ("other", "Other"),
        ],
    )
    family_name = models.CharField("last name", max_length=100)
    given_name = models.CharField("first name", max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True, validators=[PHONE])
    email = models.CharField(max_length=254, blank=True, validators=[EmailValidator()])
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, validators=[US_STATE])
    postal_code = models.CharField(max_length=10, validators=[US_ZIP])

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.get_relationship_display()})"


class PatientAlert(TimeStampedModel):
    """A flag the front desk must see: "needs wheelchair access", "bring interpreter"."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    text = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
