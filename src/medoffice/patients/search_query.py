"""Reading what someone typed in the patient search box.

One box takes names ("smith", "smith john", "john smith", "smith, jo"), dates of birth
("1980-03-04", "03/04/1980", "3/4/80"), a year of birth ("1980"), an MRN (seven digits with a
Luhn check digit), a phone number in any format and an insurance member id, in any mix:
"smith 1980-03-04". Parsing is pure (no database) so it can be tested as a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from medoffice.core.sequences import luhn_valid
from medoffice.patients import names

MAX_QUERY_LENGTH = 200
MAX_NAME_TOKENS = 4
MIN_MEMBER_ID_LENGTH = 4
EARLIEST_BIRTH_YEAR = 1890

# A US phone number however it is typed: 518-555-0142, (518) 555 0142, +1 518.555.0142,
# 5185550142. It must stand alone, so a member id or a date that contains digits is not cut.
_PHONE = re.compile(
    r"(?<![\w/.\-])(?:\+?1[\s.\-]?)?(?:\(\d{3}\)|\d{3})[\s.\-]?\d{3}[\s.\-]?\d{4}(?![\w/.\-])"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")


def normalize_member_id(value: str) -> str:
    """The form of an insurance member id that search compares: upper case, letters and digits
    only ("xyz-123 456" -> "XYZ123456"). Coverage.member_id_norm holds this; it is the
    registry's `names.member_id_key`, so the two can never disagree."""
    return names.member_id_key(value)


@dataclass(frozen=True)
class NameForm:
    """One reading of the name words: which part is the last name, which the first.

    "john smith" is read both as (family "john", given "smith") and the other way round;
    a single word is a last name, or (ranked lower) a first name (family None).
    """

    family: str | None
    given: str | None
    # Built by joining several typed words ("de la cruz" -> "delacruz"): only prefix-matched,
    # so a long query stays a handful of queries.
    joined: bool = False

    def __str__(self) -> str:
        if self.family is None:
            return f"first name {self.given}"
        return f"{self.family}, {self.given}" if self.given else self.family


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    name_tokens: tuple[str, ...] = ()
    name_forms: tuple[NameForm, ...] = ()
    birth_dates: tuple[date, ...] = ()
    birth_year: int | None = None
    mrns: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    member_ids: tuple[str, ...] = ()
    ignored: tuple[str, ...] = field(default=())

    @property
    def has_identifiers(self) -> bool:
        return bool(self.mrns or self.phones or self.member_ids)

    @property
    def is_empty(self) -> bool:
        return not (self.name_forms or self.birth_dates or self.birth_year or self.has_identifiers)

    def understood(self) -> list[str]:
        """What the search looked for, in words, for the page and the API."""
        parts = []
        if self.name_tokens:
            parts.append("name " + " ".join(self.name_tokens))
        parts += [f"date of birth {d:%m/%d/%Y}" for d in self.birth_dates]
        if self.birth_year:
            parts.append(f"born in {self.birth_year}")
        parts += [f"MRN {m}" for m in self.mrns]
        parts += [f"phone {p[:3]}-{p[3:6]}-{p[6:]}" for p in self.phones]
        parts += [f"member id {m}" for m in self.member_ids]
        return parts


def _century(two_digits: int, today: date) -> int:
    # "3/4/80" is 1980, "3/4/05" is 2005: a birth date is never in the future.
    year = 2000 + two_digits
    return year if year <= today.year else year - 100


def _valid_birth_date(year: int, month: int, day: int, today: date) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if year >= EARLIEST_BIRTH_YEAR and value <= today else None


def parse_date(token: str, today: date | None = None) -> date | None:
    """A date of birth typed as 1980-03-04, 03/04/1980, 3/4/80, 3-4-1980 or 03.04.1980
    (month first, the US order), or as eight digits 19800304 / 03041980."""
    today = today or date.today()
    if m := _ISO_DATE.match(token):
        return _valid_birth_date(int(m[1]), int(m[2]), int(m[3]), today)
    if m := _US_DATE.match(token):
        year = int(m[3]) if len(m[3]) == 4 else _century(int(m[3]), today)
        return _valid_birth_date(year, int(m[1]), int(m[2]), today)
    if token.isdigit() and len(token) == 8:
        return _valid_birth_date(
            int(token[:4]), int(token[4:6]), int(token[6:]), today
        ) or _valid_birth_date(int(token[4:]), int(token[:2]), int(token[2:4]), today)
    return None


def _name_forms(family_words: list[str], given_words: list[str] | None) -> list[NameForm]:
    """Every reasonable reading of the name words.

    With a comma the user told us: family before it, given after. Without one, the words are
    split into two runs either way round ("mary ann smith" -> given "maryann", family "smith";
    "de la cruz maria" -> family "delacruz"), plus first-and-last with a middle word skipped.
    """
    if given_words is not None:
        family = "".join(family_words) or None
        given = "".join(given_words) or None
        if family is None and given is None:
            return []
        return [NameForm(family, given)]
    words = family_words
    if not words:
        return []
    if len(words) == 1:
        return [NameForm(words[0], None), NameForm(None, words[0])]
    forms: list[NameForm] = []
    if len(words) >= 3:
        forms += [NameForm(words[-1], words[0]), NameForm(words[0], words[1])]
    for k in range(1, len(words)):
        first, rest = "".join(words[:k]), "".join(words[k:])
        joined = len(words) > 2
        forms += [NameForm(first, rest, joined), NameForm(rest, first, joined)]
    unique: dict[tuple[str | None, str | None], NameForm] = {}
    for form in forms:
        unique.setdefault((form.family, form.given), form)
    return list(unique.values())


def parse_query(text: str, today: date | None = None) -> ParsedQuery:
    today = today or date.today()
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    phones: list[str] = []
    member_ids: list[str] = []

    def take_phone(match: re.Match[str]) -> str:
        digits = names.phone_digits(match[0])
        phones.append(digits)
        if match[0].isdigit():
            member_ids.append(digits)  # ten bare digits may be a member id too
        return " "

    rest = _PHONE.sub(take_phone, text)
    family_part, comma, given_part = rest.partition(",")
    dates: list[date] = []
    year: int | None = None
    mrns: list[str] = []
    ignored: list[str] = []
    family_words: list[str] = []
    given_words: list[str] = []

    for part, words in ((family_part, family_words), (given_part, given_words)):
        for token in part.split():
            token = token.strip(",;")
            if not token:
                continue
            compact = token.replace("-", "").replace("*", "")
            if (day := parse_date(token, today)) is not None:
                dates.append(day)  # never also a member id: "smith 19800304" means a birthday
            elif token.isdigit() and len(token) == 4 and int(token) >= EARLIEST_BIRTH_YEAR:
                if int(token) <= today.year:
                    year = int(token)
                else:
                    member_ids.append(token)
            elif token.isdigit() and len(token) == 7 and luhn_valid(token):
                mrns.append(token)
                member_ids.append(token)
            elif any(ch.isdigit() for ch in token):
                member = normalize_member_id(token)
                if len(member) >= MIN_MEMBER_ID_LENGTH and compact.isalnum():
                    member_ids.append(member)
                else:
                    ignored.append(token)
            elif folded := names.fold(token):
                words.append(folded)
            else:
                ignored.append(token)

    family_words = family_words[:MAX_NAME_TOKENS]
    given_words = given_words[:MAX_NAME_TOKENS]
    forms = _name_forms(family_words, given_words if comma else None)
    return ParsedQuery(
        text=text,
        name_tokens=tuple(family_words + given_words),
        name_forms=tuple(forms),
        birth_dates=tuple(dict.fromkeys(dates)),
        birth_year=None if dates else year,
        mrns=tuple(dict.fromkeys(mrns)),
        phones=tuple(dict.fromkeys(phones)),
        member_ids=tuple(dict.fromkeys(member_ids)),
        ignored=tuple(ignored),
    )
