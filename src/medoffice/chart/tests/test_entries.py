"""Vitals (units, ranges, BMI), lab flags, allergies (not recorded vs none known), problems."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.chart import services
from medoffice.chart.measurements import abnormal_flag, bmi, to_canonical
from medoffice.chart.models import Allergy, LabResult, VitalSign
from medoffice.chart.selectors import allergy_list
from medoffice.chart.tests.conftest import TZ, cast

WHEN = datetime(2026, 3, 2, 9, 40, tzinfo=TZ)


def test_vitals_set_with_bmi(patient, nurse):
    signs = services.vitals_record(
        actor=nurse, patient_id=patient.pk, taken_at=WHEN,
        values={"height": (D("170"), "cm"), "weight": (D("72.25"), "kg"),
                "sbp": (D("128"), ""), "dbp": (D("82"), ""), "temp": (D("98.6"), "[degF]")},
    )  # fmt: skip
    got = {s.kind: (s.value, s.unit) for s in signs}
    assert got["bmi"] == (D("25.0"), "kg/m2")
    assert got["temp"] == (D("37.0"), "Cel")
    assert VitalSign.objects.filter(patient=patient).count() == 6


def test_bmi_from_last_height_when_only_weight(patient, nurse):
    services.vitals_record(
        actor=nurse, patient_id=patient.pk, taken_at=WHEN - timedelta(days=30),
        values={"height": (D("69"), "in")},
    )  # fmt: skip
    signs = services.vitals_record(
        actor=nurse, patient_id=patient.pk, taken_at=WHEN, values={"weight": (D("160"), "lb")}
    )
    got = {s.kind: s.value for s in signs}
    assert got["weight"] == D("72.57")
    assert got["bmi"] == bmi(D("175.3"), D("72.57"))


@pytest.mark.parametrize(
    "values, field",
    [
        ({"hr": (D("400"), "")}, "hr"),  # out of the sane range
        ({"spo2": (D("101"), "%")}, "spo2"),
        ({"temp": (D("37"), "kg")}, "temp"),  # wrong unit
        ({"weight": (D("-3"), "kg")}, "weight"),
        ({"sbp": (D("80"), ""), "dbp": (D("90"), "")}, "dbp"),  # diastolic above systolic
        ({"bmi": (D("22"), "kg/m2")}, "bmi"),  # computed, not typed
    ],
)
def test_vitals_refused_and_nothing_saved(patient, nurse, values, field):
    with pytest.raises(ValidationError) as exc:
        services.vitals_record(actor=nurse, patient_id=patient.pk, taken_at=WHEN, values=values)
    assert field in exc.value.message_dict
    assert not VitalSign.objects.exists()


def test_units_conversion():
    assert to_canonical("height", D("70"), "in") == (D("177.8"), "cm")
    assert to_canonical("temp", D("212"), "degF") == (D("100.0"), "Cel")
    with pytest.raises(ValueError):
        to_canonical("hr", D("70"), "kg")


@pytest.mark.parametrize(
    "value, low, high, flag",
    [
        ("5.0", "3.5", "5.5", "N"),
        ("3.0", "3.5", "5.5", "L"),
        ("1.7", "3.5", "5.5", "LL"),
        ("6.0", "3.5", "5.5", "H"),
        ("11.0", "3.5", "5.5", "HH"),
        ("0", "0", "5", "N"),
        ("12", None, "5.6", "HH"),
        ("0.1", "0", None, "N"),
    ],
)
def test_abnormal_flag(value, low, high, flag):
    to_d = lambda v: None if v is None else D(v)  # noqa: E731
    assert abnormal_flag(D(value), to_d(low), to_d(high)) == flag


def test_lab_result_flag_computed_or_set_by_hand(patient, clinician):
    base = {"test_name": "Potassium", "unit": "mmol/L", "collected_at": WHEN}
    lab = services.lab_result_save(
        actor=clinician, patient_id=patient.pk,
        data={**base, "value": "6.1", "reference_low": D("3.5"), "reference_high": D("5.1"),
              "flag": "N"},
    )  # fmt: skip
    assert lab.flag == "H" and lab.value_numeric == D("6.1")
    text = services.lab_result_save(
        actor=clinician, patient_id=patient.pk,
        data={**base, "test_name": "Urine culture", "value": "positive", "flag": "A"},
    )  # fmt: skip
    assert text.flag == "A" and text.value_numeric is None
    with pytest.raises(ValidationError):
        services.lab_result_save(
            actor=clinician, patient_id=patient.pk,
            data={**base, "value": "5", "reference_low": D("6"), "reference_high": D("2")},
        )  # fmt: skip
    assert LabResult.objects.count() == 2


def test_allergy_states(patient, nurse):
    assert allergy_list(patient.pk).state == "not_recorded"
    services.allergies_none_known(actor=nurse, patient_id=patient.pk)
    assert allergy_list(patient.pk).state == "none_known"
    services.allergy_save(
        actor=nurse, patient_id=patient.pk,
        data={"substance": "Penicillin", "reaction": "Hives", "severity": "severe", "status": "active"},
    )  # fmt: skip
    state = allergy_list(patient.pk)
    assert state.state == "listed" and [a.substance for a in state.items] == ["Penicillin"]
    with pytest.raises(ValidationError):
        services.allergies_none_known(actor=nurse, patient_id=patient.pk)
    assert Allergy.objects.filter(status="active").count() == 1


def test_problem_icd10_validated(patient, clinician):
    problem = services.problem_save(
        actor=clinician, patient_id=patient.pk,
        data={"code_system": "ICD-10-CM", "code": "i10", "description": "", "status": "active"},
    )  # fmt: skip
    assert problem.code == "I10" and problem.description.startswith("Essential")
    with pytest.raises(ValidationError):
        services.problem_save(
            actor=clinician, patient_id=patient.pk,
            data={"code_system": "ICD-10-CM", "code": "XYZ", "description": "", "status": "active"},
        )  # fmt: skip


@pytest.mark.parametrize("role", ["biller", "manager", "frontdesk", "compliance", "admin"])
def test_non_chart_roles_cannot_enter_anything(patient, role):
    actor = cast(role)
    with pytest.raises(PermissionDenied):
        services.vitals_record(
            actor=actor, patient_id=patient.pk, taken_at=WHEN, values={"hr": (D("70"), "")}
        )
    with pytest.raises(PermissionDenied):
        services.allergies_none_known(actor=actor, patient_id=patient.pk)
    assert not VitalSign.objects.exists() and not Allergy.objects.exists()


def test_vitals_form_page(patient, as_role):
    _, client = as_role("nurse")
    url = f"/chart/patients/{patient.pk}/vitals/new/"
    form = {"taken_at": "2026-03-02T09:40", "height_unit": "cm", "weight_unit": "lb",
            "temp_unit": "Cel", "height": "165", "weight": "150", "hr": "300"}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 400 and "between" in response.content.decode()
    assert not VitalSign.objects.exists()
    response = client.post(url, {**form, "hr": "72"})
    assert response.status_code == 302
    assert VitalSign.objects.filter(kind="bmi").get().value == D("25.0")


def test_entry_pages(patient, as_role):
    _, client = as_role("nurse")
    base = f"/chart/patients/{patient.pk}"
    assert client.post(f"{base}/medications/new/", {"name": "Metformin", "dose": "500 mg",
                       "route": "by mouth", "frequency": "twice daily", "status": "active"}
                       ).status_code == 302  # fmt: skip
    response = client.post(f"{base}/immunizations/new/", {"vaccine": "Flu", "cvx": "abc",
                           "administered_on": "2025-10-01", "status": "completed"})  # fmt: skip
    assert response.status_code == 400
    assert client.post(f"{base}/allergies/none-known/").status_code == 302
    page = client.get(f"{base}/").content.decode()
    assert "Metformin" in page and "No known allergies" in page
