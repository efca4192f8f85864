"""The name stages of patient search: small index-range and equality queries, best kind first.

These queries run often (every key stroke of the live search) and several per search, so
they are plain SQL on five narrow columns: building the same query through the ORM costs
ten times the database's own time. Only the final page of results is loaded as models.
Every condition here is one the patient indexes answer (patient_name_idx, patient_given_idx,
patient_phonetic_idx, patient_dob_idx); test_search_plans checks them with EXPLAIN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from django.db import connection

from medoffice.patients import names
from medoffice.patients.models import Patient, PatientStatus
from medoffice.patients.search_index import typo_candidates
from medoffice.patients.search_query import NameForm, ParsedQuery

MIN_PHONETIC_LENGTH = 3


class Candidate(NamedTuple):
    """What ranking needs of a patient (the same attribute names as Patient)."""

    pk: int
    family_norm: str
    given_norm: str
    family_phonetic: str
    given_phonetic: str


class Cond(NamedTuple):
    sql: str
    params: list[Any]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest folded string greater than every string starting with `prefix`.

    Folded names are only a-z, so "smi" -> "smj" and "smz" -> "sn"; "zz" has none.
    """
    trimmed = prefix.rstrip("z")
    if not trimmed:
        return None
    return trimmed[:-1] + chr(ord(trimmed[-1]) + 1)


def _column(column: str, driving: bool) -> str:
    """The column as SQL. A condition that only narrows what another index found is written
    `+column` on SQLite, which keeps the planner off that column's own index: without it
    SQLite may read every "Jason" (patient_given_idx) to find the few named Jennifer Jason."""
    quoted = _q(column)
    return quoted if driving or connection.vendor != "sqlite" else f"+{quoted}"


def starts_with(column: str, prefix: str, *, driving: bool = True) -> Cond:
    """column starts with prefix, as an index range (never LIKE, which PostgreSQL's default
    collation and SQLite's case-insensitive LIKE cannot serve from a plain index)."""
    col = _column(column, driving)
    upper = prefix_upper_bound(prefix)
    if upper is None:
        return Cond(f"{col} >= %s", [prefix])
    return Cond(f"{col} >= %s AND {col} < %s", [prefix, upper])


def equals(column: str, value: str, *, driving: bool = True) -> Cond:
    return Cond(f"{_column(column, driving)} = %s", [value])


def one_of(column: str, values: Iterable[str], *, driving: bool = True) -> Cond:
    values = sorted(set(values))
    marks = ", ".join(["%s"] * len(values))
    return Cond(f"{_column(column, driving)} IN ({marks})", values)


def all_of(*conds: Cond | None) -> Cond:
    present = [c for c in conds if c is not None]
    return Cond(" AND ".join(f"({c.sql})" for c in present), [p for c in present for p in c.params])


def any_of(*conds: Cond | None) -> Cond:
    present = [c for c in conds if c is not None]
    return Cond(" OR ".join(f"({c.sql})" for c in present), [p for c in present for p in c.params])


BY_NAME = "family_norm, given_norm, id"
# Queries on a column many patients share keep that index's order, so they stop after a page
# of rows: sorting every "John", or every last name that sounds like Smith, by name would
# read them all. The page is sorted by rank and name afterwards anyway.
BY_GIVEN = "given_norm"
BY_SOUND = "family_phonetic, given_phonetic"


def fetch(where: Cond, order: str, limit: int) -> list[Candidate]:
    table = _q(Patient._meta.db_table)
    sql = (
        "SELECT id, family_norm, given_norm, family_phonetic, given_phonetic "  # noqa: S608
        f"FROM {table} WHERE {where.sql} ORDER BY {order} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*where.params, limit])
        return [Candidate(*row) for row in cursor.fetchall()]


def base_condition(parsed: ParsedQuery, include_merged: bool) -> Cond | None:
    """Merged records out (unless asked), and the year of birth when one was typed."""
    conds: list[Cond | None] = []
    if not include_merged:
        conds.append(Cond(f"{_q('status')} <> %s", [PatientStatus.MERGED.value]))
    if parsed.birth_year:
        adapt = connection.ops.adapt_datefield_value
        first, last = date(parsed.birth_year, 1, 1), date(parsed.birth_year, 12, 31)
        conds.append(Cond(f"{_q('birth_date')} BETWEEN %s AND %s", [adapt(first), adapt(last)]))
    present = [c for c in conds if c is not None]
    return all_of(*present) if present else None


def run_name_stages(
    parsed: ParsedQuery,
    *,
    include_merged: bool,
    fetch_size: int,
    add: Callable[[Sequence[Candidate]], Any],
    count_within: Callable[[int], int],
    stage_kinds: Sequence[int],
) -> None:
    """Names only: query stages best kind first, stopping once `fetch_size` candidates rank
    at or above the stage just run. `stage_kinds` are the MatchKind values of the stages
    (prefix, first name, sound-alike, typo) so this module needs no import of the ranking."""
    prefix_kind, first_name_kind, phonetic_kind, typo_kind = stage_kinds
    base = base_condition(parsed, include_merged)
    forms = parsed.name_forms
    full_forms = [f for f in forms if f.family is not None]
    # Sound-alike and typo stages only for readings made of whole typed words.
    plain_forms = [f for f in full_forms if not f.joined]
    given_only = [f for f in forms if f.family is None]

    def run(cond: Cond, order: str = BY_NAME) -> None:
        add(fetch(all_of(cond, base), order, fetch_size))

    # 1. Exact and prefix: one index range per reading (exact matches sort first in it).
    for form in full_forms:
        given = starts_with("given_norm", form.given, driving=False) if form.given else None
        run(all_of(starts_with("family_norm", form.family or ""), given))
    if count_within(prefix_kind) >= fetch_size:
        return
    # A single word that is exactly somebody's first name ("john").
    for form in given_only:
        run(equals("given_norm", form.given or ""), BY_GIVEN)
    if count_within(first_name_kind) >= fetch_size:
        return

    # 2. Sound-alikes: equality on the phonetic columns.
    for form in plain_forms:
        _phonetic_stage(form, run)
    if count_within(phonetic_kind) >= fetch_size:
        return

    # 3. Typos: names one or two edits away, found through the NameVariant index.
    typos = typo_candidates(w for f in forms if not f.joined for w in (f.family, f.given) if w)
    for form in plain_forms:
        _typo_stage(form, typos, run)
    if count_within(typo_kind) >= fetch_size:
        return

    # 4. A single word the first name starts with or nearly is: after every last-name match.
    for form in given_only:
        given = form.given or ""
        near = one_of("given_norm", typos[given]) if typos.get(given) else None
        run(any_of(starts_with("given_norm", given), near), BY_GIVEN)


def _phonetic_stage(form: NameForm, run: Callable[[Cond, str], None]) -> None:
    family = form.family or ""
    if len(family) < MIN_PHONETIC_LENGTH:
        return
    family_sound = equals("family_phonetic", names.phonetic(family))
    given = form.given or ""
    if not given:
        run(family_sound, BY_SOUND)
        return
    if len(given) >= MIN_PHONETIC_LENGTH:
        # Both names sound alike ("smyth jon" is John Smith): both columns of the index.
        run(all_of(family_sound, equals("given_phonetic", names.phonetic(given))), BY_SOUND)
    # The last name sounds alike and the first name is still being typed ("smyth da").
    run(all_of(family_sound, starts_with("given_norm", given, driving=False)), BY_SOUND)


def _typo_stage(
    form: NameForm, typos: dict[str, set[str]], run: Callable[[Cond, str], None]
) -> None:
    family_typos = typos.get(form.family or "", set())
    given_typos = typos.get(form.given or "", set()) if form.given else set()
    if family_typos:
        given_cond = None
        if form.given:
            given_cond = any_of(
                starts_with("given_norm", form.given, driving=False),
                equals("given_phonetic", names.phonetic(form.given), driving=False),
                one_of("given_norm", given_typos, driving=False) if given_typos else None,
            )
        run(all_of(one_of("family_norm", family_typos), given_cond), BY_NAME)
    if given_typos:  # "smith jhon"
        cond = all_of(
            starts_with("family_norm", form.family or ""),
            one_of("given_norm", given_typos, driving=False),
        )
        run(cond, BY_NAME)
