"""Patient search: one box, a few indexed queries, results ranked by how well they match.

`patient_search(actor=..., query="smith 1980-03-04")` reads the query (search_query.py), then
takes one of four paths, each a handful of index look-ups, never a scan:

- identifiers (MRN, phone, member id): one query on the unique/indexed columns, narrowed by
  any name or date of birth also typed;
- a date of birth: the patients born that day (a few per day even in a large practice),
  narrowed by name in Python with the same tolerant matching;
- names only: staged queries, best kind first (exact and prefix as an index range on
  family_norm/given_norm, first names, then sound-alike on the phonetic columns, then typos
  through the NameVariant index), stopping as soon as the page is full;
- a year of birth alone: a range on birth_date.

Ranking: identifier matches, then exact names, prefixes, a single word that is exactly a first
name, sound-alikes, typos, other first-name matches; ties by name. Merged records are left out unless asked for; an MRN of a merged
record leads to the record it was merged into.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.patients import names
from medoffice.patients.models import Coverage, Patient, PatientStatus
from medoffice.patients.search_index import is_typo_of
from medoffice.patients.search_names import Candidate, prefix_upper_bound, run_name_stages
from medoffice.patients.search_query import (
    NameForm,
    ParsedQuery,
    normalize_member_id,
    parse_query,
)

__all__ = [
    "MatchKind",
    "SearchHit",
    "SearchResult",
    "normalize_member_id",
    "parse_query",
    "patient_search",
    "prefix_upper_bound",
    "search_patients",
]

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# Patients born on one day: a handful; the cap only guards against a placeholder date
# (1900-01-01) shared by thousands of imported records.
BIRTH_DATE_COHORT_CAP = 1000
MIN_PHONETIC_LENGTH = 3  # as search_names

# Columns a result row needs: searching never loads (and decrypts) the SSN.
RESULT_FIELDS = (
    "id", "mrn", "family_name", "given_name", "middle_name", "suffix", "preferred_name",
    "family_norm", "given_norm", "family_phonetic", "given_phonetic", "birth_date",
    "phone_mobile", "phone_home", "phone_work", "phone_digits", "status", "merged_into",
    "home_location", "home_location__name",
)  # fmt: skip


class MatchKind(enum.IntEnum):
    """How a result matched; lower ranks first."""

    IDENTIFIER = 0
    EXACT = 1
    PREFIX = 2
    FIRST_NAME = 3  # a single word that is exactly the first name ("john")
    PHONETIC = 4
    TYPO = 5
    FIRST_NAME_LIKE = 6  # a single word the first name starts with, sounds like, or nearly is

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    MatchKind.IDENTIFIER: "number",
    MatchKind.EXACT: "name",
    MatchKind.PREFIX: "start of name",
    MatchKind.FIRST_NAME: "first name",
    MatchKind.PHONETIC: "sounds like",
    MatchKind.TYPO: "similar spelling",
    MatchKind.FIRST_NAME_LIKE: "first name, similar",
}


@dataclass(frozen=True)
class SearchHit:
    patient: Patient
    kind: MatchKind
    matched: str  # in words: "MRN", "phone", "sounds like", ...
    note: str = ""  # e.g. "MRN 1000016 was merged into this record"

    @property
    def phone(self) -> str:
        p = self.patient
        return p.phone_mobile or p.phone_home or p.phone_work


@dataclass(frozen=True)
class SearchResult:
    query: ParsedQuery
    hits: list[SearchHit]
    more: bool  # there were more matches than the limit: refine the query

    @property
    def patients(self) -> list[Patient]:
        return [h.patient for h in self.hits]


# --- Matching one patient against the name words (shared by every path) -----------------


@functools.lru_cache(maxsize=1024)
def _sound_of(word: str) -> str:
    return names.phonetic(word) if len(word) >= MIN_PHONETIC_LENGTH else ""


def _part_kind(word: str, norm: str, code: str) -> MatchKind | None:
    if norm == word:
        return MatchKind.EXACT
    if norm.startswith(word):
        return MatchKind.PREFIX
    if code and code == _sound_of(word):
        return MatchKind.PHONETIC
    if is_typo_of(word, norm):
        return MatchKind.TYPO
    return None


def _form_rank(patient: Patient, form: NameForm) -> tuple[MatchKind, int] | None:
    if form.family is None:
        assert form.given is not None
        given = _part_kind(form.given, patient.given_norm, patient.given_phonetic)
        if given is None:
            return None
        kind = MatchKind.FIRST_NAME if given is MatchKind.EXACT else MatchKind.FIRST_NAME_LIKE
        return kind, int(given)
    kinds = [_part_kind(form.family, patient.family_norm, patient.family_phonetic)]
    if form.given:
        kinds.append(_part_kind(form.given, patient.given_norm, patient.given_phonetic))
    if None in kinds:
        return None
    return max(k for k in kinds if k is not None), 0


def name_rank(patient: Patient, forms: Iterable[NameForm]) -> tuple[MatchKind, int] | None:
    """The best way this patient matches any reading of the name words, or None."""
    ranks = [r for form in forms if (r := _form_rank(patient, form)) is not None]
    return min(ranks) if ranks else None


# --- Queries -------------------------------------------------------------------------------


def _base(include_merged: bool) -> QuerySet[Patient]:
    qs = Patient.objects.select_related("home_location").only(*RESULT_FIELDS)
    return qs if include_merged else qs.exclude(status=PatientStatus.MERGED)


def _by_name(qs: QuerySet[Patient]) -> QuerySet[Patient]:
    return qs.order_by("family_norm", "given_norm", "id")


class _Collector:
    """Candidates from several queries, each ranked once, best first."""

    def __init__(self, forms: tuple[NameForm, ...]) -> None:
        self.forms = forms
        self.ranked: dict[int, tuple[tuple[Any, ...], Patient | Candidate, MatchKind]] = {}

    def add(self, patients: Iterable[Patient | Candidate], kind: MatchKind | None = None) -> int:
        """Rank and keep patients; with `kind` they matched otherwise (a number, a date of
        birth) and the name only orders them, else the name decides and non-matches drop."""
        added = 0
        for patient in patients:
            if patient.pk in self.ranked:
                continue
            by_name = name_rank(patient, self.forms) if self.forms else (MatchKind.EXACT, 0)
            if kind is None and by_name is None:
                continue
            rank = by_name if kind is None else (kind, int(by_name[0]) if by_name else 9)
            assert rank is not None
            key = (rank, patient.family_norm, patient.given_norm, patient.pk)
            self.ranked[patient.pk] = (key, patient, rank[0])
            added += 1
        return added

    def count_within(self, kind: int) -> int:
        return sum(1 for _, _, k in self.ranked.values() if k <= kind)

    def ordered(self) -> list[tuple[Patient | Candidate, MatchKind]]:
        return [(p, k) for _, p, k in sorted(self.ranked.values(), key=lambda v: v[0])]


def _load(ranked: list[tuple[Patient | Candidate, MatchKind]]) -> list[tuple[Patient, MatchKind]]:
    """Whole patients for the page: candidates from the name stages are loaded in one query."""
    wanted = [c.pk for c, _ in ranked if not isinstance(c, Patient)]
    loaded = _base(include_merged=True).in_bulk(wanted) if wanted else {}
    rows = []
    for candidate, kind in ranked:
        patient = candidate if isinstance(candidate, Patient) else loaded.get(candidate.pk)
        if patient is not None:  # gone since the candidate query: leave it out
            rows.append((patient, kind))
    return rows


def _with_birth_filters(qs: QuerySet[Patient], parsed: ParsedQuery) -> QuerySet[Patient]:
    if parsed.birth_dates:
        qs = qs.filter(birth_date__in=parsed.birth_dates)
    elif parsed.birth_year:
        qs = qs.filter(
            birth_date__gte=date(parsed.birth_year, 1, 1),
            birth_date__lte=date(parsed.birth_year, 12, 31),
        )
    return qs


def _identifier_hits(
    parsed: ParsedQuery, include_merged: bool, limit: int
) -> tuple[list[Patient], dict[int, str]]:
    """Patients with this MRN, phone or member id (one query), and a note per patient when
    a merged record's MRN led to its survivor."""
    condition = Q()
    if parsed.mrns:
        condition |= Q(mrn__in=parsed.mrns)
    if parsed.phones:
        condition |= Q(phone_digits__in=parsed.phones)
    if parsed.member_ids:
        # Looked up first: "pk IN (subquery)" inside an OR makes PostgreSQL scan the table.
        members = Coverage.objects.filter(member_id_norm__in=parsed.member_ids)
        member_patients = list(members.values_list("patient_id", flat=True)[: limit * 4])
        if member_patients:
            condition |= Q(pk__in=member_patients)
    if not condition:
        return [], {}
    found = list(_by_name(_base(include_merged=True).filter(condition))[: limit * 4])
    notes: dict[int, str] = {}
    if include_merged:
        return found, notes
    from medoffice.patients.merge import resolve_merged

    kept = [p for p in found if p.status != PatientStatus.MERGED]
    survivors: dict[int, str] = {}
    for patient in found:
        if patient.status == PatientStatus.MERGED and patient.mrn in parsed.mrns:
            survivors.setdefault(resolve_merged(patient.pk), patient.mrn)
    kept_ids = {p.pk for p in kept}
    missing = [pid for pid in survivors if pid not in kept_ids]
    if missing:
        kept += list(_base(include_merged=False).filter(pk__in=missing))
    for pid, mrn in survivors.items():
        notes[pid] = f"MRN {mrn} was merged into this record"
    return kept, notes


def _identifier_matched(patient: Patient, parsed: ParsedQuery, notes: dict[int, str]) -> str:
    if patient.mrn in parsed.mrns or patient.pk in notes:
        return "MRN"
    if patient.phone_digits in parsed.phones:
        return "phone"
    return "member id"


def search_patients(
    query: str | ParsedQuery, *, limit: int = DEFAULT_LIMIT, include_merged: bool = False
) -> SearchResult:
    """The search itself, without access checks or audit (for services that have done both)."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    collector = _Collector(parsed.name_forms)
    notes: dict[int, str] = {}

    if parsed.has_identifiers:
        found, notes = _identifier_hits(parsed, include_merged, limit)
        narrowed = [
            p
            for p in found
            if (not parsed.birth_dates or p.birth_date in parsed.birth_dates)
            and (not parsed.birth_year or p.birth_date.year == parsed.birth_year)
            and (not parsed.name_forms or name_rank(p, parsed.name_forms) is not None)
        ]
        collector.add(narrowed, kind=MatchKind.IDENTIFIER)
    elif parsed.birth_dates:
        cohort = _by_name(_with_birth_filters(_base(include_merged), parsed))
        cohort_list = list(cohort[:BIRTH_DATE_COHORT_CAP])
        if parsed.name_forms:
            collector.add(cohort_list)
        else:
            collector.add(cohort_list, kind=MatchKind.EXACT)
    elif parsed.name_forms:
        run_name_stages(
            parsed,
            include_merged=include_merged,
            fetch_size=limit + 1,
            add=collector.add,
            count_within=collector.count_within,
            stage_kinds=(
                MatchKind.PREFIX,
                MatchKind.FIRST_NAME,
                MatchKind.PHONETIC,
                MatchKind.TYPO,
            ),
        )
    elif parsed.birth_year:
        # In patient_dob_idx order, so it stops after a page: a year holds thousands.
        year_qs = _with_birth_filters(_base(include_merged), parsed)
        year_qs = year_qs.order_by("birth_date", "family_norm")
        collector.add(year_qs[: limit + 1], kind=MatchKind.EXACT)

    ordered = collector.ordered()
    hits = []
    for patient, kind in _load(ordered[:limit]):
        if kind is MatchKind.IDENTIFIER:
            matched = _identifier_matched(patient, parsed, notes)
        elif not parsed.name_forms:
            matched = "date of birth" if parsed.birth_dates else "year of birth"
        else:
            matched = kind.label
        hits.append(SearchHit(patient, kind, matched, notes.get(patient.pk, "")))
    return SearchResult(query=parsed, hits=hits, more=len(ordered) > limit)


def patient_search(
    *,
    actor: Any,
    query: str,
    limit: int = DEFAULT_LIMIT,
    include_merged: bool = False,
    view: str = "patient_search",
) -> SearchResult:
    """Search for patients as `actor`; every patient shown is recorded in the audit log.

    Needs view access to demographics. Administrators (break-the-glass only) are refused:
    they reach one patient at a time through emergency access, never a list.
    """
    require_capability(actor, Capability.DEMOGRAPHICS, Need.VIEW)
    result = search_patients(query, limit=limit, include_merged=include_merged)
    if result.hits:
        audit_patients_shown(
            patient_ids=[h.patient.pk for h in result.hits],
            patient_refs={h.patient.pk: h.patient.mrn for h in result.hits},
            view=view,
            actor=actor,
        )
    return result
