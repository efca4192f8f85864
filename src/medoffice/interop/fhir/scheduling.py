"""FHIR Schedule, Slot and Appointment: the registry entries and the computed searches.

Appointments are a table like the others (searched, paged and audited by the engine). Schedules
(one per provider and location they work at) and Slots are worked out: free slots come from
find-first-available (scheduling.services.find, through scheduling.api_support) for the window
asked, busy slots from the booked appointments. Neither carries patient information.

Who sees what follows the matrix's SCHEDULE row, as the pages and the JSON API do: everyone with
view access sees all of it, except clinicians ("O"), who see their own schedule only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from medoffice.core.access import own_only
from medoffice.core.permissions import Capability, Need
from medoffice.interop.fhir import search as s
from medoffice.interop.fhir.http import FhirError, refuse
from medoffice.interop.fhir.mappers import scheduling as m
from medoffice.interop.fhir.types import Computed, Page, ResourceType, Source, cap_rule

RULE = cap_rule(Capability.SCHEDULE)
DEFAULT_WINDOW = timedelta(days=14)
MAX_WINDOW = timedelta(days=92)
# Free slots are asked of find-first-available in growing batches up to this many per search.
MAX_FREE_SCAN = 1000


def _provider_scope(user: Any) -> Q:
    from medoffice.scheduling.api_support import visible_providers

    return visible_providers(user)


def _appointment_scope(user: Any) -> Q:
    from medoffice.scheduling.api_support import visible_appointments

    return visible_appointments(user)


def _reference(value: str, kinds: set[str], param: str) -> tuple[str, int]:
    """("Practitioner", 12) from "Practitioner/12" (a bare "12" only when one kind fits)."""
    kind, sep, raw = value.strip().rpartition("/")
    kind = kind.rsplit("/", 1)[-1] if sep else (next(iter(kinds)) if len(kinds) == 1 else "")
    if kind not in kinds or not raw.isdigit() or len(raw) > 18:
        wanted = " or ".join(f"{k}/<id>" for k in sorted(kinds))
        raise FhirError(400, f"{param} must be {wanted}, not {value!r}.", code="invalid")
    return kind, int(raw)


def _schedule_ref(value: str) -> tuple[int, int]:
    found = m.parse_schedule_id(value.strip().removeprefix("Schedule/"))
    if found is None:
        raise FhirError(
            400, f"schedule must be Schedule/<provider>-<location>, not {value!r}.", code="invalid"
        )
    return found


def _values(search: s.SearchRequest, name: str) -> list[str] | None:
    """The values of a parameter that may be given once (comma = or); None when absent."""
    if name not in search.params:
        return None
    repeats, _ = search.params[name]
    if len(repeats) > 1:
        raise FhirError(400, f"Give {name} once (commas for alternatives).", code="not-supported")
    return repeats[0]


# --- Schedule ----------------------------------------------------------------------------------


def _schedule_rows(user: Any) -> QuerySet:
    from medoffice.scheduling.models import Provider

    links = Provider.locations.through.objects.select_related("provider__user", "location")
    return links.filter(provider__in=Provider.objects.filter(_provider_scope(user)))


def _schedules_to_fhir(links: list[Any]) -> list[dict[str, Any]]:
    """Each provider-location link as a Schedule: the types they may be booked for, and the
    planning horizon (now until the last materialized block), in two queries for the page."""
    from medoffice.scheduling.models import AppointmentType, AvailabilityBlock

    if not links:
        return []
    now = timezone.now()
    providers = {link.provider_id for link in links}
    last_blocks = {
        (row["provider_id"], row["location_id"]): row["last"]
        for row in AvailabilityBlock.objects.filter(provider_id__in=providers, end__gt=now)
        .values("provider_id", "location_id")
        .annotate(last=Max("end"))
    }
    types = list(
        AppointmentType.objects.filter(is_active=True).prefetch_related("allowed_providers")
    )
    allowed = {t.pk: {p.pk for p in t.allowed_providers.all()} for t in types}
    return [
        m.schedule_to_fhir(
            link.provider,
            link.location,
            types=[t for t in types if not allowed[t.pk] or link.provider_id in allowed[t.pk]],
            horizon=(now, last_blocks.get((link.provider_id, link.location_id))),
        )
        for link in links
    ]


def _schedule_filter(search: s.SearchRequest) -> Q | None:
    condition = Q()
    for name, (repeats, _) in search.params.items():
        for values in repeats:
            either = Q(pk__in=[])
            for value in values:
                if name == "_id":
                    found = m.parse_schedule_id(value)
                    if found:
                        either |= Q(provider_id=found[0], location_id=found[1])
                elif name == "actor":
                    kind, pk = _reference(value, {"Practitioner", "Location"}, "actor")
                    either |= (
                        Q(provider__user_id=pk) if kind == "Practitioner" else Q(location_id=pk)
                    )
                elif name == "active":
                    if value not in {"true", "false"}:
                        raise FhirError(400, "active is true or false.", code="invalid")
                    on = Q(provider__is_active=True, location__is_active=True)
                    either |= on if value == "true" else ~on
            condition &= either
    return condition


def schedule_search(request: HttpRequest, user: Any, search: s.SearchRequest) -> Page:
    rows = _schedule_rows(user).filter(_schedule_filter(search))
    total = rows.count()
    ordered = rows.order_by(
        "provider__user__last_name", "provider__user__first_name", "location__name", "pk"
    )
    page = list(ordered[search.offset : search.offset + search.count])
    return Page(_schedules_to_fhir(page), total)


def schedule_read(request: HttpRequest, user: Any, resource_id: str) -> dict[str, Any]:
    from medoffice.scheduling.models import Provider

    found = m.parse_schedule_id(resource_id)
    link = None
    if found:
        link = (
            Provider.locations.through.objects.select_related("provider__user", "location")
            .filter(provider_id=found[0], location_id=found[1])
            .first()
        )
    if link is None:
        raise FhirError(404, f"Schedule/{resource_id} is not known.", code="not-found")
    if not _schedule_rows(user).filter(pk=link.pk).exists():
        raise refuse(user, Capability.SCHEDULE)
    return _schedules_to_fhir([link])[0]


# --- Slot --------------------------------------------------------------------------------------

SLOT_STATUSES = {"free", "busy", "busy-tentative"}


def _window(search: s.SearchRequest) -> tuple[datetime, datetime]:
    """The start window [low, high) asked with start=ge/gt/le/lt/eq...; from now, two weeks."""
    low: datetime | None = None
    high: datetime | None = None
    for values in search.params.get("start", ([], ""))[0]:
        if len(values) > 1:
            raise FhirError(400, "start takes one value per parameter.", code="not-supported")
        prefix, first, after = s.date_interval(values[0])
        if prefix in {"ge", "eq"}:
            low = max(low, first) if low else first
        if prefix == "gt":
            low = max(low, after) if low else after
        if prefix in {"le", "eq"}:
            high = min(high, after) if high else after
        if prefix == "lt":
            high = min(high, first) if high else first
        if prefix not in {"ge", "gt", "le", "lt", "eq"}:
            raise FhirError(400, "start takes eq, ge, gt, le or lt.", code="not-supported")
    low = low or timezone.now()
    high = high or low + DEFAULT_WINDOW
    if high - low > MAX_WINDOW:
        raise FhirError(400, "Ask for slots over at most 92 days.", code="too-costly")
    return low, high


def _types(search: s.SearchRequest) -> list[Any] | None:
    from medoffice.scheduling.models import AppointmentType

    wanted = set()
    for name in ("appointment-type", "service-type"):
        for value in _values(search, name) or []:
            system, sep, code = value.rpartition("|")
            if sep and system and system != m.APPOINTMENT_TYPE_SYSTEM:
                continue
            wanted.add(code)
    if not wanted and not ({"appointment-type", "service-type"} & set(search.params)):
        return None
    return list(AppointmentType.objects.filter(is_active=True, code__in=wanted).order_by("code"))


def _free_slots(
    user: Any, appt_type: Any, schedule: tuple[int, int] | None, low: datetime, high: datetime,
    needed: int,
) -> list[dict[str, Any]]:  # fmt: skip
    from medoffice.organization.models import Location
    from medoffice.scheduling.api_support import find_slots
    from medoffice.scheduling.models import Provider

    providers = Provider.objects.filter(_provider_scope(user))
    provider = location = None
    if schedule is not None:
        provider = providers.filter(pk=schedule[0]).first()
        location = Location.objects.filter(pk=schedule[1]).first()
        if provider is None or location is None:
            return []
    elif own_only(user, Capability.SCHEDULE, Need.VIEW):
        provider = providers.first()  # a clinician's own schedule
        if provider is None:
            return []
    zones = set(Location.objects.values_list("time_zone", flat=True).distinct())
    first_day = min(low.astimezone(ZoneInfo(z)).date() for z in zones)
    last_day = max(high.astimezone(ZoneInfo(z)).date() for z in zones)
    limit = needed
    while True:
        found = find_slots(
            appt_type=appt_type, provider=provider, location=location, date_from=first_day,
            date_to=last_day, limit=limit,
        )  # fmt: skip
        inside = [slot for slot in found if low <= slot["start"] < high]
        exhausted = len(found) < limit or (found and found[-1]["start"] >= high)
        if exhausted or len(inside) >= needed or limit >= MAX_FREE_SCAN:
            return inside[:needed]
        limit = min(limit * 2, MAX_FREE_SCAN)


def _busy_appointments(user: Any, schedules: list[tuple[int, int]] | None) -> QuerySet:
    from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment

    rows = Appointment.objects.filter(_appointment_scope(user), status__in=ACTIVE_STATUSES)
    if schedules is not None:
        either = Q(pk__in=[])
        for provider_id, location_id in schedules:
            either |= Q(provider_id=provider_id, location_id=location_id)
        rows = rows.filter(either)
    return rows.select_related("location")


def slot_search(request: HttpRequest, user: Any, search: s.SearchRequest) -> Page:
    statuses = set(_values(search, "status") or SLOT_STATUSES)
    if statuses - SLOT_STATUSES:
        raise FhirError(400, "Slot status is free, busy or busy-tentative.", code="invalid")
    if "_id" in search.params:
        ids = [v for values in search.params["_id"][0] for v in values]
        found = []
        for resource_id in dict.fromkeys(ids):
            try:
                slot = slot_read(request, user, resource_id)
            except FhirError:
                continue
            if slot["status"] in statuses:
                found.append(slot)
        page = found[search.offset : search.offset + search.count]
        return Page(page, len(found))
    schedule_values = _values(search, "schedule")
    schedules = [_schedule_ref(v) for v in schedule_values] if schedule_values else None
    low, high = _window(search)
    needed = search.offset + search.count + 1
    results: list[tuple[datetime, str, dict[str, Any]]] = []
    if "free" in statuses:
        types = _types(search)
        if types is None:
            if "status" in search.params:
                raise FhirError(
                    400, "Free slots depend on the visit type: add appointment-type=<code>.",
                    code="required",
                )  # fmt: skip
            statuses -= {"free"}  # no type asked: the booked time only
        for appt_type in types or []:
            for schedule in schedules or [None]:
                for slot in _free_slots(user, appt_type, schedule, low, high, needed):
                    resource = m.free_slot_to_fhir(slot, appt_type)
                    results.append((slot["start"], resource["id"], resource))
    busy_statuses = statuses & {"busy", "busy-tentative"}
    if busy_statuses:
        rows = _busy_appointments(user, schedules).filter(start__gte=low, start__lt=high)
        if busy_statuses == {"busy"}:
            rows = rows.exclude(status="scheduled")
        elif busy_statuses == {"busy-tentative"}:
            rows = rows.filter(status="scheduled")
        for appointment in rows.order_by("start", "pk")[:needed]:
            resource = m.busy_slot_to_fhir(appointment)
            results.append((appointment.start, resource["id"], resource))
    results.sort(key=lambda item: (item[0], item[1]))
    page = [r for _, _, r in results[search.offset : search.offset + search.count]]
    return Page(page, None, more=len(results) > search.offset + search.count)


def slot_read(request: HttpRequest, user: Any, resource_id: str) -> dict[str, Any]:
    from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType

    if resource_id.startswith(m.BUSY_PREFIX):
        pk = s.split_id(resource_id, m.BUSY_PREFIX)
        appointment = (
            Appointment.objects.filter(pk=pk, status__in=ACTIVE_STATUSES)
            .select_related("location")
            .first()
            if pk is not None
            else None
        )
        if appointment is None:
            raise FhirError(404, f"Slot/{resource_id} is not booked time.", code="not-found")
        if not _busy_appointments(user, None).filter(pk=appointment.pk).exists():
            raise refuse(user, Capability.SCHEDULE)
        return m.busy_slot_to_fhir(appointment)
    key = m.parse_free_slot_id(resource_id)
    appt_type = (
        AppointmentType.objects.filter(pk=key.type_id, is_active=True).first() if key else None
    )
    if key is None or appt_type is None:
        raise FhirError(404, f"Slot/{resource_id} is not known.", code="not-found")
    return _free_slot_now(user, key, appt_type, resource_id)


def _free_slot_now(user: Any, key: m.FreeSlotKey, appt_type: Any, resource_id: str) -> dict:
    """The slot as it is now: free when that exact time can still be booked (asked of
    find-first-available with the visit's own start and end), busy when the provider has a
    visit in it, otherwise gone (404)."""
    from medoffice.organization.models import Location
    from medoffice.scheduling.api_support import find_slots
    from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment, Provider, overlapping

    location = Location.objects.filter(pk=key.location_id).first()
    provider = Provider.objects.filter(pk=key.provider_id).first()
    if location is None or provider is None:
        raise FhirError(404, f"Slot/{resource_id} is not known.", code="not-found")
    if not Provider.objects.filter(_provider_scope(user), pk=provider.pk).exists():
        raise refuse(user, Capability.SCHEDULE)
    end = key.start + timedelta(minutes=appt_type.duration_minutes)
    local_start = key.start.astimezone(ZoneInfo(location.time_zone))
    local_end = end.astimezone(ZoneInfo(location.time_zone))
    if local_end.date() == local_start.date():
        found = find_slots(
            appt_type=appt_type, provider=provider, location=location,
            date_from=local_start.date(), date_to=local_start.date(),
            time_from=local_start.time(), time_to=local_end.time(), limit=1,
        )  # fmt: skip
        if found and found[0]["start"] == key.start:
            return m.free_slot_to_fhir(found[0], appt_type)
    taken = Appointment.objects.filter(
        overlapping(key.start, end), provider=provider, status__in=ACTIVE_STATUSES
    ).exists()
    if not taken:
        raise FhirError(404, f"Slot/{resource_id} is no longer offered.", code="not-found")
    slot = {"provider_id": provider.pk, "location_id": location.pk, "start": key.start,
            "end": end, "time_zone": location.time_zone}  # fmt: skip
    return m.free_slot_to_fhir(slot, appt_type) | {"status": "busy"}


# --- Appointment -------------------------------------------------------------------------------


def _appointments() -> QuerySet:
    from medoffice.scheduling.models import Appointment

    return Appointment.objects.select_related("patient", "provider__user", "location", "type")


def _reference_handler(kinds: set[str], fields: dict[str, str], param: str) -> s.Handler:
    def one(value: str) -> Any:
        kind, pk = _reference(value, kinds, param)
        return Q(**{fields[kind]: pk})

    return lambda repeats, modifier: s.and_of_ors(repeats, one)


def _status_handler(repeats: list[list[str]], modifier: str) -> Any:
    def one(value: str) -> Any:
        ours = m.STATUS_FROM_FHIR.get(value)
        return Q(status__in=ours) if ours else s.NO_MATCH

    return s.and_of_ors(repeats, one)


_ACTOR_FIELDS = {
    "Patient": "patient_id",
    "Practitioner": "provider__user_id",
    "Location": "location_id",
}

SCHEDULE = ResourceType(
    "Schedule",
    RULE,
    {"_id": "token", "actor": "reference", "active": "token"},
    (),
    documentation="One per provider and location they work at (<provider>-<location>); "
    "actor: the Practitioner and the Location; serviceType: the visit types they may be "
    "booked for; planningHorizon: until the last day their hours are laid out.",
    computed=Computed(schedule_search, schedule_read),
    param_docs={
        "actor": "Practitioner/<id> or Location/<id>.",
        "active": "true or false.",
    },
)

SLOT = ResourceType(
    "Slot",
    RULE,
    {
        "_id": "token",
        "schedule": "reference",
        "start": "date",
        "appointment-type": "token",
        "service-type": "token",
        "status": "token",
    },
    (),
    documentation="Free slots are worked out by find-first-available for one visit type "
    "(appointment-type or service-type, required for them; ids "
    "<provider>-<location>-<type>-<UTC start>); busy slots are booked time (busy-<id>: "
    "busy-tentative while not confirmed), without who or what. Total is not given: follow "
    "the next link.",
    computed=Computed(slot_search, slot_read),
    param_docs={
        "schedule": "Schedule/<provider>-<location>; commas for several.",
        "start": "ge/gt/le/lt/eq a date or date-time; default from now for 14 days, at most 92.",
        "appointment-type": f"{m.APPOINTMENT_TYPE_SYSTEM}|<code> or <code>.",
        "service-type": f"{m.APPOINTMENT_TYPE_SYSTEM}|<code> or <code>.",
        "status": "free, busy or busy-tentative (default: free when a type is given, and busy).",
    },
)

APPOINTMENT = ResourceType(
    "Appointment",
    RULE,
    {
        "_id": "token",
        "patient": "reference",
        "actor": "reference",
        "practitioner": "reference",
        "location": "reference",
        "date": "date",
        "status": "token",
        "service-type": "token",
        "appointment-type": "token",
    },
    (
        Source(
            "",
            _appointments,
            lambda a, ctx: m.appointment_to_fhir(a),
            {
                "patient": s.patient_handler("patient_id"),
                "actor": _reference_handler(set(_ACTOR_FIELDS), _ACTOR_FIELDS, "actor"),
                "practitioner": _reference_handler({"Practitioner"}, _ACTOR_FIELDS, "practitioner"),
                "location": _reference_handler({"Location"}, _ACTOR_FIELDS, "location"),
                "date": s.date_handler("start", is_date=False),
                "status": _status_handler,
                "service-type": s.code_handler("type__code", m.APPOINTMENT_TYPE_SYSTEM),
                "appointment-type": s.code_handler("type__code", m.APPOINTMENT_TYPE_SYSTEM),
            },
            ("start", "pk"),
            scope=_appointment_scope,
        ),
    ),
    writable=True,
    updatable=False,
    documentation="Booked visits. Create books through the same rules as the front desk "
    "(409 when the time is taken, 422 for the booking rules); reschedule and cancel in the "
    "web application or the JSON API. Statuses: booked (scheduled, confirmed), arrived, "
    "checked-in (roomed, with the provider), fulfilled, cancelled (also rescheduled, with "
    "cancelationReason 'rescheduled'), noshow.",
    param_docs={
        "actor": "Patient/<id>, Practitioner/<id> or Location/<id>.",
        "practitioner": "Practitioner/<id> or <id>.",
        "location": "Location/<id> or <id>.",
        "status": "booked, arrived, checked-in, fulfilled, cancelled, noshow.",
        "service-type": f"{m.APPOINTMENT_TYPE_SYSTEM}|<code> or <code>.",
        "appointment-type": f"{m.APPOINTMENT_TYPE_SYSTEM}|<code> or <code>.",
    },
)
