"""Age- and sex-specific ICD-10-CM codes: a small table of our own, by 3-character category.

A code in a range fits only patients of that sex, or of that age in whole years on the date of
service. The ranges compare category strings (O00 <= O9A: letters sort after digits), so
"O00-O9A" covers every pregnancy chapter category. Not exhaustive: the common edits a payer
applies to an office practice.
"""

from __future__ import annotations

from dataclasses import dataclass

from medoffice.coding.icd10 import normalize


@dataclass(frozen=True)
class AgeSexEdit:
    first: str  # 3-character category, inclusive
    last: str
    what: str  # plain words for the biller
    sex: str = ""  # "F" or "M" when only that sex fits
    min_age: int | None = None  # in whole years, inclusive
    max_age: int | None = None

    def covers(self, code: str) -> bool:
        category = normalize(code).replace(".", "")[:3]
        return self.first <= category <= self.last


EDITS: tuple[AgeSexEdit, ...] = (
    AgeSexEdit("O00", "O9A", "pregnancy, childbirth and the puerperium", "F", 12, 55),
    AgeSexEdit("Z33", "Z34", "pregnancy and its supervision", "F", 12, 55),
    AgeSexEdit("Z3A", "Z3A", "weeks of gestation", "F", 12, 55),
    AgeSexEdit("P00", "P96", "conditions of the perinatal period", max_age=0),
    AgeSexEdit("Z38", "Z38", "liveborn infants by place of birth", max_age=0),
    AgeSexEdit("N40", "N42", "prostate disorders", "M"),
    AgeSexEdit("C61", "C61", "prostate cancer", "M"),
    AgeSexEdit("C60", "C60", "cancer of the penis", "M"),
    AgeSexEdit("C62", "C63", "cancer of male genital organs", "M"),
    AgeSexEdit("N43", "N53", "male genital organ disorders", "M"),
    AgeSexEdit("C51", "C58", "cancer of female genital organs", "F"),
    AgeSexEdit("D06", "D06", "carcinoma in situ of the cervix", "F"),
    AgeSexEdit("N70", "N98", "female pelvic and genital disorders", "F"),
)

SEX_WORDS = {"F": "female", "M": "male"}


def edit_for(code: str) -> AgeSexEdit | None:
    return next((edit for edit in EDITS if edit.covers(code)), None)


def age_problem(code: str, age: int) -> str:
    """Why the code does not fit a patient of this age, or "" when it does."""
    edit = edit_for(code)
    if edit is None:
        return ""
    if edit.min_age is not None and age < edit.min_age:
        return f"{normalize(code)} ({edit.what}) is for patients aged {edit.min_age} or older"
    if edit.max_age is not None and age > edit.max_age:
        if edit.max_age == 0:
            return f"{normalize(code)} ({edit.what}) is for infants under 1 year"
        return f"{normalize(code)} ({edit.what}) is for patients aged {edit.max_age} or younger"
    return ""


def sex_problem(code: str, sex: str) -> str:
    """Why the code does not fit a patient of this sex ("F", "M", "U"), or "" when it does.
    An unknown sex is not refused: the payer decides."""
    edit = edit_for(code)
    if edit is None or not edit.sex or sex not in SEX_WORDS or sex == edit.sex:
        return ""
    return f"{normalize(code)} ({edit.what}) is for {SEX_WORDS[edit.sex]} patients only"
