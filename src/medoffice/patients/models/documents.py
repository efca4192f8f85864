"""Scanned documents and the consents a practice must keep on file."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from medoffice.core.models import TimeStampedModel
from medoffice.patients.models.patient import Patient


class DocumentCategory(models.TextChoices):
    ID_CARD = "id", "Photo ID"
    INSURANCE_CARD = "insurance", "Insurance card"
    CONSENT = "consent", "Signed consent or form"
    REFERRAL = "referral", "Referral"
    CORRESPONDENCE = "correspondence", "Correspondence"
    OUTSIDE_RECORDS = "outside_records", "Outside medical records"
    LAB_REPORT = "lab", "Lab report"
    IMAGING = "imaging", "Imaging report"
    OTHER = "other", "Other"


# Categories that are clinical content: only roles with chart access may open them.
CLINICAL_CATEGORIES = frozenset(
    {DocumentCategory.OUTSIDE_RECORDS, DocumentCategory.LAB_REPORT, DocumentCategory.IMAGING}
)


def document_upload_path(instance: Document, filename: str) -> str:
    # The stored name never carries the patient's name or the uploaded file name.
    return f"documents/{instance.patient_id}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Document(TimeStampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="documents")
    category = models.CharField(max_length=20, choices=DocumentCategory.choices)
    title = models.CharField(max_length=200)
    document_date = models.DateField(help_text="Date on the document")
    notes = models.TextField(blank=True)
    file = models.FileField(upload_to=document_upload_path)
    content_type = models.CharField(max_length=50, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    original_name = models.CharField(max_length=255, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-document_date", "-created_at"]
        indexes = [models.Index(fields=["patient", "category"], name="document_patient_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return {
            "application/pdf": ".pdf",
            "image/png": ".png",
            "image/jpeg": ".jpg",
            "image/tiff": ".tif",
        }.get(self.content_type, ".bin")

    @property
    def is_clinical(self) -> bool:
        return self.category in CLINICAL_CATEGORIES


class ConsentKind(models.TextChoices):
    PRIVACY_NOTICE = "npp", "Notice of privacy practices acknowledged"
    TREATMENT = "treatment", "Consent to treat"
    FINANCIAL = "financial", "Financial policy"
    RELEASE = "release", "Release of information"


# Consents every active patient needs on file; a missing one is an alert and a records-audit row.
REQUIRED_CONSENTS = (ConsentKind.PRIVACY_NOTICE, ConsentKind.TREATMENT, ConsentKind.FINANCIAL)


class Consent(TimeStampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    signed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)
    # Release of information: to whom, what, for what purpose.
    release_to = models.CharField(max_length=200, blank=True)
    release_scope = models.CharField(max_length=200, blank=True, help_text="What may be released")
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-signed_on"]
        indexes = [
            models.Index(fields=["patient", "kind", "signed_on"], name="consent_patient_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.signed_on})"

    def is_current_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        if self.revoked_on and self.revoked_on <= day:
            return False
        return self.signed_on <= day and (self.expires_on is None or self.expires_on >= day)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.expires_on and self.signed_on and self.expires_on < self.signed_on:
            errors["expires_on"] = "The consent expires before it was signed."
        if self.kind == ConsentKind.RELEASE:
            if not self.release_to:
                errors["release_to"] = "Say to whom information may be released."
            if not self.release_scope:
                errors["release_scope"] = "Say what may be released."
            if not self.expires_on:
                errors["expires_on"] = "A release of information needs an expiry date."
        if errors:
            raise ValidationError(errors)
