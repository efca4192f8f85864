"""Prior authorizations: create and edit them, and draw their units down as visits happen.

Units are counted from AuthorizationUse rows (one per visit): "held" while the visit is booked,
"used" once it is completed, deleted when it is cancelled or a no-show. Drawing a unit first
touches the authorization's row with an UPDATE, which on PostgreSQL holds its row lock until
the transaction ends (SQLite serializes writers anyway), so two bookings at once cannot both
take the last unit.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.coding.models import ProcedureCode
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Coverage, Patient
from medoffice.referrals.models import AuthorizationUse, PriorAuthorization
from medoffice.scheduling.models import Appointment, AppointmentType

logger = logging.getLogger(__name__)

AUTH_FIELDS = (
    "payer", "coverage", "auth_number", "service_codes", "approved_units", "start_date",
    "end_date", "low_units_threshold", "notes",
)  # fmt: skip


def parse_service_codes(text: str | Iterable[str]) -> list[str]:
    """'99213, 20610 j1030' -> ['99213', '20610', 'J1030'] (order kept, duplicates dropped)."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return list(dict.fromkeys(item.strip().upper() for item in items if item.strip()))


def _checked(auth: PriorAuthorization, type_ids: list[int] | None) -> None:
    errors: dict[str, str] = {}
    codes = parse_service_codes(auth.service_codes or [])
    known = set(
        ProcedureCode.objects.filter(code__in=codes, active=True).values_list("code", flat=True)
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors["service_codes"] = (
            f"Not active CPT/HCPCS codes in the code table: {', '.join(unknown)}."
        )
    auth.service_codes = codes
    if not codes and not type_ids:
        errors["service_codes"] = "Name the service codes or the visit types it covers."
    auth.auth_number = (auth.auth_number or "").strip()
    if auth.coverage_id:
        coverage = Coverage.objects.filter(pk=auth.coverage_id).first()
        if coverage is None or coverage.patient_id != auth.patient_id:
            errors["coverage"] = "Pick one of this patient's coverages."
        elif coverage.payer_id != auth.payer_id:
            errors["coverage"] = f"That coverage is with {coverage.payer}, not this payer."
    if auth.approved_units is not None and auth.approved_units < 1:
        errors["approved_units"] = "At least one unit."
    if auth.pk and auth.approved_units is not None:
        drawn = auth.uses.aggregate(n=Sum("units"))["n"] or 0
        if auth.approved_units < drawn:
            errors["approved_units"] = f"{drawn} units are already held or used."
    if (
        auth.auth_number
        and auth.payer_id
        and PriorAuthorization.objects.filter(payer_id=auth.payer_id, auth_number=auth.auth_number)
        .exclude(pk=auth.pk)
        .exists()
    ):
        errors["auth_number"] = "This payer already has an authorization with that number."
    if errors:
        raise ValidationError(errors)
    auth.full_clean(exclude=["patient", "created_by"])


def _save(auth: PriorAuthorization, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            auth.save(**kwargs)
    except IntegrityError:
        # The unique (payer, number) constraint caught a concurrent entry of the same number.
        raise ValidationError(
            {"auth_number": "This payer already has an authorization with that number."}
        ) from None


def authorization_create(
    *, actor: Any, patient: Patient, data: Mapping[str, Any], type_ids: list[int] | None = None
) -> PriorAuthorization:
    patient_access(actor, Capability.REFERRALS, Need.EDIT, patient.pk)
    if set(data) - set(AUTH_FIELDS):
        raise ValueError(f"not authorization fields: {sorted(set(data) - set(AUTH_FIELDS))}")
    auth = PriorAuthorization(patient=patient, created_by=actor, **data)
    _checked(auth, type_ids)
    with transaction.atomic():
        _save(auth)
        auth.appointment_types.set(type_ids or [])
        audit_record(
            action="create", actor=actor, object_type="prior_authorization", object_id=auth.pk,
            patient_id=patient.pk, patient_ref=patient.mrn,
            details={"payer": auth.payer_id, "units": auth.approved_units},
        )  # fmt: skip
    return auth


def authorization_update(
    *,
    actor: Any,
    auth: PriorAuthorization,
    data: Mapping[str, Any],
    type_ids: list[int] | None = None,
) -> PriorAuthorization:
    patient_access(actor, Capability.REFERRALS, Need.EDIT, auth.patient_id)
    if set(data) - set(AUTH_FIELDS):
        raise ValueError(f"not authorization fields: {sorted(set(data) - set(AUTH_FIELDS))}")
    before = {key: getattr(auth, key) for key in data}
    for key, value in data.items():
        setattr(auth, key, value)
    _checked(auth, type_ids)
    changed = sorted(k for k in data if getattr(auth, k) != before[k])
    with transaction.atomic():
        _save(auth)
        if type_ids is not None:
            auth.appointment_types.set(type_ids)
        audit_record(
            action="update", actor=actor, object_type="prior_authorization", object_id=auth.pk,
            patient_id=auth.patient_id, details={"changed": changed},
        )  # fmt: skip
    return auth


# --- Drawing units down (called from the scheduling hooks) ---------------------------------------


def covers(auth: PriorAuthorization, appt_type: AppointmentType, type_ids: set[int]) -> bool:
    """Whether an authorization covers a visit type: named among its types, or sharing a
    service code with it. `type_ids` are the authorization's appointment type ids."""
    return appt_type.pk in type_ids or bool(
        set(appt_type.service_codes or []) & set(auth.service_codes or [])
    )


def visit_day(appointment: Appointment) -> date:
    """The visit's date where it happens (authorizations run in calendar days)."""
    return appointment.start.astimezone(zoneinfo.ZoneInfo(appointment.location.time_zone)).date()


def _covering(appointment: Appointment) -> list[PriorAuthorization]:
    day = visit_day(appointment)
    appt_type = appointment.type
    candidates = list(
        PriorAuthorization.objects.filter(
            patient_id=appointment.patient_id, start_date__lte=day, end_date__gte=day
        )
        .prefetch_related("appointment_types")
        .order_by("end_date", "pk")
    )
    return [
        a for a in candidates if covers(a, appt_type, {t.pk for t in a.appointment_types.all()})
    ]


def authorization_draw(*, appointment_id: int, state: str = "held") -> AuthorizationUse | None:
    """Take one unit of the covering authorization for this visit (the first to end that has a
    unit left). Idempotent: a visit holds at most one use; a second call returns it."""
    appointment = (
        Appointment.objects.select_related("type", "location").filter(pk=appointment_id).first()
    )
    if appointment is None:
        return None
    existing = AuthorizationUse.objects.filter(appointment_id=appointment_id).first()
    if existing is not None:
        return existing
    for auth in _covering(appointment):
        try:
            with transaction.atomic():
                # Touch the row first: the lock serializes concurrent draws on this authorization.
                PriorAuthorization.objects.filter(pk=auth.pk).update(updated_at=timezone.now())
                drawn = auth.uses.aggregate(n=Sum("units"))["n"] or 0
                if drawn >= auth.approved_units:
                    continue
                use = AuthorizationUse.objects.create(
                    authorization=auth, appointment=appointment, units=1, state=state
                )
                audit_record(
                    action="update", object_type="prior_authorization", object_id=auth.pk,
                    patient_id=appointment.patient_id,
                    details={"unit": state, "appointment": appointment.pk, "left": auth.approved_units - drawn - 1},
                )  # fmt: skip
                return use
        except IntegrityError:
            # The same visit drew meanwhile (a redelivered hook): keep the one recorded.
            return AuthorizationUse.objects.filter(appointment_id=appointment_id).first()
    return None


def authorization_release(*, appointment_id: int) -> int:
    """Give back the unit a visit held (cancelled, moved away, no-show). Used units stay."""
    with transaction.atomic():
        uses = list(
            AuthorizationUse.objects.filter(
                appointment_id=appointment_id, state="held"
            ).values_list("pk", "authorization_id", "authorization__patient_id")
        )
        deleted, _ = AuthorizationUse.objects.filter(
            pk__in=[u[0] for u in uses], state="held"
        ).delete()
        for _, auth_id, patient_id in uses:
            audit_record(
                action="update", object_type="prior_authorization", object_id=auth_id,
                patient_id=patient_id, details={"unit": "released", "appointment": appointment_id},
            )  # fmt: skip
    return deleted


def authorization_mark_used(*, appointment_id: int) -> AuthorizationUse | None:
    """A completed visit turns its held unit into a used one (or draws one now, when the
    authorization was entered after the booking)."""
    with transaction.atomic():
        use = AuthorizationUse.objects.filter(appointment_id=appointment_id).first()
        if use is None:
            return authorization_draw(appointment_id=appointment_id, state="used")
        if use.state != "used" and AuthorizationUse.objects.filter(pk=use.pk, state="held").update(
            state="used"
        ):
            audit_record(
                action="update", object_type="prior_authorization", object_id=use.authorization_id,
                patient_id=use.appointment.patient_id,
                details={"unit": "used", "appointment": appointment_id},
            )  # fmt: skip
            use.state = "used"
    return use
