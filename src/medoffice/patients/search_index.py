"""The spelling index (NameVariant): typo-tolerant name search without scanning names.

Symmetric delete: every folded name is stored with each of its one-letter deletions. Two
names one edit apart (a letter added, dropped, changed, or two letters swapped) share at
least one of those forms, so "smtih" finds "smith" with an indexed equality look-up. Longer
query words also try their two-letter deletions, which reaches most two-edit misspellings.
Candidates are then confirmed with the Damerau-Levenshtein distance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import jellyfish
from django.db import connection, transaction

from medoffice.patients.models import NameVariant, Patient

# Words shorter than this are not typo-matched: at three letters, one edit away is half the
# phone book ("lee" -> "le", "lea", "leo", "bee"...).
MIN_TYPO_LENGTH = 4
# Up to this length a typo is one edit; longer names may have two.
ONE_EDIT_MAX_LENGTH = 6
MAX_TYPO_LENGTH = 30
BATCH_SIZE = 2000

Progress = Callable[[int, int], None]


def variants_of(folded_name: str) -> set[str]:
    """The name and every form of it with one letter deleted."""
    if not folded_name:
        return set()
    return {folded_name} | {folded_name[:i] + folded_name[i + 1 :] for i in range(len(folded_name))}


def query_variants(word: str) -> set[str]:
    """What to look up for a typed word: its one-letter deletions, and for long words also
    the two-letter ones."""
    first = variants_of(word)
    if len(word) <= ONE_EDIT_MAX_LENGTH:
        return first
    return first | {v for one in first if len(one) < len(word) for v in variants_of(one)}


def max_typo_distance(word: str) -> int:
    if len(word) < MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) <= ONE_EDIT_MAX_LENGTH else 2


def is_typo_of(word: str, name: str) -> bool:
    """True when `name` is a plausible misspelling of `word` (or the reverse)."""
    limit = max_typo_distance(word)
    if not limit or not name or abs(len(word) - len(name)) > limit:
        return False
    return jellyfish.damerau_levenshtein_distance(word, name) <= limit


def typo_candidates(words: Iterable[str]) -> dict[str, set[str]]:
    """For each word, the known names within a typo of it (not the word itself).

    One indexed query for all the words: variant IN (...), on the (variant, name) index.
    Plain SQL: it runs on every key stroke of the live search.
    """
    wanted = {
        w: query_variants(w)
        for w in set(words)
        if w and MIN_TYPO_LENGTH <= len(w) <= MAX_TYPO_LENGTH
    }
    if not wanted:
        return {}
    variants = sorted(set().union(*wanted.values()))
    table = connection.ops.quote_name(NameVariant._meta.db_table)
    marks = ", ".join(["%s"] * len(variants))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT variant, name FROM {table} WHERE variant IN ({marks})",  # noqa: S608
            variants,
        )
        pairs = cursor.fetchall()
    names_by_variant: dict[str, set[str]] = {}
    for variant, name in pairs:
        names_by_variant.setdefault(variant, set()).add(name)
    found: dict[str, set[str]] = {}
    for word, mine in wanted.items():
        candidates = set().union(*(names_by_variant.get(v, set()) for v in mine))
        confirmed = {n for n in candidates if n != word and is_typo_of(word, n)}
        if confirmed:
            found[word] = confirmed
    return found


def index_names(folded_names: Iterable[str]) -> int:
    """Add the variants of these names; rows already there are skipped. Returns rows offered."""
    rows = [NameVariant(variant=v, name=n) for n in set(folded_names) if n for v in variants_of(n)]
    NameVariant.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH_SIZE)
    return len(rows)


def all_patient_names() -> set[str]:
    """Every distinct folded first and last name on file (two index-only scans)."""
    family = Patient.objects.order_by().values_list("family_norm", flat=True).distinct()
    given = Patient.objects.order_by().values_list("given_norm", flat=True).distinct()
    return {n for n in (*family, *given) if n}


def index_all_patients(*, progress: Progress | None = None, rebuild: bool = False) -> int:
    """Bring the spelling index in step with every patient's names, for imports and the demo.

    Patients created with bulk_create skip the services' `index_names`; run this after them.
    With rebuild, names nobody has any more are dropped too (the index is emptied first,
    in the same transaction, so searches never see it half-built). Returns the names indexed.
    """
    names = sorted(all_patient_names())
    total = len(names)
    with transaction.atomic():
        if rebuild:
            NameVariant.objects.all().delete()
        done = 0
        step = max(1, BATCH_SIZE // 8)  # about BATCH_SIZE variant rows per round trip
        for start in range(0, total, step):
            chunk = names[start : start + step]
            index_names(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    if progress and not total:
        progress(0, 0)
    return total
