"""The huddle's figures: counts and amounts only (no patient is named, nothing is audited per
patient), each one SQL aggregate over indexed columns, built on the apps' own selectors.

One huddle is one day (today or tomorrow, in the location's time zone), one location and
optionally one department. Billing figures are practice-wide: the claim worklist and the
denials page they link to have no location filter, and a number must match its list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.utils import timezone

from medoffice.chart import records_audit
from medoffice.claims.models import ClaimStatus
from medoffice.claims.selectors import visible_claims
from medoffice.frontdesk import wait_times
from medoffice.frontdesk.selectors import board_counts, local_day_bounds, local_today
from medoffice.huddle import links
from medoffice.huddle.parts import (
    CLAIMS,
    FLOW,
    MESSAGES,
    RECORDS,
    SCHEDULE,
    own_day_only,
    parts_for,
)
from medoffice.messaging.models import MessageStatus, Purpose
from medoffice.messaging.selectors import OutboxFilter, outbox_messages
from medoffice.organization.models import Department, Location
from medoffice.patients.models import Coverage
from medoffice.referrals.models import AuthorizationUse
from medoffice.scheduling.models import Appointment, AppointmentStatus, AvailabilityBlock, Provider
from medoffice.scheduling.selectors_calendar import visible_locations
from medoffice.scheduling.services.booking import active_filter

ZERO = Decimal("0.00")
DAYS = ("today", "tomorrow")
# "Open slots" are counted in visits of this length: the shortest common visit, so that the
# number reads as "how many more patients could still be seen" (the open minutes are shown too).
OPEN_SLOT_MINUTES = 15
DURATION = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())


def _money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: round to cents through str.
    return ZERO if value is None else Decimal(str(value)).quantize(ZERO)


def _minutes(value: Any) -> int:
    """A summed duration in whole minutes (a timedelta; a number of microseconds on some
    backends when the sum is empty or un-converted)."""
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    return int(value) // 60_000_000


# --- What the huddle is for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The day, location and department asked for (in the URL), narrowed to what the person
    may see; `provider_id` is a clinician's own provider (their own day only)."""

    day_key: str
    day: date
    location: Location
    department: Department | None
    locations: list[Location]
    departments: list[Department]
    provider_id: int | None
    now: datetime

    @property
    def is_today(self) -> bool:
        return self.day_key == "today"

    @property
    def today(self) -> date:
        return self.day - timedelta(days=DAYS.index(self.day_key))

    @property
    def department_id(self) -> int | None:
        return self.department.pk if self.department else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def choice_for(
    user: Any,
    *,
    day: str | None = None,
    location: Any = None,
    department: Any = None,
    now: datetime | None = None,
) -> Choice | None:
    """None when there is no location this person may see (or the one asked for is not theirs)."""
    now = now or timezone.now()
    locations = visible_locations(user)
    wanted = _int(location)
    if location not in (None, "") and wanted is None:
        return None
    chosen = next((loc for loc in locations if loc.pk == wanted), None) if wanted else None
    if wanted and chosen is None:
        return None
    chosen = chosen or (locations[0] if locations else None)
    if chosen is None:
        return None
    departments = list(Department.objects.filter(is_active=True, locations=chosen).order_by("name"))
    dept_id = _int(department)
    dept = next((d for d in departments if d.pk == dept_id), None)
    day_key = day if day in DAYS else "today"
    today = local_today(chosen, now)
    provider_id = None
    if own_day_only(user):
        provider_id = Provider.objects.filter(user=user).values_list("pk", flat=True).first() or 0
    return Choice(
        day_key=day_key,
        day=today + timedelta(days=DAYS.index(day_key)),
        location=chosen,
        department=dept,
        locations=locations,
        departments=departments,
        provider_id=provider_id,
        now=now,
    )


# --- Schedule: capacity, open slots, unconfirmed, coverage and authorization gaps ---------------


@dataclass
class ProviderDay:
    provider_id: int
    name: str
    capacity_minutes: int = 0
    booked_minutes: int = 0
    visits: int = 0
    unconfirmed: int = 0
    calendar_url: str = ""
    unconfirmed_url: str = ""

    @property
    def open_minutes(self) -> int:
        return max(self.capacity_minutes - self.booked_minutes, 0)

    @property
    def open_slots(self) -> int:
        return self.open_minutes // OPEN_SLOT_MINUTES

    @property
    def booked_percent(self) -> int | None:
        if not self.capacity_minutes:
            return None
        return round(self.booked_minutes * 100 / self.capacity_minutes)


@dataclass
class Schedule:
    providers: list[ProviderDay]
    no_coverage: int
    no_authorization: int
    calendar_url: str
    unconfirmed_url: str
    coverage_url: str
    authorization_url: str
    total: ProviderDay = field(init=False)

    def __post_init__(self) -> None:
        self.total = ProviderDay(
            provider_id=0,
            name="All providers",
            capacity_minutes=sum(p.capacity_minutes for p in self.providers),
            booked_minutes=sum(p.booked_minutes for p in self.providers),
            visits=sum(p.visits for p in self.providers),
            unconfirmed=sum(p.unconfirmed for p in self.providers),
            calendar_url=self.calendar_url,
            unconfirmed_url=self.unconfirmed_url,
        )


def day_appointments(choice: Choice):  # -> QuerySet[Appointment]
    """The visits that hold time on the day at the location (and department, and provider)."""
    start, end = local_day_bounds(choice.location, choice.day)
    rows = Appointment.objects.filter(
        active_filter(), location=choice.location, start__gte=start, start__lt=end
    )
    if choice.department_id:
        rows = rows.filter(department_id=choice.department_id)
    if choice.provider_id is not None:
        rows = rows.filter(provider_id=choice.provider_id)
    return rows


def day_blocks(choice: Choice):  # -> QuerySet[AvailabilityBlock]
    """The providers' bookable blocks on the day (templates' occurrences less time off)."""
    start, end = local_day_bounds(choice.location, choice.day)
    rows = AvailabilityBlock.objects.filter(
        location=choice.location, start__gte=start, start__lt=end
    )
    if choice.department_id:
        rows = rows.filter(template__department_id=choice.department_id)
    if choice.provider_id is not None:
        rows = rows.filter(provider_id=choice.provider_id)
    return rows


def schedule(user: Any, choice: Choice) -> Schedule:
    """Three queries: capacity per provider, bookings per provider, the day's gaps (and one for
    the providers' names)."""
    capacity = dict(
        day_blocks(choice)
        .order_by()
        .values("provider_id")
        .annotate(minutes=Sum(DURATION))
        .values_list("provider_id", "minutes")
    )
    visits = day_appointments(choice)
    booked = {
        row["provider_id"]: row
        for row in visits.order_by()
        .values("provider_id")
        .annotate(
            n=Count("pk"),
            minutes=Sum(DURATION),
            unconfirmed=Count("pk", filter=Q(status=AppointmentStatus.SCHEDULED)),
        )
    }
    ids = set(capacity) | set(booked)
    names = {p.pk: str(p) for p in Provider.objects.filter(pk__in=ids).select_related("user")}
    rows = []
    for pid in ids:
        b = booked.get(pid, {})
        rows.append(
            ProviderDay(
                provider_id=pid,
                name=names.get(pid, f"Provider {pid}"),
                capacity_minutes=_minutes(capacity.get(pid)),
                booked_minutes=_minutes(b.get("minutes")),
                visits=b.get("n", 0),
                unconfirmed=b.get("unconfirmed", 0),
                calendar_url=links.calendar(choice, provider_id=pid, idle=True),
                unconfirmed_url=links.calendar(choice, provider_id=pid, unconfirmed=True),
            )
        )
    rows.sort(key=lambda r: r.name.lower())
    gaps = _gaps(choice, visits)
    return Schedule(
        providers=rows,
        no_coverage=gaps["no_coverage"],
        no_authorization=gaps["no_authorization"],
        calendar_url=links.calendar(choice, provider_id=choice.provider_id, idle=True),
        unconfirmed_url=links.calendar(choice, provider_id=choice.provider_id, unconfirmed=True),
        coverage_url=links.coverage(user, choice),
        authorization_url=links.authorizations(user),
    )


def _gaps(choice: Choice, visits: Any) -> dict[str, int]:
    """Visits whose patient has no coverage active that day (the booking warning's test), and
    visits of a type that needs a prior authorization with none drawn for them."""
    day = choice.day
    active = Coverage.objects.filter(
        patient=OuterRef("patient_id"), effective_date__lte=day
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
    drawn = AuthorizationUse.objects.filter(appointment=OuterRef("pk"))
    return visits.aggregate(
        no_coverage=Count("pk", filter=~Exists(active)),
        no_authorization=Count("pk", filter=Q(type__requires_authorization=True) & ~Exists(drawn)),
    )


# --- Flow: expected arrivals and current waits (today only) ------------------------------------


@dataclass
class Flow:
    counts: dict[str, int]
    median_lobby_wait: float | None
    roomed_today: int
    board_url: str
    wait_times_url: str

    @property
    def waiting(self) -> int:
        return self.counts["lobby"] + self.counts["roomed"]


def flow(choice: Choice) -> Flow:
    """The board's counts now, and today's median arrival-to-roomed wait (frontdesk's own
    selectors; the board is per location, so the department does not narrow it)."""
    counts = board_counts(choice.location, now=choice.now)
    times = wait_times.visit_times(choice.location, choice.day, choice.day)
    lobby = next(m for m in times.metrics if m.key == "arrival_to_roomed")
    return Flow(
        counts=counts,
        median_lobby_wait=lobby.median_minutes,
        roomed_today=lobby.visits,
        board_url=links.board(choice),
        wait_times_url=links.wait_times(choice),
    )


# --- Billing: claims ready, rejected and denied since yesterday --------------------------------


@dataclass
class Claims:
    since: datetime
    ready: int
    ready_amount: Decimal
    rejected: int
    rejected_amount: Decimal
    denied: int
    denied_amount: Decimal
    ready_url: str = ""
    rejected_url: str = ""
    denied_url: str = ""
    denials_url: str = ""


def since_yesterday(now: datetime) -> datetime:
    """The start of yesterday in the practice's time zone."""
    zone = timezone.get_current_timezone()
    yesterday = timezone.localdate(now, zone) - timedelta(days=1)
    return datetime.combine(yesterday, time.min, tzinfo=zone)


def claims(user: Any, now: datetime) -> Claims:
    """One query over (status, status_changed_at): claims now ready to submit, and claims
    rejected or denied since the start of yesterday (still in that status), with amounts."""
    since = since_yesterday(now)
    S = ClaimStatus
    ready = Q(status=S.READY)
    rejected = Q(status=S.REJECTED, status_changed_at__gte=since)
    denied = Q(status=S.DENIED, status_changed_at__gte=since)
    figures = (
        visible_claims(user)
        .filter(ready | rejected | denied)
        .aggregate(
            ready=Count("pk", filter=ready),
            ready_amount=Sum("total_billed", filter=ready),
            rejected=Count("pk", filter=rejected),
            rejected_amount=Sum("total_billed", filter=rejected),
            denied=Count("pk", filter=denied),
            denied_amount=Sum("total_billed", filter=denied),
        )
    )
    return Claims(
        since=since,
        ready=figures["ready"],
        ready_amount=_money(figures["ready_amount"]),
        rejected=figures["rejected"],
        rejected_amount=_money(figures["rejected_amount"]),
        denied=figures["denied"],
        denied_amount=_money(figures["denied_amount"]),
        ready_url=links.claims(S.READY),
        rejected_url=links.claims(S.REJECTED),
        denied_url=links.claims(S.DENIED),
        denials_url=links.denials(),
    )


# --- Records and messages -----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    key: str
    title: str
    count: int
    url: str


# The records audit's counts are practice-wide (every active patient's consents: 0.4 s on a
# practice of 150,000 patients) and move slowly: kept this long, the huddle says since when.
RECORDS_CACHE_SECONDS = 300


def records(now: datetime) -> list[Finding]:
    """The records audit's checks, counted by its own queries (unsigned notes first); counted
    at most every RECORDS_CACHE_SECONDS (records_counted_at says when)."""
    key = f"huddle:records:{timezone.localdate(now).isoformat()}"
    found = cache.get(key)
    if found is None:
        found = (records_audit.counts(records_audit.AuditOptions(now=now)), now)
        cache.set(key, found, RECORDS_CACHE_SECONDS)
    counted, _ = found
    return [
        Finding(c.key, c.title, counted[c.key], links.records_audit(c.key))
        for c in records_audit.CHECKS
    ]


@dataclass(frozen=True)
class Reminders:
    failed: int
    url: str


def records_counted_at(now: datetime) -> datetime | None:
    found = cache.get(f"huddle:records:{timezone.localdate(now).isoformat()}")
    return found[1] if found else None


def reminders() -> Reminders:
    """Reminders the outbox could not deliver (and that nobody retried or cancelled yet)."""
    flt = OutboxFilter(status=MessageStatus.FAILED, purpose=Purpose.REMINDER)
    return Reminders(failed=outbox_messages(flt).count(), url=links.outbox(flt))


# --- The whole huddle ---------------------------------------------------------------------------


@dataclass
class Huddle:
    choice: Choice
    parts: frozenset[str]
    schedule: Schedule | None = None
    flow: Flow | None = None
    claims: Claims | None = None
    records: list[Finding] | None = None
    records_counted_at: datetime | None = None
    reminders: Reminders | None = None


def huddle(user: Any, choice: Choice) -> Huddle:
    """The parts this person may see, each computed once. A/R over 90 days is apart
    (`ar.ar_over_90`): it reads the whole ledger and is served from its last computation."""
    parts = parts_for(user)
    result = Huddle(choice=choice, parts=parts)
    if SCHEDULE in parts:
        result.schedule = schedule(user, choice)
    if FLOW in parts and choice.is_today:
        result.flow = flow(choice)
    if CLAIMS in parts:
        result.claims = claims(user, choice.now)
    if RECORDS in parts:
        result.records = records(choice.now)
        result.records_counted_at = records_counted_at(choice.now)
    if MESSAGES in parts:
        result.reminders = reminders()
    return result
