"""The age- and sex-specific ICD-10-CM table."""

from __future__ import annotations

import pytest

from medoffice.coding.age_sex import age_problem, edit_for, sex_problem


@pytest.mark.parametrize(
    "code, sex, problem",
    [
        ("O80", "M", "is for female patients only"),
        ("O9A.111", "M", "is for female patients only"),
        ("Z3A.20", "M", "weeks of gestation"),
        ("N40.0", "F", "is for male patients only"),
        ("C61", "F", "prostate cancer"),
        ("C53.9", "M", "is for female patients only"),
        ("O80", "F", ""),
        ("N40.0", "M", ""),
        ("N40.0", "U", ""),
        ("E11.9", "M", ""),
    ],
)
def test_sex(code, sex, problem):
    found = sex_problem(code, sex)
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(
    "code, age, problem",
    [
        ("O80", 9, "aged 12 or older"),
        ("O80", 60, "aged 55 or younger"),
        ("O80", 30, ""),
        ("P07.30", 0, ""),
        ("P07.30", 2, "infants under 1 year"),
        ("E11.9", 2, ""),
    ],
)
def test_age(code, age, problem):
    found = age_problem(code, age)
    assert (problem in found) if problem else found == ""


def test_ranges_cover_whole_categories():
    assert edit_for("O99.89").first == "O00"
    assert edit_for("P96.9") is not None and edit_for("P97") is None
    assert edit_for("N43.3").sex == "M" and edit_for("N39.0") is None
