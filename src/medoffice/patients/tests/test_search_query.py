"""Reading the search box: a table of what people type and what it means."""

from datetime import date

import pytest

from medoffice.patients.search import prefix_upper_bound
from medoffice.patients.search_query import NameForm, normalize_member_id, parse_query

TODAY = date(2025, 6, 1)
MRN = "1000017"  # 100001 + its Luhn check digit


def test_the_sample_mrn_is_valid():
    from medoffice.core.sequences import luhn_valid

    assert luhn_valid(MRN) and not luhn_valid("1000016")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("smi", {"names": ("smi",), "forms": [("smi", None), (None, "smi")]}),
        ("Smith", {"names": ("smith",), "forms": [("smith", None), (None, "smith")]}),
        ("smith john", {"forms": [("smith", "john"), ("john", "smith")]}),
        ("john smith", {"forms": [("john", "smith"), ("smith", "john")]}),
        ("smith, jo", {"forms": [("smith", "jo")]}),
        ("Smith,John", {"forms": [("smith", "john")]}),
        (", john", {"forms": [(None, "john")]}),
        ("smith,", {"forms": [("smith", None)]}),
        ("O'Brien-Núñez ana", {"forms": [("obriennunez", "ana"), ("ana", "obriennunez")]}),
        ("1980-03-04", {"dates": (date(1980, 3, 4),), "forms": []}),
        ("03/04/1980", {"dates": (date(1980, 3, 4),)}),
        ("3/4/80", {"dates": (date(1980, 3, 4),)}),
        ("3/4/05", {"dates": (date(2005, 3, 4),)}),
        ("3-4-1980", {"dates": (date(1980, 3, 4),)}),
        ("03.04.1980", {"dates": (date(1980, 3, 4),)}),
        ("19800304", {"dates": (date(1980, 3, 4),), "members": ()}),
        ("03041980", {"dates": (date(1980, 3, 4),)}),
        (
            "smith 1980-03-04",
            {"forms": [("smith", None), (None, "smith")], "dates": (date(1980, 3, 4),)},
        ),
        ("smith 1980", {"year": 1980, "dates": ()}),
        ("2/30/1980", {"dates": (), "ignored": ("2/30/1980",), "empty": True}),
        ("1/1/2099", {"dates": (), "empty": True}),
        (MRN, {"mrns": (MRN,), "members": (MRN,)}),
        ("1000016", {"mrns": (), "members": ("1000016",)}),
        ("(518) 555-0142", {"phones": ("5185550142",), "members": (), "forms": []}),
        ("518-555-0142", {"phones": ("5185550142",)}),
        ("518.555.0142", {"phones": ("5185550142",)}),
        ("+1 518 555 0142", {"phones": ("5185550142",)}),
        ("5185550142", {"phones": ("5185550142",), "members": ("5185550142",)}),
        (
            "smith 518-555-0142",
            {"phones": ("5185550142",), "forms": [("smith", None), (None, "smith")]},
        ),
        ("XYZ-12345", {"members": ("XYZ12345",), "forms": []}),
        ("w123456789", {"members": ("W123456789",)}),
        ("12", {"members": (), "ignored": ("12",), "empty": True}),
        ("???", {"ignored": ("???",), "empty": True}),
        ("", {"empty": True}),
        ("   ", {"empty": True}),
    ],
)
def test_parse(typed, expected):
    parsed = parse_query(typed, today=TODAY)
    if "names" in expected:
        assert parsed.name_tokens == expected["names"]
    if "forms" in expected:
        assert [(f.family, f.given) for f in parsed.name_forms] == expected["forms"]
    for key, attr in [
        ("dates", "birth_dates"),
        ("mrns", "mrns"),
        ("phones", "phones"),
        ("members", "member_ids"),
        ("ignored", "ignored"),
    ]:
        if key in expected:
            assert getattr(parsed, attr) == expected[key], key
    if "year" in expected:
        assert parsed.birth_year == expected["year"]
    assert parsed.is_empty == expected.get("empty", False)


def test_longer_names_read_every_way_and_joined_readings_are_marked():
    forms = parse_query("de la cruz maria", today=TODAY).name_forms
    assert NameForm("delacruz", "maria", joined=True) in forms
    forms = parse_query("mary ann smith", today=TODAY).name_forms
    assert NameForm("smith", "maryann", joined=True) in forms
    # First and last with a middle word skipped are plain readings.
    forms = parse_query("john a smith", today=TODAY).name_forms
    assert NameForm("smith", "john") in forms


def test_understood_says_what_was_looked_for():
    parsed = parse_query(f"smith 3/4/80 {MRN} 518-555-0142 XYZ-12345", today=TODAY)
    assert parsed.understood() == [
        "name smith",
        "date of birth 03/04/1980",
        f"MRN {MRN}",
        "phone 518-555-0142",
        f"member id {MRN}",
        "member id XYZ12345",
    ]


@pytest.mark.parametrize(
    ("value", "normalized"),
    [("xyz-123 456", "XYZ123456"), ("W1234*5678", "W12345678"), ("", ""), (" 12 ", "12")],
)
def test_normalize_member_id(value, normalized):
    assert normalize_member_id(value) == normalized


@pytest.mark.parametrize(
    ("prefix", "upper"), [("smi", "smj"), ("smz", "sn"), ("az", "b"), ("zz", None), ("a", "b")]
)
def test_prefix_upper_bound(prefix, upper):
    assert prefix_upper_bound(prefix) == upper
