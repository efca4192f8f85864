"""Finding records that may be the same person, before a new one is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from medoffice.patients import names
from medoffice.patients.models import Patient


@dataclass(frozen=True)
class PossibleDuplicate:
    patient: Patient
    reasons: tuple[str, ...]


def possible_duplicates(
    *,
    family_name: str,
    given_name: str,
    birth_date: date | None,
    phone: str = "",
    exclude_id: int | None = None,
) -> list[PossibleDuplicate]:
    """Existing patients sharing name and date of birth, a sound-alike name and date of birth,
    or a phone number."""
    family, given = names.fold(family_name), names.fold(given_name)
    family_ph, given_ph = names.phonetic(family_name), names.phonetic(given_name)
    digits = names.phone_digits(phone)
    cond = Q()
    if birth_date:
        cond |= Q(birth_date=birth_date, family_norm=family) | Q(
            birth_date=birth_date, family_phonetic=family_ph
        )
    if len(digits) == 10:
        cond |= Q(phone_digits=digits)
    if not cond:
        return []
    qs = Patient.objects.filter(cond).exclude(status="merged")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    found = []
    for patient in qs[:20]:
        reasons = []
        if birth_date and patient.birth_date == birth_date:
            if patient.family_norm == family and patient.given_norm == given:
                reasons.append("same name and date of birth")
            elif patient.family_phonetic == family_ph and patient.given_phonetic == given_ph:
                reasons.append("similar name and same date of birth")
            elif patient.family_norm == family or patient.family_phonetic == family_ph:
                reasons.append("same last name and date of birth")
        if digits and patient.phone_digits == digits:
            reasons.append("same phone number")
        if reasons:
            found.append(PossibleDuplicate(patient, tuple(reasons)))
    return found
