"""Demo scheduling: providers with NPIs and taxonomies, rooms, equipment, appointment types,
opening hours, weekly availability (with part-timers, reserved new-patient and procedure blocks,
schedule changes, time off and holidays) materialized for the whole history and a year ahead.

The appointments on those blocks come from demo_appointments.py, referrals and prior
authorizations from demo_referrals.py; all the steps are listed at the bottom.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from medoffice.accounts.models import User
from medoffice.core.demo import DemoContext, DemoStep
from medoffice.core.sequences import luhn_check_digit
from medoffice.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityTemplate,
    BlockKind,
    Equipment,
    Holiday,
    LocationHours,
    PatientKind,
    Provider,
    Room,
    TimeOff,
)
from medoffice.scheduling.services.availability import HORIZON_DAYS, compute_blocks

BATCH = 2000
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
TAXONOMY = {
    "FM": "207Q00000X",  # family medicine
    "IM": "207R00000X",  # internal medicine
    "PEDS": "208000000X",  # pediatrics
    "CARD": "207RC0000X",  # cardiovascular disease
    "DERM": "207N00000X",  # dermatology
}
MIDLEVEL_TAXONOMY = {"NP": "363L00000X", "PA": "363A00000X"}
# Departments of providers in turn: family and internal medicine dominate, specialists are few.
DEPARTMENT_PATTERN = ["FM", "IM", "FM", "PEDS", "IM", "FM", "CARD", "FM", "IM", "DERM"]
COLORS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf", "#ff7f0e", "#3366cc", "#0b8457", "#a23b72", "#5a4fcf"]  # fmt: skip
# Closed days: the major holidays from the `holidays` calendar (NY lists more, the office opens).
CLOSED_HOLIDAYS = {"New Year's Day", "Memorial Day", "Independence Day", "Labor Day",
                   "Thanksgiving Day", "Christmas Day"}  # fmt: skip


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    minutes: int
    color: str
    reminders: list[int]
    kind: str = PatientKind.ANY
    room_kind: str = ""
    equipment: tuple[str, ...] = ()
    telehealth: bool = False
    overbooking: bool = False
    authorization: bool = False
    service_codes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()  # who may see it (empty: anyone)
    reason: str = ""
    prep: str = ""


TYPES = [
    TypeSpec("office", "Office visit", 20, "#4a90d9", [48, 24], reason="Follow-up"),
    TypeSpec("new", "New patient visit", 40, "#2e7d32", [120, 48, 24], kind=PatientKind.NEW,
             reason="New patient: establish care",
             prep="Please arrive 15 minutes early with your insurance card, a photo ID and a list of your medications."),
    TypeSpec("physical", "Annual physical", 30, "#00897b", [120, 24], reason="Annual physical",
             prep="If we ordered fasting labs, eat nothing after midnight (water is fine)."),
    TypeSpec("telehealth", "Telehealth visit", 15, "#8e24aa", [24, 1], telehealth=True,
             reason="Video follow-up",
             prep="Join from a quiet place; the link arrives an hour before the visit."),
    TypeSpec("nurse", "Nurse visit", 10, "#f9a825", [24], overbooking=True,
             reason="Blood pressure check"),
    TypeSpec("procedure", "Minor procedure", 40, "#c62828", [120, 48, 24], room_kind="procedure",
             service_codes=("11102", "17110"), departments=("FM", "DERM"),
             reason="Skin lesion removal", prep="Wear loose clothing; the site may be bandaged."),
    TypeSpec("injection", "Joint injection", 40, "#ad1457", [120, 48, 24], room_kind="procedure",
             authorization=True, service_codes=("20610",), departments=("FM", "IM"),
             reason="Knee injection (series)"),
    TypeSpec("ecg", "ECG", 20, "#6d4c41", [48, 24], equipment=("ecg",),
             service_codes=("93000",), departments=("CARD", "IM", "FM"), reason="ECG"),
    TypeSpec("spirometry", "Spirometry", 30, "#546e7a", [48, 24], equipment=("spirometer",),
             service_codes=("94010",), departments=("IM", "FM", "PEDS"), reason="Breathing test",
             prep="No inhaler for 4 hours and no smoking for 8 hours before the test."),
]  # fmt: skip
# How each department's schedule fills, by appointment type (weights).
MIX = {
    "FM": {"office": 56, "physical": 11, "new": 7, "telehealth": 8, "nurse": 7, "procedure": 3, "injection": 2, "ecg": 4, "spirometry": 2},
    "IM": {"office": 58, "physical": 10, "new": 7, "telehealth": 9, "nurse": 5, "injection": 3, "ecg": 5, "spirometry": 3},
    "PEDS": {"office": 50, "physical": 24, "new": 8, "telehealth": 5, "nurse": 11, "spirometry": 2},
    "CARD": {"office": 52, "new": 12, "ecg": 28, "telehealth": 8},
    "DERM": {"office": 48, "new": 14, "procedure": 32, "telehealth": 6},
}  # fmt: skip


@dataclass
class ProviderPlan:
    """What the appointment generator needs to know about one provider."""

    pk: int
    user_id: int
    department_code: str
    department_id: int
    location_ids: list[int]
    accepts_new: bool
    mix: dict[str, int]


@dataclass
class DemoBlock:
    start_minute: int  # local wall-clock minutes after midnight
    end_minute: int
    location_id: int
    reserved: frozenset[str] | None  # appointment type codes a reserved block takes


@dataclass
class SchedulingDemo:
    """Handed from the resources step to the appointment, referral and waitlist steps."""

    first_day: date
    now: datetime
    providers: list[ProviderPlan]
    types: dict[str, AppointmentType]
    zones: dict[int, zoneinfo.ZoneInfo]
    rooms: dict[int, dict[str, list[int]]]
    equipment: dict[int, dict[str, list[int]]]
    blocks: dict[int, dict[date, list[DemoBlock]]] = field(default_factory=dict)


def make_npi(ctx: DemoContext, taken: set[str]) -> str:
    """A valid, unused NPI: nine digits starting with 1, then the Luhn digit over 80840 + them."""
    while True:
        first_nine = "1" + "".join(str(ctx.rng.randrange(10)) for _ in range(8))
        npi = first_nine + luhn_check_digit("80840" + first_nine)
        if npi not in taken:
            taken.add(npi)
            return npi


def _create_types(providers: list[ProviderPlan]) -> dict[str, AppointmentType]:
    made = {}
    for spec in TYPES:
        appt_type = AppointmentType.objects.create(
            name=spec.name, code=spec.code, duration_minutes=spec.minutes, patient_kind=spec.kind,
            room_kind=spec.room_kind, equipment_kinds=list(spec.equipment), telehealth=spec.telehealth,
            color=spec.color, default_reason=spec.reason, prep_instructions=spec.prep,
            allows_overbooking=spec.overbooking, reminder_hours=spec.reminders,
            requires_authorization=spec.authorization, service_codes=list(spec.service_codes),
        )  # fmt: skip
        if spec.departments:
            appt_type.allowed_providers.set(
                [p.pk for p in providers if p.department_code in spec.departments]
            )
        made[spec.code] = appt_type
    return made


def _create_rooms(ctx: DemoContext, locations: list[Any]) -> tuple[dict, dict]:
    rooms: dict[int, dict[str, list[int]]] = {}
    equipment: dict[int, dict[str, list[int]]] = {}
    for i, location in enumerate(locations):
        made = [Room(location=location, name=f"Exam {n}", kind="exam")
                for n in range(1, ctx.rng.randrange(6, 11) + 1)]  # fmt: skip
        made += [Room(location=location, name=f"Procedure {chr(65 + n)}", kind="procedure")
                 for n in range(ctx.rng.choice([1, 2]))]  # fmt: skip
        made.append(Room(location=location, name="Lab draw", kind="lab"))
        Room.objects.bulk_create(made)
        by_kind: dict[str, list[int]] = defaultdict(list)
        for room in made:
            by_kind[room.kind].append(room.pk)
        rooms[location.pk] = dict(by_kind)
        ecgs = 2 if i == len(locations) - 1 else 1  # the specialty center has cardiology
        gear = [
            Equipment(location=location, name=f"ECG cart {n}", kind="ecg")
            for n in range(1, ecgs + 1)
        ]
        gear.append(Equipment(location=location, name="Spirometer", kind="spirometer"))
        Equipment.objects.bulk_create(gear)
        kinds: dict[str, list[int]] = defaultdict(list)
        for item in gear:
            kinds[item.kind].append(item.pk)
        equipment[location.pk] = dict(kinds)
        hours = [LocationHours(location=location, weekday=d, opens=time(7, 30), closes=time(18))
                 for d in range(5)]  # fmt: skip
        if i == 0:
            hours.append(
                LocationHours(location=location, weekday=5, opens=time(8), closes=time(12, 30))
            )
        LocationHours.objects.bulk_create(hours)
    return rooms, equipment


def _create_providers(ctx: DemoContext) -> list[ProviderPlan]:
    users: list[User] = ctx.shared["providers"]
    locations = ctx.shared["locations"]
    departments = {d.code: d for d in ctx.shared["departments"]}
    dept_locations = {
        code: [loc.pk for loc in d.locations.order_by("pk")] for code, d in departments.items()
    }
    taken: set[str] = set()
    plans, rows = [], []
    for i, user in enumerate(users):
        code = DEPARTMENT_PATTERN[i % len(DEPARTMENT_PATTERN)]
        code = code if code in departments else "FM"
        home = user.primary_location_id
        if home not in dept_locations[code]:
            home = dept_locations[code][0]
        sites = [home]
        others = [loc.pk for loc in locations if loc.pk != home and loc.pk in dept_locations[code]]
        if others and (i == 0 or ctx.rng.random() < 0.25):
            sites.append(others[0])  # works two days a week at a second site
        taxonomy = MIDLEVEL_TAXONOMY.get(user.title, TAXONOMY[code])
        rows.append(Provider(user=user, npi=make_npi(ctx, taken), taxonomy=taxonomy,
                             color=COLORS[i % len(COLORS)], accepts_new_patients=ctx.rng.random() < 0.85 or i == 0))  # fmt: skip
        plans.append(ProviderPlan(0, user.pk, code, departments[code].pk, sites, True, MIX[code]))
    Provider.objects.bulk_create(rows)
    dept_links, loc_links, user_links = [], [], []
    existing = set(User.locations.through.objects.values_list("user_id", "location_id"))
    for plan, provider in zip(plans, rows, strict=True):
        plan.pk, plan.accepts_new = provider.pk, provider.accepts_new_patients
        dept_links.append(
            Provider.departments.through(provider_id=provider.pk, department_id=plan.department_id)
        )
        for location_id in plan.location_ids:
            loc_links.append(
                Provider.locations.through(provider_id=provider.pk, location_id=location_id)
            )
            if (plan.user_id, location_id) not in existing:  # staff access follows where they work
                user_links.append(
                    User.locations.through(user_id=plan.user_id, location_id=location_id)
                )
    Provider.departments.through.objects.bulk_create(dept_links)
    Provider.locations.through.objects.bulk_create(loc_links)
    User.locations.through.objects.bulk_create(user_links)
    return plans


Session = tuple[
    int, time, time, str, str, tuple[str, ...]
]  # location, start, end, kind, label, types


def _week(
    ctx: DemoContext, plan: ProviderPlan, index: int, part_time: bool
) -> dict[int, list[Session]]:
    """One provider's week: weekday -> sessions (morning, afternoon, reserved blocks)."""
    rng = ctx.rng
    am = (time(8), time(12)) if rng.random() < 0.7 else (time(8, 30), time(12))
    pm = (time(13), time(17)) if rng.random() < 0.7 else (time(13, 30), time(17))
    days = [0, 1, 2, 3, 4]
    mornings_only = False
    if part_time:
        if rng.random() < 0.5:
            days = sorted(rng.sample(days, 3))
        else:
            mornings_only = True
    week: dict[int, list[Session]] = {}
    for day in days:
        site = (
            plan.location_ids[1]
            if len(plan.location_ids) > 1 and day in (3, 4)
            else plan.location_ids[0]
        )
        week[day] = [(site, *am, BlockKind.OPEN, "", ())]
        if not mornings_only:
            week[day].append((site, *pm, BlockKind.OPEN, "", ()))
    if plan.accepts_new and (index == 0 or rng.random() < 0.35):
        day = 1 if 1 in week else days[0]
        site, start, end, *_ = week[day][0]
        split = (
            time(start.hour + 1, start.minute + 20) if start.minute < 40 else time(start.hour + 2)
        )
        week[day][0:1] = [(site, start, split, BlockKind.RESERVED, "New patients only", ("new",)),
                          (site, split, end, BlockKind.OPEN, "", ())]  # fmt: skip
    specialty = {"DERM": ("Procedures", ("procedure",)), "CARD": ("ECG and testing", ("ecg",))}
    if plan.department_code in specialty and len(week.get(3, [])) > 1:
        label, codes = specialty[plan.department_code]
        site, start, end, *_ = week[3][-1]
        week[3][-1] = (site, start, end, BlockKind.RESERVED, label, codes)
    return week


def _templates(
    week: dict[int, list[Session]], plan: ProviderPlan, starts: date, ends: date | None
) -> list[tuple[AvailabilityTemplate, tuple[str, ...]]]:
    grouped: dict[Session, list[int]] = defaultdict(list)
    for day, sessions in sorted(week.items()):
        for session in sessions:
            grouped[session].append(day)
    made = []
    for (site, start, end, kind, label, codes), days in grouped.items():
        template = AvailabilityTemplate(
            provider_id=plan.pk, location_id=site, department_id=plan.department_id, kind=kind,
            reserved_label=label, start_time=start, end_time=end, starts_on=starts, ends_on=ends,
            rrule="FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAYS[d] for d in days),
        )  # fmt: skip
        made.append((template, codes))
    return made


def _time_off(
    ctx: DemoContext,
    plan: ProviderPlan,
    first: date,
    last: date,
    zone: zoneinfo.ZoneInfo,
    manager: User,
) -> list[TimeOff]:
    """Two vacation weeks and a few single days a year; now and then an afternoon."""
    rng = ctx.rng
    rows = []

    def off(
        day: date, days: int, reason: str, start: time = time(0), end: time | None = None
    ) -> None:
        lo = datetime.combine(day, start, tzinfo=zone)
        hi = (
            datetime.combine(day + timedelta(days=days), time(0), tzinfo=zone)
            if end is None
            else datetime.combine(day, end, tzinfo=zone)
        )
        if first <= day <= last:
            rows.append(
                TimeOff(provider_id=plan.pk, start=lo, end=hi, reason=reason, created_by=manager)
            )

    for year in range(first.year, last.year + 1):
        for week in sorted(rng.sample(range(2, 50), 2)):
            monday = date.fromisocalendar(year, week, 1)
            off(monday, 5, "Vacation")
        for _ in range(3):
            day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            if day.weekday() < 5:
                off(
                    day,
                    1,
                    rng.choice(["Conference (CME)", "Personal day", "Jury duty", "Personal day"]),
                )
        if rng.random() < 0.5:
            day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            off(day, 0, "Appointment (afternoon)", time(12), time(23, 59))
    return rows


def create_scheduling_resources(ctx: DemoContext) -> str:
    now = timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=365 * ctx.size.years_of_history)
    last = today + timedelta(days=HORIZON_DAYS)
    locations = ctx.shared["locations"]
    zones = {loc.pk: zoneinfo.ZoneInfo(loc.time_zone) for loc in locations}
    manager = ctx.shared["users"]["manager"]
    plans = _create_providers(ctx)
    rooms, equipment = _create_rooms(ctx, locations)
    types = _create_types(plans)

    import holidays as calendars

    years = list(range(first.year, last.year + 1))
    named = calendars.country_holidays("US", subdiv="NY", years=years)
    closed = {day: name for day, name in sorted(named.items())
              if name.removesuffix(" (observed)") in CLOSED_HOLIDAYS}  # fmt: skip
    Holiday.objects.bulk_create([Holiday(date=day, name=name) for day, name in closed.items()])

    templates: list[tuple[AvailabilityTemplate, tuple[str, ...]]] = []
    time_off: list[TimeOff] = []
    saturday_done = False
    part_timers = changes = 0
    for i, plan in enumerate(plans):
        part_time = i > 0 and ctx.rng.random() < 0.15
        part_timers += part_time
        starts = first
        if len(plans) >= 10 and i == 7:
            starts = today - timedelta(days=420)  # joined the practice a little over a year ago
        if not part_time and i > 0 and ctx.rng.random() < 0.1:
            # Went part-time some months ago: the old template ends, a new one begins.
            change = today - timedelta(days=ctx.rng.randrange(120, 500))
            templates += _templates(
                _week(ctx, plan, i, False), plan, starts, change - timedelta(days=1)
            )
            templates += _templates(_week(ctx, plan, i, True), plan, change, None)
            changes += 1
        else:
            templates += _templates(_week(ctx, plan, i, part_time), plan, starts, None)
        if (
            not saturday_done
            and i > 0
            and plan.department_code == "FM"
            and plan.location_ids[0] == locations[0].pk
        ):
            templates.append((AvailabilityTemplate(
                provider_id=plan.pk, location_id=plan.location_ids[0], department_id=plan.department_id,
                start_time=time(8), end_time=time(12), starts_on=starts,
                rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", note="Alternate Saturday mornings"), ()))  # fmt: skip
            saturday_done = True
        time_off += _time_off(ctx, plan, first, last, zones[plan.location_ids[0]], manager)
    AvailabilityTemplate.objects.bulk_create([t for t, _ in templates])
    through = AvailabilityTemplate.reserved_types.through
    through.objects.bulk_create([through(availabilitytemplate_id=t.pk, appointmenttype_id=types[c].pk)
                                 for t, codes in templates for c in codes])  # fmt: skip
    TimeOff.objects.bulk_create(time_off)

    location_by_pk = {loc.pk: loc for loc in locations}
    off_by_provider: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for row in time_off:
        off_by_provider[row.provider_id].append((row.start, row.end))
    demo = SchedulingDemo(first, now, plans, types, zones, rooms, equipment)
    blocks: list[AvailabilityBlock] = []
    for template, codes in ctx.progress(templates, desc="availability"):
        template.location = location_by_pk[template.location_id]
        made = compute_blocks(template, first, last, time_off=off_by_provider[template.provider_id],
                              closed_days=set(closed))  # fmt: skip
        zone = zones[template.location_id]
        reserved = frozenset(codes) if template.kind == BlockKind.RESERVED else None
        for block in made:
            local_start, local_end = block.start.astimezone(zone), block.end.astimezone(zone)
            demo.blocks.setdefault(template.provider_id, {}).setdefault(local_start.date(), []).append(
                DemoBlock(local_start.hour * 60 + local_start.minute,
                          local_end.hour * 60 + local_end.minute, template.location_id, reserved))  # fmt: skip
        blocks += made
    for days in demo.blocks.values():
        for sessions in days.values():
            sessions.sort(key=lambda b: b.start_minute)
    AvailabilityBlock.objects.bulk_create(blocks, batch_size=BATCH)
    ctx.shared["scheduling"] = demo
    return (
        f"{len(plans)} providers ({part_timers} part-time, {changes} schedule changes), "
        f"{sum(len(r) for loc in rooms.values() for r in loc.values())} rooms, {len(types)} appointment types, "
        f"{len(templates)} weekly templates, {len(time_off)} time off, {len(closed)} holidays, "
        f"{len(blocks)} availability blocks ({first} to {last})"
    )


def _steps() -> list[DemoStep]:
    from medoffice.scheduling.demo_appointments import create_appointments
    from medoffice.scheduling.demo_referrals import create_referrals_and_authorizations

    return [
        DemoStep("scheduling resources", 25, create_scheduling_resources),
        DemoStep("appointments", 35, create_appointments),
        DemoStep("referrals and authorizations", 36, create_referrals_and_authorizations),
    ]


STEPS = _steps()
