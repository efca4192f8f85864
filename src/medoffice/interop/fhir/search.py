"""FHIR search parameters: parsing, the filters they become, paging and the searchset Bundle.

Each parameter handler turns the values of one parameter into a Q for one table, or NO_MATCH
when that table cannot hold a match (e.g. `category=laboratory` on the vital-signs table).
Repeated parameters are ANDed; comma-separated values within one are ORed (FHIR's rules).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, QueryDict

from medoffice.interop.fhir.http import FhirError
from medoffice.patients import names

DEFAULT_COUNT = 20
MAX_COUNT = 100
NO_MATCH: Any = object()
CONTROL_PARAMETERS = {"_count", "_offset", "_format"}
DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")

# A handler gets the parameter's values (one list per repetition) and the modifier.
Handler = Callable[[list[list[str]], str], Any]


@dataclass
class SearchRequest:
    params: dict[str, tuple[list[list[str]], str]] = field(default_factory=dict)
    count: int = DEFAULT_COUNT
    offset: int = 0


def _int_param(name: str, raw: str, *, low: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise FhirError(400, f"{name} must be a whole number.", code="invalid") from None
    if value < low:
        raise FhirError(400, f"{name} must be at least {low}.", code="invalid")
    return value


def parse_search(query: QueryDict, supported: Iterable[str], type_name: str) -> SearchRequest:
    """Check every parameter is one we support for this type; unknown ones are a 400."""
    supported = set(supported)
    search = SearchRequest()
    for key in query:
        values = [v for v in query.getlist(key)]
        name, _, modifier = key.partition(":")
        if name == "_count":
            search.count = min(_int_param("_count", values[-1], low=0), MAX_COUNT)
        elif name == "_offset":
            search.offset = _int_param("_offset", values[-1], low=0)
        elif name == "_format":
            if values[-1] not in {"json", "application/json", "application/fhir+json"}:
                raise FhirError(406, "Only JSON is offered (_format=json).", code="not-supported")
        elif name not in supported:
            raise FhirError(
                400,
                f"{type_name} does not support the search parameter {name!r}; "
                f"supported: {', '.join(sorted(supported | CONTROL_PARAMETERS))}.",
                code="not-supported",
            )
        else:
            if modifier and modifier != "exact":
                raise FhirError(
                    400, f"The modifier :{modifier} is not supported.", code="not-supported"
                )
            repeats = [[part for part in v.split(",") if part != ""] for v in values]
            if any(not r for r in repeats):
                raise FhirError(400, f"The parameter {name} has no value.", code="invalid")
            search.params[name] = (repeats, modifier)
    return search


def and_of_ors(repeats: list[list[str]], one: Callable[[str], Any]) -> Any:
    """AND over repetitions, OR over comma-separated values; NO_MATCH when nothing can match."""
    result = Q()
    for values in repeats:
        alternatives = [q for q in (one(v) for v in values) if q is not NO_MATCH]
        if not alternatives:
            return NO_MATCH
        either = alternatives[0]
        for q in alternatives[1:]:
            either |= q
        result &= either
    return result


# --- Ids and references ----------------------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def split_id(resource_id: str, prefix: str) -> int | None:
    """Our numeric primary key from a FHIR id ("vital-12" with prefix "vital-")."""
    if not resource_id.startswith(prefix):
        return None
    rest = resource_id[len(prefix) :]
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


def id_handler(prefix: str) -> Handler:
    def one(value: str) -> Any:
        pk = split_id(value, prefix)
        return Q(pk=pk) if pk is not None else NO_MATCH

    return lambda repeats, modifier: and_of_ors(repeats, one)


def parse_patient_reference(value: str) -> int:
    raw = value.removeprefix("Patient/")
    if "/" in value and not value.startswith("Patient/"):
        raise FhirError(
            400, f"patient must be Patient/<id> or <id>, not {value!r}.", code="invalid"
        )
    if not raw.isdigit() or len(raw) > 18:
        raise FhirError(400, f"Unknown patient reference {value!r}.", code="invalid")
    return int(raw)


def patient_handler(field_name: str) -> Handler:
    return lambda repeats, modifier: and_of_ors(
        repeats, lambda v: Q(**{field_name: parse_patient_reference(v)})
    )


def constant_token_handler(accepted: set[str]) -> Handler:
    """A token the whole table has one value of (e.g. category): all rows or none."""

    def one(value: str) -> Any:
        code = value.rsplit("|", 1)[-1]
        return Q() if code in accepted else NO_MATCH

    return lambda repeats, modifier: and_of_ors(repeats, one)


def choice_token_handler(field_name: str, mapping: dict[str, str]) -> Handler:
    """A token whose FHIR codes map to stored values (e.g. gender -> sex_at_birth)."""

    def one(value: str) -> Any:
        code = value.rsplit("|", 1)[-1]
        return Q(**{field_name: mapping[code]}) if code in mapping else NO_MATCH

    return lambda repeats, modifier: and_of_ors(repeats, one)


def code_handler(field_name: str, system: str) -> Handler:
    def one(value: str) -> Any:
        wanted_system, sep, code = value.rpartition("|")
        if sep and wanted_system and wanted_system != system:
            return NO_MATCH
        return Q(**{field_name: code})

    return lambda repeats, modifier: and_of_ors(repeats, one)


# --- Strings ---------------------------------------------------------------------------------


def prefix_range(field_name: str, folded: str) -> Q:
    """Rows whose folded column starts with `folded`, as an index-friendly range."""
    upper = folded[:-1] + chr(ord(folded[-1]) + 1)
    return Q(**{f"{field_name}__gte": folded, f"{field_name}__lt": upper})


def folded_name_handler(*field_names: str) -> Handler:
    """Prefix, case- and accent-insensitive match on folded name columns (any of them)."""

    def one(value: str) -> Any:
        folded = names.fold(value)
        if not folded:
            return NO_MATCH
        q = Q()
        for i, f in enumerate(field_names):
            q = prefix_range(f, folded) if i == 0 else q | prefix_range(f, folded)
        return q

    return lambda repeats, modifier: and_of_ors(repeats, one)


def text_handler(*field_names: str) -> Handler:
    """Prefix match (or :exact) on plain text columns, case-insensitive."""

    def handler(repeats: list[list[str]], modifier: str) -> Any:
        lookup = "exact" if modifier == "exact" else "istartswith"

        def one(value: str) -> Any:
            q = Q()
            for i, f in enumerate(field_names):
                part = Q(**{f"{f}__{lookup}": value.strip()})
                q = part if i == 0 else q | part
            return q

        return and_of_ors(repeats, one)

    return handler


def patient_identifier_handler() -> Handler:
    from medoffice.interop.fhir.constants import MRN_SYSTEM, SSN_SYSTEM
    from medoffice.patients.models import PatientIdentifier

    def one(value: str) -> Any:
        system, _, code = value.rpartition("|")
        if not code:
            raise FhirError(400, "identifier needs a value: system|value or value.", code="invalid")
        if system == SSN_SYSTEM:
            return NO_MATCH  # encrypted at rest: never searchable
        others = PatientIdentifier.objects.filter(patient=OuterRef("pk"), value=code)
        if system == MRN_SYSTEM:
            return Q(mrn=code)
        if system:
            return Q(Exists(others.filter(system=system)))
        return Q(mrn=code) | Q(Exists(others))

    return lambda repeats, modifier: and_of_ors(repeats, one)


# --- Dates -----------------------------------------------------------------------------------

_DATE_VALUE = re.compile(
    r"^(?P<y>\d{4})(-(?P<m>\d{2})(-(?P<d>\d{2})"
    r"(T(?P<H>\d{2}):(?P<M>\d{2})(:(?P<S>\d{2})(\.\d+)?)?(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def practice_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def date_interval(raw: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end): the value's whole precision as a half-open interval of instants."""
    prefix = raw[:2] if raw[:2] in DATE_PREFIXES else "eq"
    text = raw[2:] if raw[:2] in DATE_PREFIXES else raw
    match = _DATE_VALUE.match(text)
    if not match:
        raise FhirError(
            400,
            f"{raw!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a "
            "date-time), optionally after eq/ne/gt/lt/ge/le.",
            code="invalid",
        )
    parts = match.groupdict()
    try:
        year, month, day = int(parts["y"]), int(parts["m"] or 1), int(parts["d"] or 1)
        if parts["H"] is not None:
            tz = parts["tz"]
            zone: Any = practice_zone()
            if tz == "Z":
                zone = UTC
            elif tz:
                sign = 1 if tz[0] == "+" else -1
                hours, minutes = int(tz[1:3]), int(tz[4:6])
                from datetime import timezone as dt_timezone

                zone = dt_timezone(sign * timedelta(hours=hours, minutes=minutes))
            start = datetime(
                year,
                month,
                day,
                int(parts["H"]),
                int(parts["M"]),
                int(parts["S"] or 0),
                tzinfo=zone,
            )
            end = start + timedelta(seconds=1 if parts["S"] else 60)
            return prefix, start, end
        start = datetime(year, month, day, tzinfo=practice_zone())
    except ValueError:
        raise FhirError(400, f"{raw!r} is not a real date.", code="invalid") from None
    if parts["d"]:
        end = start + timedelta(days=1)
    elif parts["m"]:
        end = start.replace(year=year + (month == 12), month=month % 12 + 1)
    else:
        end = start.replace(year=year + 1)
    return prefix, start, end


def _interval_q(field_name: str, prefix: str, low: Any, high: Any) -> Q:
    if prefix in {"eq", "ap"}:
        return Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})
    if prefix == "ne":
        return ~Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})
    if prefix in {"gt", "sa"}:
        return Q(**{f"{field_name}__gte": high})
    if prefix == "ge":
        return Q(**{f"{field_name}__gte": low})
    if prefix in {"lt", "eb"}:
        return Q(**{f"{field_name}__lt": low})
    return Q(**{f"{field_name}__lt": high})  # le


def date_handler(field_name: str, *, is_date: bool) -> Handler:
    """Dates compare by the practice's calendar day; date-times by the instant."""

    def one(value: str) -> Any:
        prefix, start, end = date_interval(value)
        if is_date:
            low: date = start.astimezone(practice_zone()).date()
            high: date = end.astimezone(practice_zone()).date()
            if high == low:
                high = low + timedelta(days=1)
            return _interval_q(field_name, prefix, low, high)
        return _interval_q(field_name, prefix, start, end)

    return lambda repeats, modifier: and_of_ors(repeats, one)


# --- The searchset ---------------------------------------------------------------------------


def _page_url(request: HttpRequest, offset: int) -> str:
    query = request.GET.copy()
    query["_offset"] = str(offset)
    items = [(k, v) for k in query for v in query.getlist(k)]
    return request.build_absolute_uri(request.path) + "?" + urlencode(items)


def searchset_bundle(
    request: HttpRequest,
    resources: list[dict[str, Any]],
    *,
    total: int | None,
    search: SearchRequest,
    more: bool = False,
) -> dict[str, Any]:
    """The Bundle of one page. `total` may be unknown (computed types): `more` then says
    whether there is a next page, and the Bundle carries no total (it is optional in FHIR)."""
    base = request.build_absolute_uri("/fhir/r4/")
    links = [{"relation": "self", "url": _page_url(request, search.offset)}]
    has_next = more if total is None else search.offset + search.count < total
    if search.count and has_next:
        links.append({"relation": "next", "url": _page_url(request, search.offset + search.count)})
    if search.offset > 0:
        previous = max(0, search.offset - max(search.count, 1))
        links.append({"relation": "previous", "url": _page_url(request, previous)})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    return bundle | {
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def valid_id(resource_id: str) -> bool:
    return bool(_ID.match(resource_id))
