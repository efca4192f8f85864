"""Reading the visit flow: the board, the check-in and checkout pages, receipts.

Functions that return patient information take the actor, check access and audit the read.
The board's audit entries are the caller's to write (see `board_audit`), because what counts
as "shown" depends on whether a person loaded the page or the page polled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.core.access import can, patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.frontdesk.models import DeskPayment, VisitRoom
from medoffice.organization.models import Location
from medoffice.scheduling.models import Appointment, AppointmentStatus, Room

S = AppointmentStatus


# --- Locations ----------------------------------------------------------------------------------


def board_locations(user: Any) -> list[Location]:
    """The locations whose board this person may open: those they work at, or every active
    location for someone not tied to one (a practice-wide manager)."""
    own = list(user.locations.filter(is_active=True).order_by("name"))
    return own or list(Location.objects.filter(is_active=True).order_by("name"))


def location_choice(user: Any, wanted: str | int | None) -> Location | None:
    """The location asked for if this person may see it, their first one if none was asked;
    None when the one asked for is not theirs (or there is none at all)."""
    locations = board_locations(user)
    if wanted in (None, ""):
        return locations[0] if locations else None
    try:
        wanted_id = int(wanted)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return next((loc for loc in locations if loc.pk == wanted_id), None)


def local_day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight of `day` in the location's zone (23 or 25 hours across DST)."""
    zone = ZoneInfo(location.time_zone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def local_today(location: Location, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(location.time_zone)).date()


# --- The board ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    statuses: tuple[str, ...]
    since_field: str  # the step whose time the wait counts from ("" for none)
    since_label: str
    threshold_setting: str = ""  # a wait longer than this many minutes is flagged


SECTIONS = (
    SectionSpec("expected", "Expected", (S.SCHEDULED, S.CONFIRMED), "", ""),
    SectionSpec("lobby", "Waiting in the lobby", (S.ARRIVED,), "arrived_at", "Arrived",
                "FLOW_LOBBY_WAIT_MINUTES"),
    SectionSpec("roomed", "Roomed, waiting for the provider", (S.ROOMED,), "roomed_at", "Roomed",
                "FLOW_ROOMED_WAIT_MINUTES"),
    SectionSpec("with_provider", "With the provider", (S.WITH_PROVIDER,), "provider_at",
                "Provider in"),
    SectionSpec("checkout", "At checkout", (S.CHECKED_OUT,), "checked_out_at", "Sent to checkout"),
    SectionSpec("done", "Done", (S.COMPLETED, S.NO_SHOW), "", ""),
)  # fmt: skip
SHOWN_STATUSES = tuple(s for spec in SECTIONS for s in spec.statuses)


def wait_thresholds() -> dict[str, int]:
    return {
        "lobby": settings.FLOW_LOBBY_WAIT_MINUTES,
        "roomed": settings.FLOW_ROOMED_WAIT_MINUTES,
    }


def minutes_between(earlier: datetime, later: datetime) -> int:
    return max(int((later - earlier).total_seconds() // 60), 0)


@dataclass(frozen=True)
class BoardCard:
    appointment: Appointment
    start_local: datetime
    room: str
    since: datetime | None  # when the visit took its last step (what the wait counts from)
    since_local: datetime | None
    since_label: str
    wait_minutes: int | None
    long_wait: bool
    late_minutes: int  # expected visits past their start time
    visit_minutes: int | None  # done: arrival to completion

    @property
    def patient(self) -> Any:
        return self.appointment.patient


@dataclass
class BoardSection:
    spec: SectionSpec
    cards: list[BoardCard] = field(default_factory=list)
    threshold: int | None = None

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def count(self) -> int:
        return len(self.cards)

    @property
    def long_waits(self) -> int:
        return sum(1 for c in self.cards if c.long_wait)


@dataclass
class Board:
    location: Location
    day: date
    now: datetime
    sections: list[BoardSection]

    @property
    def long_waits(self) -> int:
        return sum(s.long_waits for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)

    def patient_ids(self) -> list[int]:
        return list(dict.fromkeys(c.appointment.patient_id for s in self.sections for c in s.cards))

    def patient_refs(self) -> dict[int, str]:
        return {
            c.appointment.patient_id: c.appointment.patient.mrn
            for s in self.sections
            for c in s.cards
        }


def board_appointments(location: Location, day: date) -> QuerySet[Appointment]:
    start, end = local_day_bounds(location, day)
    return (
        Appointment.objects.filter(
            location=location, start__gte=start, start__lt=end, status__in=SHOWN_STATUSES
        )
        .select_related("patient", "provider__user", "type", "room", "visit_room__room")
        .order_by("start", "pk")
    )


def board_for(*, location: Location, now: datetime | None = None) -> Board:
    """Today's visits at a location (today in the location's zone), grouped by where they are
    in the flow, with how long each has waited since its last step. Not audited here."""
    now = now or timezone.now()
    zone = ZoneInfo(location.time_zone)
    day = now.astimezone(zone).date()
    thresholds = wait_thresholds()
    by_status = {status: spec for spec in SECTIONS for status in spec.statuses}
    sections = {
        spec.key: BoardSection(
            spec, threshold=getattr(settings, spec.threshold_setting, None) or None
        )
        for spec in SECTIONS
    }
    for appt in board_appointments(location, day):
        spec = by_status[appt.status]
        section = sections[spec.key]
        since = getattr(appt, spec.since_field) if spec.since_field else None
        wait = minutes_between(since, now) if since else None
        threshold = thresholds.get(spec.key)
        late = (
            minutes_between(appt.start, now) if spec.key == "expected" and now > appt.start else 0
        )
        visit = (
            minutes_between(appt.arrived_at, appt.completed_at)
            if appt.status == S.COMPLETED and appt.arrived_at and appt.completed_at
            else None
        )
        section.cards.append(
            BoardCard(
                appointment=appt,
                start_local=appt.start.astimezone(zone),
                room=_room_name(appt),
                since=since,
                since_local=since.astimezone(zone) if since else None,
                since_label=spec.since_label,
                wait_minutes=wait,
                long_wait=bool(threshold is not None and wait is not None and wait > threshold),
                late_minutes=late,
                visit_minutes=visit,
            )
        )
    return Board(location=location, day=day, now=now, sections=list(sections.values()))


def _room_name(appt: Appointment) -> str:
    visit_room = getattr(appt, "visit_room", None)
    if visit_room is not None:
        return visit_room.room.name
    return appt.room.name if appt.room_id else ""


def board_audit(
    *, actor: Any, board: Board, previously_shown: Iterable[int] | None, view: str
) -> list[int]:
    """Record the patients a board showed; returns the ids now shown (for the next call).

    A full page load (previously_shown None) records every patient on the board. A poll
    records only the patients that were not on the board the last time it was recorded (a
    new arrival, a walk-in): a board left open all day writes one entry per patient each time
    they appear, not one every 15 seconds, and still no patient is shown unrecorded.
    """
    shown = board.patient_ids()
    before = set(previously_shown) if previously_shown is not None else set()
    new = [pid for pid in shown if pid not in before]
    if new:
        refs = board.patient_refs()
        audit_patients_shown(
            patient_ids=new,
            actor=actor,
            view=view,
            object_type="appointment_board",
            patient_refs={pid: refs[pid] for pid in new},
        )
    return shown


def board_counts(location: Location, now: datetime | None = None) -> dict[str, int]:
    """How many visits are in each part of the flow, and how many wait too long (no PHI)."""
    board = board_for(location=location, now=now)
    counts = {s.key: s.count for s in board.sections}
    counts["long_waits"] = board.long_waits
    return counts


# --- One visit ----------------------------------------------------------------------------------


def appointment_for_flow(appointment_id: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related(
            "patient", "provider__user", "type", "location", "room", "department"
        ),
        pk=appointment_id,
    )


@dataclass
class CheckInView:
    appointment: Appointment
    patient: Any
    day: date
    start_local: datetime
    coverages: list[Any]
    copay: Decimal | None  # from the primary coverage active on the day
    warnings: list[str]
    consent_gaps: list[Any]
    alerts: list[Any]
    payments: list[DeskPayment]
    can: dict[str, bool]


def check_in_view(*, actor: Any, appointment: Appointment) -> CheckInView:
    """What the desk verifies at check-in; the patient's record read is audited once."""
    from medoffice.patients.selectors import (
        consents_missing_or_expired,
        may_access,
        patient_get,
    )
    from medoffice.scheduling.warnings import for_booking

    patient_id = appointment.patient_id
    can_see = {
        "coverage": may_access(actor, Capability.COVERAGE, patient_id),
        "documents": may_access(actor, Capability.DOCUMENTS, patient_id),
        "edit_demographics": may_access(actor, Capability.DEMOGRAPHICS, patient_id, Need.EDIT),
        "edit_coverage": may_access(actor, Capability.COVERAGE, patient_id, Need.EDIT),
        "edit_documents": may_access(actor, Capability.DOCUMENTS, patient_id, Need.EDIT),
        "payments": can(actor, Capability.DESK_PAYMENTS),
        "collect": can(actor, Capability.DESK_PAYMENTS, Need.EDIT),
    }
    sections = ["demographics"] + [s for s in ("coverage", "documents") if can_see[s]]
    patient = patient_get(
        actor=actor,
        patient_id=patient_id,
        details={"view": "check-in", "appointment": appointment.pk, "sections": sections},
    )
    zone = ZoneInfo(appointment.location.time_zone)
    start_local = appointment.start.astimezone(zone)
    day = start_local.date()
    coverages = []
    warnings: list[str] = []
    if can_see["coverage"]:
        coverages = [c for c in patient.coverages.select_related("payer") if c.is_active_on(day)]
        from medoffice.eligibility.selectors import attach_latest

        attach_latest(coverages)  # the latest 270/271 answer of each
        warnings = for_booking(
            patient_id=patient_id,
            appt_type=appointment.type,
            start=appointment.start,
            location_id=appointment.location_id,
        )
    primary = next(iter(sorted(coverages, key=lambda c: c.priority)), None)
    return CheckInView(
        appointment=appointment,
        patient=patient,
        day=day,
        start_local=start_local,
        coverages=coverages,
        copay=primary.copay if primary is not None else None,
        warnings=warnings,
        consent_gaps=consents_missing_or_expired(patient, on=day) if can_see["documents"] else [],
        alerts=list(patient.alerts.filter(active=True)),
        payments=payments_for_visit(appointment) if can_see["payments"] else [],
        can=can_see,
    )  # fmt: skip


def payments_for_visit(appointment: Appointment) -> list[DeskPayment]:
    return list(appointment.desk_payments.select_related("received_by").order_by("received_at"))


def visit_summary_audit(*, actor: Any, appointment: Appointment, view: str) -> None:
    """The rooming and checkout pages show the patient's name and the visit: one entry."""
    audit_record(
        action="view",
        actor=actor,
        object_type="appointment",
        object_id=appointment.pk,
        patient_id=appointment.patient_id,
        patient_ref=appointment.patient.mrn,
        details={"view": view},
    )


@dataclass(frozen=True)
class RoomChoice:
    room: Room
    in_use_by: Appointment | None  # the visit now in it, if any


def rooms_for(appointment: Appointment, now: datetime | None = None) -> list[RoomChoice]:
    """The location's rooms, with the visit each is in use by right now (roomed or with the
    provider today), so the nurse picks a free one."""
    day = local_today(appointment.location, now)
    start, end = local_day_bounds(appointment.location, day)
    busy = {
        vr.room_id: vr.appointment
        for vr in VisitRoom.objects.filter(
            appointment__location=appointment.location,
            appointment__start__gte=start,
            appointment__start__lt=end,
            appointment__status__in=(S.ROOMED, S.WITH_PROVIDER),
        )
        .exclude(appointment=appointment)
        .select_related("appointment")
    }
    rooms = Room.objects.filter(location=appointment.location, is_active=True).order_by("name")
    return [RoomChoice(room, busy.get(room.pk)) for room in rooms]


FOLLOW_UP_INTERVALS = (
    ("1 week", timedelta(weeks=1)),
    ("2 weeks", timedelta(weeks=2)),
    ("4 weeks", timedelta(weeks=4)),
    ("3 months", timedelta(days=91)),
    ("6 months", timedelta(days=182)),
    ("1 year", timedelta(days=364)),
)


@dataclass(frozen=True)
class FollowUpLink:
    label: str
    day: date
    url: str


def schedule_day_url() -> str:
    try:
        return reverse("scheduling:calendar_day")
    except NoReverseMatch:
        return "/schedule/day/"  # the calendar's day view (scheduling app)


def follow_up_links(appointment: Appointment, today: date) -> list[FollowUpLink]:
    """Links into the calendar's day view for the usual follow-up intervals: the calendar's own
    filters (date, location, provider) and, for its booking panel, the patient, the visit type
    and the visit this follows (`visit_type`, not `type`, which would hide the provider's other
    visits). Weekend dates move to the Monday after."""
    base = schedule_day_url()
    links = []
    for label, delta in FOLLOW_UP_INTERVALS:
        day = today + delta
        while day.weekday() >= 5:
            day += timedelta(days=1)
        query = {
            "date": day.isoformat(),
            "location": appointment.location_id,
            "provider": appointment.provider_id,
            "patient": appointment.patient_id,
            "visit_type": appointment.type_id,
            "follow_up_of": appointment.pk,
        }
        links.append(FollowUpLink(label, day, f"{base}?{urlencode(query)}"))
    return links


# --- Payments -----------------------------------------------------------------------------------


def payment_get(*, actor: Any, payment_id: int) -> DeskPayment:
    """One desk payment (its receipt), for someone allowed to see desk payments; audited."""
    payment = get_object_or_404(
        DeskPayment.objects.select_related(
            "patient", "appointment", "location", "received_by", "voided_by"
        ),
        pk=payment_id,
    )
    patient_access(actor, Capability.DESK_PAYMENTS, Need.VIEW, payment.patient_id)
    audit_record(
        action="view",
        actor=actor,
        object_type="desk_payment",
        object_id=payment.pk,
        patient_id=payment.patient_id,
        patient_ref=payment.patient.mrn,
    )
    return payment


def payments_taken(
    *, location: Location | None, day: date, include_void: bool = False
) -> QuerySet[DeskPayment]:
    """The day's desk payments at a location (for the desk's own totals; no patient names)."""
    qs = DeskPayment.objects.all()
    if location is not None:
        start, end = local_day_bounds(location, day)
        qs = qs.filter(location=location, received_at__gte=start, received_at__lt=end)
    if not include_void:
        qs = qs.filter(voided_at__isnull=True)
    return qs
