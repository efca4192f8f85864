"""The starter billing tables: loaded by a migration, consistent with the starter codes."""

from __future__ import annotations

import simple_icd_10_cm as cm

from medoffice.coding.icd10 import normalize
from medoffice.coding.models import (
    AdjustmentReason,
    CodePairEdit,
    MedicallyUnlikelyEdit,
    Modifier,
    PlaceOfService,
    ProcedureCode,
    ProcedureDiagnosisRule,
    RemarkCode,
)
from medoffice.coding.starter import load_starter_tables

MODIFIERS = set(
    [
        "25",
        "59",
        "XE",
        "XS",
        "XP",
        "XU",
        "26",
        "TC",
        "50",
        "LT",
        "RT",
        "76",
        "77",
        "91",
        "95",
        "GT",
        "GA",
        "GY",
        "GZ",
        "KX",
        "24",
        "57",
    ]
)
PLACES = set(
    ["02", "10", "11", "12", "19", "20", "21", "22", "23", "31", "32", "49", "50", "71", "72", "81"]
)
CARCS = [
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "11",
    "15",
    "16",
    "18",
    "22",
    "23",
    "26",
    "27",
    "29",
    "31",
    "45",
    "50",
    "96",
    "97",
    "109",
    "119",
    "129",
    "140",
    "146",
    "151",
    "167",
    "170",
    "181",
    "182",
    "185",
    "197",
    "204",
    "236",
    "242",
    "252",
    "253",
    "288",
]
RARCS = (
    "M15 M20 M51 M76 M77 MA04 MA130 N4 N20 N56 N115 N130 N290 N362 N386 N425 N432 N479 N517 N522"
)


def test_the_starter_sets_are_loaded(db):
    assert set(MODIFIERS) <= set(Modifier.objects.values_list("code", flat=True))
    assert set(PLACES) <= set(PlaceOfService.objects.values_list("code", flat=True))
    assert set(CARCS) <= set(AdjustmentReason.objects.values_list("code", flat=True))
    assert set(RARCS.split(" ")) <= set(RemarkCode.objects.values_list("code", flat=True))
    assert Modifier.objects.get(code="25").source == "starter"


def test_demo_edits_name_only_starter_procedure_codes(db):
    known = set(ProcedureCode.objects.values_list("code", flat=True))
    used = set(MedicallyUnlikelyEdit.objects.values_list("code", flat=True))
    used |= set(ProcedureDiagnosisRule.objects.values_list("procedure_code", flat=True))
    for column1, column2 in CodePairEdit.objects.values_list("column1", "column2"):
        used |= {column1, column2}
    assert used and used <= known, sorted(used - known)


def test_diagnosis_prefixes_are_icd10cm_codes_or_categories(db):
    prefixes = set(ProcedureDiagnosisRule.objects.values_list("diagnosis_prefix", flat=True))
    assert len(prefixes) > 50
    bad = [p for p in prefixes if not cm.is_valid_item(normalize(p))]
    assert not bad


def test_loading_again_changes_nothing(db):
    result = load_starter_tables()
    assert (result.created, result.updated) == (0, 0) and result.unchanged > 200
