"""Reading referrals and authorizations. Functions returning PHI take the actor, check the
matrix for the patient and record the read in the audit log."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.referrals.models import (
    PriorAuthorization,
    Referral,
    ReferralDirection,
    ReferralStatus,
)
from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType

# --- Referrals ------------------------------------------------------------------------------------


def referral_get(
    *, actor: Any, patient_id: int, referral_id: int, need: Need = Need.VIEW, audit: bool = True
) -> Referral:
    patient_access(actor, Capability.REFERRALS, need, patient_id)
    referral = get_object_or_404(
        Referral.objects.select_related(
            "patient",
            "our_provider__user",
            "appointment__type",
            "authorization__payer",
            "created_by",
        ),
        pk=referral_id,
        patient_id=patient_id,
    )
    if audit:
        audit_record(
            action="view", actor=actor, object_type="referral", object_id=referral.pk,
            patient_id=patient_id, patient_ref=referral.patient.mrn,
        )  # fmt: skip
    return referral


def worklist(
    *, actor: Any, direction: str = "", urgent_only: bool = False, overdue_only: bool = False
) -> QuerySet[Referral]:
    """Referrals not yet scheduled: overdue first (oldest due date first), then by due date
    (none last), then by when they came in."""
    require_capability(actor, Capability.REFERRALS)
    today = timezone.localdate()
    rows = Referral.objects.filter(status=ReferralStatus.RECEIVED).select_related(
        "patient", "our_provider__user"
    )
    if direction in ReferralDirection.values:
        rows = rows.filter(direction=direction)
    if urgent_only:
        rows = rows.filter(urgency="urgent")
    if overdue_only:
        rows = rows.filter(due_by__lt=today)
    return rows.annotate(
        overdue=Case(When(due_by__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()),
        undated=Case(When(due_by__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
    ).order_by("overdue", "undated", "due_by", "-urgency", "received_on", "pk")  # fmt: skip


def worklist_counts() -> dict[str, int]:
    """Counts for the home panel (no patient data: numbers only)."""
    today = timezone.localdate()
    counts = Referral.objects.filter(status=ReferralStatus.RECEIVED).aggregate(
        to_schedule=Count("pk"),
        overdue=Count("pk", filter=Q(due_by__lt=today)),
        urgent=Count("pk", filter=Q(urgency="urgent")),
    )
    counts["auth_alerts"] = len({a.auth.pk for a in authorization_alerts()})
    return counts


@dataclass
class PatientReferrals:
    referrals: list[Referral]
    authorizations: list[AuthorizationView]
    alerts: list[AuthAlert]

    @property
    def open_referrals(self) -> list[Referral]:
        return [r for r in self.referrals if r.status != ReferralStatus.CLOSED]


def patient_referrals(*, actor: Any, patient_id: int, view: str) -> PatientReferrals:
    """A patient's referrals and authorizations (with units and alerts), audited as one view."""
    patient_access(actor, Capability.REFERRALS, Need.VIEW, patient_id)
    referrals = list(
        Referral.objects.filter(patient_id=patient_id)
        .select_related("our_provider__user", "appointment__location")
        .order_by("-received_on", "-pk")
    )
    auths = authorization_views(
        PriorAuthorization.objects.filter(patient_id=patient_id).order_by("-end_date", "-pk")
    )
    alerts = authorization_alerts(patient_ids=[patient_id])
    audit_record(
        action="view", actor=actor, object_type="referrals", patient_id=patient_id,
        details={"view": view, "referrals": len(referrals), "authorizations": len(auths)},
    )  # fmt: skip
    return PatientReferrals(referrals=referrals, authorizations=auths, alerts=alerts)


def upcoming_appointments(patient_id: int) -> QuerySet[Appointment]:
    """The patient's booked visits from today on (to link a referral to one)."""
    start = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time())
    )
    return (
        Appointment.objects.filter(
            patient_id=patient_id, start__gte=start, status__in=ACTIVE_STATUSES
        )
        .select_related("type", "provider__user", "location")
        .order_by("start")
    )


# --- Authorizations -------------------------------------------------------------------------------


@dataclass
class AuthorizationView:
    auth: PriorAuthorization
    held: int
    used: int
    type_names: list[str] = field(default_factory=list)

    @property
    def left(self) -> int:
        return self.auth.approved_units - self.held - self.used

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.auth.start_date <= today <= self.auth.end_date

    @property
    def is_low(self) -> bool:
        return (
            self.auth.end_date >= timezone.localdate()
            and self.left <= self.auth.low_units_threshold
        )


def _with_units(auths: QuerySet[PriorAuthorization]) -> QuerySet[PriorAuthorization]:
    return auths.annotate(
        units_held=Coalesce(Sum("uses__units", filter=Q(uses__state="held")), 0),
        units_used=Coalesce(Sum("uses__units", filter=Q(uses__state="used")), 0),
    )


def authorization_views(auths: QuerySet[PriorAuthorization]) -> list[AuthorizationView]:
    rows = list(_with_units(auths.select_related("payer", "coverage")))
    names = _type_names([a.pk for a in rows])
    return [
        AuthorizationView(a, held=a.units_held, used=a.units_used, type_names=names.get(a.pk, []))
        for a in rows
    ]


def _type_names(auth_ids: list[int]) -> dict[int, list[str]]:
    through = PriorAuthorization.appointment_types.through
    names: dict[int, list[str]] = defaultdict(list)
    for auth_id, name in through.objects.filter(priorauthorization_id__in=auth_ids).values_list(
        "priorauthorization_id", "appointmenttype__name"
    ):
        names[auth_id].append(name)
    return names


def authorization_get(
    *, actor: Any, patient_id: int, auth_id: int, need: Need = Need.VIEW, audit: bool = True
) -> PriorAuthorization:
    patient_access(actor, Capability.REFERRALS, need, patient_id)
    auth = get_object_or_404(
        PriorAuthorization.objects.select_related("patient", "payer", "coverage", "created_by"),
        pk=auth_id,
        patient_id=patient_id,
    )
    if audit:
        audit_record(
            action="view", actor=actor, object_type="prior_authorization", object_id=auth.pk,
            patient_id=patient_id, patient_ref=auth.patient.mrn,
        )  # fmt: skip
    return auth


def authorization_detail(auth: PriorAuthorization) -> dict[str, Any]:
    """Units, the visits drawing on it, and its alerts (for an already authorized reader)."""
    view = authorization_views(PriorAuthorization.objects.filter(pk=auth.pk))[0]
    uses = list(
        auth.uses.select_related(
            "appointment__type", "appointment__provider__user", "appointment__location"
        ).order_by("appointment__start")
    )
    alerts = [
        a for a in authorization_alerts(patient_ids=[auth.patient_id]) if a.auth.pk == auth.pk
    ]
    return {"view": view, "uses": uses, "alerts": alerts}


@dataclass(frozen=True)
class AuthAlert:
    auth: PriorAuthorization
    kind: str  # "low" (units) or "expires" (before a booked visit that needs it)
    message: str
    visit_start: Any = None
    left: int | None = None


def authorization_alerts(
    *, patient_ids: Iterable[int] | None = None, today: date | None = None
) -> list[AuthAlert]:
    """Authorizations that need someone's attention, in a few queries whatever their number:
    - units low: this few left or fewer (held by booked visits count as spent);
    - expires before the patient's next booked visit that needs it, when no other
      authorization on file covers that visit.
    """
    today = today or timezone.localdate()
    current = PriorAuthorization.objects.filter(end_date__gte=today)
    if patient_ids is not None:
        current = current.filter(patient_id__in=list(patient_ids))
    auths = list(_with_units(current.select_related("payer", "patient")).order_by("end_date", "pk"))
    if not auths:
        return []
    patients = {a.patient_id for a in auths}
    everyone = list(
        PriorAuthorization.objects.filter(patient_id__in=patients).values(
            "pk", "patient_id", "start_date", "end_date", "service_codes"
        )
    )
    through = PriorAuthorization.appointment_types.through
    types_of: dict[int, set[int]] = defaultdict(set)
    for auth_id, type_id in through.objects.filter(
        priorauthorization_id__in=[a["pk"] for a in everyone]
    ).values_list("priorauthorization_id", "appointmenttype_id"):
        types_of[auth_id].add(type_id)
    codes_of_type = dict(AppointmentType.objects.values_list("pk", "service_codes"))
    visits: dict[int, list[tuple[Any, date, int]]] = defaultdict(list)
    for patient_id, type_id, start, zone in (
        Appointment.objects.filter(
            patient_id__in=patients, start__gte=timezone.now(), status__in=ACTIVE_STATUSES
        )
        .order_by("start")
        .values_list("patient_id", "type_id", "start", "location__time_zone")
    ):
        visits[patient_id].append(
            (start, start.astimezone(zoneinfo.ZoneInfo(zone)).date(), type_id)
        )

    def covering(auth_row: dict[str, Any], type_id: int) -> bool:
        return type_id in types_of[auth_row["pk"]] or bool(
            set(codes_of_type.get(type_id) or []) & set(auth_row["service_codes"] or [])
        )

    by_patient: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_pk = {row["pk"]: row for row in everyone}
    for row in everyone:
        by_patient[row["patient_id"]].append(row)
    alerts: list[AuthAlert] = []
    for auth in auths:
        left = auth.approved_units - auth.units_held - auth.units_used
        if left <= auth.low_units_threshold:
            word = "unit" if left == 1 else "units"
            alerts.append(
                AuthAlert(
                    auth, "low", f"{max(left, 0)} {word} left of {auth.approved_units}.", left=left
                )
            )
        row = by_pk[auth.pk]
        for start, day, type_id in visits.get(auth.patient_id, []):
            if not covering(row, type_id) or day <= auth.end_date:
                continue
            renewed = any(
                other["pk"] != auth.pk and other["start_date"] <= day <= other["end_date"] and covering(other, type_id)
                for other in by_patient[auth.patient_id]
            )  # fmt: skip
            if not renewed:
                alerts.append(
                    AuthAlert(auth, "expires", f"Ends {auth.end_date:%Y-%m-%d}, before the visit on {day:%Y-%m-%d}.", visit_start=start)
                )  # fmt: skip
            break
    return alerts
