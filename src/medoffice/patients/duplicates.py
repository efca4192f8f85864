"""Records that may be the same person: a check before a new record is created, and a
worklist of existing pairs to merge or to mark as different people."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from medoffice.audit.services import audit_record_many
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.patients import names
from medoffice.patients.models import Coverage, DuplicateDismissal, Patient, PatientStatus
from medoffice.patients.search_index import is_typo_of
from medoffice.patients.search_query import normalize_member_id

# Reasons, strongest first; a pair's strength is the index of its strongest reason.
SAME_NAME_AND_DOB = "same name and date of birth"
SWAPPED_NAMES = "first and last names swapped, same date of birth"
SIMILAR_NAME_AND_DOB = "similar name and same date of birth"
SAME_MEMBER_ID = "same insurance member id"
SAME_NAME_NEAR_DOB = "same name, date of birth one digit or day/month apart"
SAME_PHONE_AND_DOB = "same phone number and date of birth"
SAME_PHONE_AND_FIRST_NAME = "same phone number and first name"
SAME_LAST_NAME_AND_DOB = "same last name and date of birth"
SAME_PHONE = "same phone number"
REASON_ORDER = (
    SAME_NAME_AND_DOB,
    SWAPPED_NAMES,
    SIMILAR_NAME_AND_DOB,
    SAME_MEMBER_ID,
    SAME_NAME_NEAR_DOB,
    SAME_PHONE_AND_DOB,
    SAME_PHONE_AND_FIRST_NAME,
    SAME_LAST_NAME_AND_DOB,
    SAME_PHONE,
)
# A date of birth shared by more records than this is a placeholder, not a clue.
COHORT_CAP = 500
CHECK_LIMIT = 20


@dataclass(frozen=True)
class PossibleDuplicate:
    patient: Patient
    reasons: tuple[str, ...]


def _strength(reasons: Iterable[str]) -> int:
    return min((REASON_ORDER.index(r) for r in reasons), default=len(REASON_ORDER))


def _sorted_reasons(reasons: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(reasons), key=REASON_ORDER.index))


def names_similar(word: str, norm: str, code: str) -> bool:
    """Same, sound-alike (Metaphone) or within a typo: how two spellings of one name differ."""
    return bool(word) and (
        word == norm or (bool(code) and code == names.phonetic(word)) or is_typo_of(word, norm)
    )


def dates_nearly_equal(a: date, b: date) -> bool:
    """One digit mistyped, or day and month swapped (03/04 for 04/03)."""
    if a == b:
        return False
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    return sum(1 for i, j in zip(x, y, strict=True) if i != j) == 1


def _reasons_for(
    patient: Patient,
    *,
    family: str,
    given: str,
    birth_date: date | None,
    digits: str,
    member_patient_ids: set[int],
) -> list[str]:
    reasons = []
    same_name = patient.family_norm == family and patient.given_norm == given
    if birth_date and patient.birth_date == birth_date:
        if same_name:
            reasons.append(SAME_NAME_AND_DOB)
        elif family and patient.family_norm == given and patient.given_norm == family:
            reasons.append(SWAPPED_NAMES)
        elif names_similar(family, patient.family_norm, patient.family_phonetic) and names_similar(
            given, patient.given_norm, patient.given_phonetic
        ):
            reasons.append(SIMILAR_NAME_AND_DOB)
        elif family and (
            patient.family_norm == family or patient.family_phonetic == names.phonetic(family)
        ):
            reasons.append(SAME_LAST_NAME_AND_DOB)
    if same_name and birth_date and dates_nearly_equal(patient.birth_date, birth_date):
        reasons.append(SAME_NAME_NEAR_DOB)
    if digits and patient.phone_digits == digits:
        if birth_date and patient.birth_date == birth_date:
            reasons.append(SAME_PHONE_AND_DOB)
        elif given and patient.given_phonetic == names.phonetic(given):
            reasons.append(SAME_PHONE_AND_FIRST_NAME)
        else:
            reasons.append(SAME_PHONE)
    if patient.pk in member_patient_ids:
        reasons.append(SAME_MEMBER_ID)
    return reasons


def possible_duplicates(
    *,
    family_name: str,
    given_name: str,
    birth_date: date | None,
    phone: str = "",
    exclude_id: int | None = None,
    member_id: str = "",
) -> list[PossibleDuplicate]:
    """Existing records that may be this person, strongest reasons first.

    Same name and date of birth; names swapped; a similar name (sound-alike or one typo) and
    the same date of birth; the same name with a date of birth one digit or day/month off; the
    same phone number; the same insurance member id. Merged records are never offered. One
    query on indexed columns (birth_date, name, phone_digits, member_id_norm).
    """
    family, given = names.fold(family_name), names.fold(given_name)
    digits = names.phone_digits(phone)
    member = normalize_member_id(member_id)
    cond = Q()
    if birth_date:
        cond |= Q(birth_date=birth_date)
    if family and given:
        cond |= Q(family_norm=family, given_norm=given)
    if len(digits) == 10:
        cond |= Q(phone_digits=digits)
    else:
        digits = ""
    member_patient_ids: set[int] = set()
    if member:
        member_patient_ids = set(
            Coverage.objects.filter(member_id_norm=member).values_list("patient_id", flat=True)[
                :COHORT_CAP
            ]
        )
        if member_patient_ids:
            cond |= Q(pk__in=member_patient_ids)
    if not cond:
        return []
    qs = Patient.objects.filter(cond).exclude(status=PatientStatus.MERGED).defer("ssn")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    found = []
    for patient in qs.order_by("family_norm", "given_norm", "id")[:COHORT_CAP]:
        reasons = _reasons_for(
            patient,
            family=family,
            given=given,
            birth_date=birth_date,
            digits=digits,
            member_patient_ids=member_patient_ids,
        )
        if reasons:
            found.append(PossibleDuplicate(patient, _sorted_reasons(reasons)))
    found.sort(key=lambda d: _strength(d.reasons))
    return found[:CHECK_LIMIT]


# --- The worklist of existing pairs ----------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    first: Patient  # the lower id: usually the older record
    second: Patient
    reasons: tuple[str, ...]

    @property
    def strength(self) -> int:
        return _strength(self.reasons)


def _pair_sql(join_on: str, where: str) -> str:
    """Pairs (a, b), a.id < b.id, of unmerged records, not dismissed, joined on an index."""
    patient = connection.ops.quote_name(Patient._meta.db_table)
    dismissal = connection.ops.quote_name(DuplicateDismissal._meta.db_table)
    # Only quoted table names and this module's constant conditions are interpolated.
    return (
        f"SELECT a.id, b.id FROM {patient} a JOIN {patient} b ON {join_on} AND b.id > a.id "  # noqa: S608
        f"WHERE a.status <> %s AND b.status <> %s AND ({where}) "
        f"AND NOT EXISTS (SELECT 1 FROM {dismissal} d "
        "WHERE d.patient_a_id = a.id AND d.patient_b_id = b.id) "
        "LIMIT %s"
    )


# Same date of birth (patient_dob_idx) and a sound-alike last name, or the names swapped.
_SAME_DOB = (
    "b.birth_date = a.birth_date",
    "b.family_phonetic = a.family_phonetic"
    " OR (b.family_norm = a.given_norm AND b.given_norm = a.family_norm)",
)
# Same phone (patient_phone_idx) and the same date of birth or a sound-alike first name:
# a phone alone is shared by whole families, so it is not enough on its own here.
_SAME_PHONE = (
    "b.phone_digits = a.phone_digits",
    "a.phone_digits <> '' AND (b.birth_date = a.birth_date OR b.given_phonetic = a.given_phonetic)",
)


def _pair_ids(rule: Sequence[str], limit: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(_pair_sql(*rule), [PatientStatus.MERGED, PatientStatus.MERGED, limit])
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


def _pair_reasons(a: Patient, b: Patient) -> list[str]:
    reasons = _reasons_for(
        b,
        family=a.family_norm,
        given=a.given_norm,
        birth_date=a.birth_date,
        digits=a.phone_digits,
        member_patient_ids=set(),
    )
    return reasons or [SAME_LAST_NAME_AND_DOB]


def duplicate_pairs(limit: int = 100) -> list[DuplicatePair]:
    """Pairs of unmerged records that look like one person, strongest first, then by name.

    Two indexed self-joins (same date of birth and sound-alike or swapped names; same phone
    and the same date of birth or first name), each stopping at `limit` pairs; pairs someone
    marked "not a duplicate" are left out. This returns PHI without auditing it: a page that
    shows the pairs records them with `audit_patients_shown`.
    """
    limit = max(1, int(limit))
    ids = list(dict.fromkeys(_pair_ids(_SAME_DOB, limit) + _pair_ids(_SAME_PHONE, limit)))
    wanted = {pid for pair in ids for pid in pair}
    patients = Patient.objects.select_related("home_location").defer("ssn").in_bulk(wanted)
    pairs = []
    for a_id, b_id in ids:
        a, b = patients.get(a_id), patients.get(b_id)
        if a is None or b is None:
            continue
        pairs.append(DuplicatePair(a, b, _sorted_reasons(_pair_reasons(a, b))))
    pairs.sort(key=lambda p: (p.strength, p.first.family_norm, p.first.given_norm, p.first.pk))
    return pairs[:limit]


def _ordered_pair(first_id: int, second_id: int) -> tuple[int, int]:
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)


def duplicate_dismiss(
    *, actor: Any, patient_ids: tuple[int, int], note: str = ""
) -> DuplicateDismissal:
    """Record that two records were reviewed and are different people (e.g. twins).

    Front desk only (demographics edit). Dismissing a pair twice keeps the first decision.
    """
    require_capability(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    a_id, b_id = _ordered_pair(*patient_ids)
    if a_id == b_id:
        raise ValidationError("Choose two different records.")
    for pid in (a_id, b_id):
        patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, pid)
    found = Patient.objects.filter(pk__in=(a_id, b_id)).count()
    if found != 2:
        raise ObjectDoesNotExist("No such patient.")
    try:
        with transaction.atomic():
            dismissal = DuplicateDismissal.objects.create(
                patient_a_id=a_id, patient_b_id=b_id, dismissed_by=actor, note=note.strip()[:300]
            )
            audit_record_many(
                {
                    "action": "create",
                    "actor": actor,
                    "object_type": "duplicate_dismissal",
                    "object_id": dismissal.pk,
                    "patient_id": pid,
                    "details": {"pair": [a_id, b_id]},
                }
                for pid in (a_id, b_id)
            )
    except IntegrityError:
        return DuplicateDismissal.objects.get(patient_a_id=a_id, patient_b_id=b_id)
    return dismissal
