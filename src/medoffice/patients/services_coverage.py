"""Writes to insurance coverage and the payer table. Each service checks access first, then
writes and audits in one transaction; card images go through Django's default storage."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.patients import names, uploads
from medoffice.patients.models import Coverage, Patient, Payer

COVERAGE_FIELDS = frozenset(
    {
        "payer", "payer_id", "plan_name", "member_id", "group_number", "priority", "relationship",
        "subscriber_family_name", "subscriber_given_name", "subscriber_birth_date",
        "subscriber_sex", "subscriber_address_line1", "subscriber_city", "subscriber_state",
        "subscriber_postal_code", "effective_date", "end_date", "copay", "medicare_secondary_type",
    }
)  # fmt: skip
PAYER_FIELDS = frozenset(
    {
        "name", "payer_id", "filing_indicator", "timely_filing_days", "phone", "address_line1",
        "city", "state", "postal_code", "is_active",
    }
)  # fmt: skip
CARD_SIDES = ("front", "back")


def _check_fields(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(f"Not fields of this record: {', '.join(sorted(unknown))}")


def _check_priority(coverage: Coverage) -> None:
    """Two coverages of one patient may not hold the same priority over the same dates."""
    overlapping = Coverage.objects.filter(
        patient_id=coverage.patient_id, priority=coverage.priority
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=coverage.effective_date))
    if coverage.end_date:
        overlapping = overlapping.filter(effective_date__lte=coverage.end_date)
    other = overlapping.exclude(pk=coverage.pk).select_related("payer").first()
    if other is not None:
        raise ValidationError(
            {
                "priority": (
                    f"The patient already has {coverage.get_priority_display().lower()} coverage "
                    f"({other.payer}, member {other.member_id}) in these dates. End it first "
                    "or choose another priority."
                )
            }
        )


def _validated(coverage: Coverage, *, new_payer: bool) -> None:
    coverage.member_id = " ".join((coverage.member_id or "").split())
    coverage.member_id_norm = names.member_id_key(coverage.member_id)
    if coverage.relationship == "18":
        # The patient is the subscriber: stale subscriber details would go out on claims.
        for field in (
            "subscriber_family_name", "subscriber_given_name", "subscriber_address_line1",
            "subscriber_city", "subscriber_state", "subscriber_postal_code", "subscriber_sex",
        ):  # fmt: skip
            setattr(coverage, field, "")
        coverage.subscriber_birth_date = None
    active_payer = Payer.objects.filter(pk=coverage.payer_id, is_active=True)
    if new_payer and coverage.payer_id and not active_payer.exists():
        raise ValidationError({"payer": "This payer is no longer active; choose another."})
    coverage.full_clean(exclude=["card_front", "card_back"])
    _check_priority(coverage)


def _checked_cards(cards: Mapping[str, Any] | None) -> dict[str, uploads.CheckedFile]:
    checked: dict[str, uploads.CheckedFile] = {}
    for side, upload in (cards or {}).items():
        if side not in CARD_SIDES:
            raise ValidationError(f"Unknown card side {side!r}")
        if upload:
            try:
                checked[side] = uploads.check_upload(upload, allowed=uploads.CARD_IMAGE_TYPES)
            except ValidationError as exc:
                raise ValidationError({f"card_{side}": exc.messages}) from None
    return checked


def _store_cards(
    coverage: Coverage, cards: Mapping[str, uploads.CheckedFile], stored: list[str]
) -> list[str]:
    """Write card images to storage; returns the names of the images they replace."""
    replaced = []
    for side, checked in cards.items():
        field = getattr(coverage, f"card_{side}")
        if field.name:
            replaced.append(field.name)
        name = f"coverage-cards/{coverage.patient_id}/{checked.sha256}{checked.extension}"
        saved = default_storage.save(name, ContentFile(checked.data))
        stored.append(saved)
        field.name = saved
    return replaced


def _write(
    coverage: Coverage,
    cards: Mapping[str, uploads.CheckedFile],
    audit: Callable[[], None],
) -> None:
    """Save the coverage and its images; if anything fails, the stored images are removed."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            replaced = _store_cards(coverage, cards, stored)
            try:
                with transaction.atomic():
                    coverage.save()
            except IntegrityError:
                raise ValidationError(
                    "This policy (payer, member id, start date) is already on file."
                ) from None
            audit()
            for name in replaced:
                transaction.on_commit(lambda name=name: default_storage.delete(name))
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def coverage_create(
    *,
    actor: Any,
    patient: Patient,
    data: Mapping[str, Any],
    cards: Mapping[str, Any] | None = None,
) -> Coverage:
    """Add a coverage. `cards` maps "front"/"back" to uploaded images (PNG, JPEG or PDF)."""
    patient_access(actor, Capability.COVERAGE, Need.EDIT, patient.pk)
    _check_fields(data, COVERAGE_FIELDS)
    coverage = Coverage(patient=patient, **data)
    _validated(coverage, new_payer=True)
    checked = _checked_cards(cards)

    def audit() -> None:
        audit_record(
            action="create",
            actor=actor,
            object_type="coverage",
            object_id=coverage.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
            details={"cards": sorted(checked)} if checked else None,
        )

    _write(coverage, checked, audit)
    return coverage


def coverage_update(
    *,
    actor: Any,
    coverage: Coverage,
    data: Mapping[str, Any],
    cards: Mapping[str, Any] | None = None,
) -> Coverage:
    patient = coverage.patient
    patient_access(actor, Capability.COVERAGE, Need.EDIT, patient.pk)
    _check_fields(data, COVERAGE_FIELDS)
    before = {k: getattr(coverage, k) for k in data}
    payer_before = coverage.payer_id
    for key, value in data.items():
        setattr(coverage, key, value)
    _validated(coverage, new_payer=coverage.payer_id != payer_before)
    checked = _checked_cards(cards)
    changed = sorted(k for k in data if getattr(coverage, k) != before[k])
    changed += [f"card_{side}" for side in sorted(checked)]

    def audit() -> None:
        audit_record(
            action="update",
            actor=actor,
            object_type="coverage",
            object_id=coverage.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
            details={"fields": changed},
        )

    _write(coverage, checked, audit)
    return coverage


def coverage_end(*, actor: Any, coverage: Coverage, end_date: date) -> Coverage:
    """End a coverage on a date (the last day it pays)."""
    patient = coverage.patient
    patient_access(actor, Capability.COVERAGE, Need.EDIT, patient.pk)
    if end_date < coverage.effective_date:
        raise ValidationError({"end_date": "The coverage ends before it starts."})
    with transaction.atomic():
        # Conditional update: the check constraint keeps the dates ordered even if the
        # start date changed meanwhile.
        updated = Coverage.objects.filter(pk=coverage.pk, effective_date__lte=end_date).update(
            end_date=end_date
        )
        if not updated:
            raise ValidationError({"end_date": "The coverage changed meanwhile; reload the page."})
        audit_record(
            action="update",
            actor=actor,
            object_type="coverage",
            object_id=coverage.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
            details={"fields": ["end_date"], "ended": True},
        )
    coverage.end_date = end_date
    return coverage


# --- Payers (not PHI, but changes are audited like any administrative change) -------------


def _save_payer(payer: Payer, action: str, actor: Any, changed: list[str]) -> Payer:
    payer.name = " ".join((payer.name or "").split())
    payer.payer_id = (payer.payer_id or "").strip().upper()
    payer.full_clean()
    try:
        with transaction.atomic():
            payer.save()
            audit_record(
                action=action,
                actor=actor,
                object_type="payer",
                object_id=payer.pk,
                details={"fields": changed} if changed else None,
            )
    except IntegrityError:
        raise ValidationError({"payer_id": "Another payer has this payer id."}) from None
    return payer


def payer_create(*, actor: Any, data: Mapping[str, Any]) -> Payer:
    require_capability(actor, Capability.COVERAGE, Need.EDIT)
    _check_fields(data, PAYER_FIELDS)
    return _save_payer(Payer(**data), "create", actor, [])


def payer_update(*, actor: Any, payer: Payer, data: Mapping[str, Any]) -> Payer:
    require_capability(actor, Capability.COVERAGE, Need.EDIT)
    _check_fields(data, PAYER_FIELDS)
    before = {k: getattr(payer, k) for k in data}
    for key, value in data.items():
        setattr(payer, key, value)
    changed = sorted(k for k in data if getattr(payer, k) != before[k])
    return _save_payer(payer, "update", actor, changed)
