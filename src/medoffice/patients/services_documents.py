"""Writes to a patient's documents and consents.

A file is checked by content (see uploads.py) before any transaction opens; it is written
through Django's default storage inside the transaction, and removed again if the
transaction does not commit, so a refused or failed upload leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.patients import uploads
from medoffice.patients.models import Consent, ConsentKind, Document, DocumentCategory, Patient
from medoffice.patients.models.documents import document_upload_path

CONSENT_FIELDS = frozenset({"kind", "signed_on", "expires_on", "release_to", "release_scope"})


def _new_document(
    *,
    actor: Any,
    patient: Patient,
    checked: uploads.CheckedFile,
    category: str,
    title: str,
    document_date: date,
    notes: str,
) -> Document:
    document = Document(
        patient=patient,
        category=category,
        title=" ".join((title or "").split()),
        document_date=document_date,
        notes=(notes or "").strip(),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        original_name=checked.original_name,
        uploaded_by=actor,
    )
    document.file.name = "pending"
    document.full_clean()
    if document.document_date > timezone.localdate():
        raise ValidationError({"document_date": "The document's date is in the future."})
    same = Document.objects.filter(patient=patient, sha256=checked.sha256).first()
    if same is not None:
        raise ValidationError(
            {
                "file": (
                    f"This file is already in the patient's documents as “{same.title}” "
                    f"({same.document_date:%Y-%m-%d})."
                )
            }
        )
    return document


def _store(document: Document, checked: uploads.CheckedFile, stored: list[str]) -> None:
    name = default_storage.save(
        document_upload_path(document, checked.original_name), ContentFile(checked.data)
    )
    stored.append(name)
    document.file.name = name


def _audit_document(actor: Any, document: Document, patient: Patient) -> None:
    audit_record(
        action="create",
        actor=actor,
        object_type="document",
        object_id=document.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
        details={
            "category": document.category,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )


def _remove_on_failure(stored: list[str]) -> None:
    for name in stored:
        default_storage.delete(name)


def document_upload(
    *,
    actor: Any,
    patient: Patient,
    upload: Any,
    category: str,
    title: str,
    document_date: date,
    notes: str = "",
) -> Document:
    """Check, store and record a scanned document. Raises ValidationError (nothing stored)."""
    patient_access(actor, Capability.DOCUMENTS, Need.EDIT, patient.pk)
    if upload is None:
        raise ValidationError({"file": "Choose a file to upload."})
    try:
        checked = uploads.check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    document = _new_document(
        actor=actor,
        patient=patient,
        checked=checked,
        category=category,
        title=title,
        document_date=document_date,
        notes=notes,
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            _store(document, checked, stored)
            document.save()
            _audit_document(actor, document, patient)
    except BaseException:
        _remove_on_failure(stored)
        raise
    return document


def consent_record(
    *,
    actor: Any,
    patient: Patient,
    data: Mapping[str, Any],
    document: Document | None = None,
    upload: Any = None,
) -> Consent:
    """Record a signed consent, optionally with its scan: an existing document of this
    patient, or a new upload that is filed as a "Signed consent or form" document."""
    patient_access(actor, Capability.DOCUMENTS, Need.EDIT, patient.pk)
    unknown = set(data) - CONSENT_FIELDS
    if unknown:
        raise ValidationError(f"Not consent fields: {', '.join(sorted(unknown))}")
    if document is not None and upload is not None:
        raise ValidationError({"document": "Choose a document on file or upload a scan, not both."})
    if document is not None and (document.patient_id != patient.pk or document.is_clinical):
        raise ValidationError({"document": "Choose one of this patient's non-clinical documents."})
    consent = Consent(patient=patient, recorded_by=actor, document=document, **data)
    consent.release_to = (consent.release_to or "").strip()
    consent.release_scope = (consent.release_scope or "").strip()
    if consent.kind != ConsentKind.RELEASE:
        consent.release_to = consent.release_scope = ""
    consent.full_clean()
    if consent.signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "The signing date is in the future."})
    scan = None
    if upload is not None:
        try:
            checked = uploads.check_upload(upload)
        except ValidationError as exc:
            raise ValidationError({"upload": exc.messages}) from None
        scan = _new_document(
            actor=actor,
            patient=patient,
            checked=checked,
            category=DocumentCategory.CONSENT,
            title=f"{consent.get_kind_display()} (signed {consent.signed_on:%Y-%m-%d})",
            document_date=consent.signed_on,
            notes="",
        )
    stored: list[str] = []
    try:
        with transaction.atomic():
            if scan is not None:
                _store(scan, checked, stored)
                scan.save()
                _audit_document(actor, scan, patient)
                consent.document = scan
            consent.save()
            audit_record(
                action="create",
                actor=actor,
                object_type="consent",
                object_id=consent.pk,
                patient_id=patient.pk,
                patient_ref=patient.mrn,
                details={"kind": consent.kind, "document": consent.document_id},
            )
    except BaseException:
        _remove_on_failure(stored)
        raise
    return consent


def consent_revoke(*, actor: Any, consent: Consent, on: date | None = None) -> Consent:
    """The patient withdrew the consent (from `on`, default today)."""
    patient = consent.patient
    patient_access(actor, Capability.DOCUMENTS, Need.EDIT, patient.pk)
    on = on or timezone.localdate()
    if on < consent.signed_on:
        raise ValidationError({"revoked_on": "A consent cannot be revoked before it was signed."})
    with transaction.atomic():
        # Conditional update: a consent is revoked once; a second click changes nothing.
        if not Consent.objects.filter(pk=consent.pk, revoked_on__isnull=True).update(revoked_on=on):
            raise ValidationError("This consent was already revoked.")
        audit_record(
            action="update",
            actor=actor,
            object_type="consent",
            object_id=consent.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
            details={"fields": ["revoked_on"], "kind": consent.kind},
        )
    consent.revoked_on = on
    return consent
