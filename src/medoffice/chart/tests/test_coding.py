"""Diagnoses and procedures on an encounter: ICD-10-CM validation, ranks, pointers, roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.chart import services
from medoffice.chart.models import EncounterDiagnosis, EncounterProcedure
from medoffice.chart.tests.conftest import cast


def codes(encounter):
    return list(encounter.diagnoses.order_by("rank").values_list("code", flat=True))


def test_invalid_code_refused(encounter, biller):
    with pytest.raises(ValidationError, match="not an ICD-10-CM code"):
        services.diagnosis_add(actor=biller, encounter=encounter, code="Q99.999")
    assert not EncounterDiagnosis.objects.exists()


def test_category_code_is_not_billable(encounter, biller):
    with pytest.raises(ValidationError, match="category, not a billable code"):
        services.diagnosis_add(actor=biller, encounter=encounter, code="E11")
    assert not EncounterDiagnosis.objects.exists()


def test_billable_code_gets_description_and_flag(encounter, biller):
    dx = services.diagnosis_add(actor=biller, encounter=encounter, code="e119")
    assert (dx.code, dx.rank, dx.billable) == ("E11.9", 1, True)
    assert "Type 2 diabetes mellitus" in dx.description
    assert AuditEvent.objects.filter(object_type="diagnosis", action="create").count() == 1


def test_duplicate_code_refused(encounter, biller):
    services.diagnosis_add(actor=biller, encounter=encounter, code="I10")
    with pytest.raises(ValidationError, match="already"):
        services.diagnosis_add(actor=biller, encounter=encounter, code="I10")
    assert codes(encounter) == ["I10"]


def test_at_most_twelve(encounter, biller):
    for code in ["I10", "E11.9", "E78.5", "J02.9", "R05.9", "M54.50", "K21.9", "F41.1", "N39.0",
                 "R51.9", "Z00.00", "E66.9"]:  # fmt: skip
        services.diagnosis_add(actor=biller, encounter=encounter, code=code)
    with pytest.raises(ValidationError, match="at most 12"):
        services.diagnosis_add(actor=biller, encounter=encounter, code="R10.9")
    assert encounter.diagnoses.count() == 12


def test_insert_at_rank_and_make_primary_move_pointers(encounter, biller):
    services.diagnosis_add(actor=biller, encounter=encounter, code="I10")
    services.diagnosis_add(actor=biller, encounter=encounter, code="E11.9")
    proc = services.procedure_add(
        actor=biller, encounter=encounter, code="99213", pointers=[2, 1], modifiers=["25"]
    )
    services.diagnosis_add(actor=biller, encounter=encounter, code="E78.5", rank=1)
    assert codes(encounter) == ["E78.5", "I10", "E11.9"]
    proc.refresh_from_db()
    assert proc.diagnosis_pointers == [3, 2]  # still E11.9 then I10
    dx = encounter.diagnoses.get(code="E11.9")
    services.diagnosis_move(actor=biller, diagnosis=dx, rank=1)
    assert codes(encounter) == ["E11.9", "E78.5", "I10"]
    proc.refresh_from_db()
    assert proc.diagnosis_pointers == [1, 3]


def test_pointer_rules(encounter, biller):
    services.diagnosis_add(actor=biller, encounter=encounter, code="I10")
    for pointers, message in [([], "one to four"), ([2], "No diagnosis with rank 2"),
                              ([1, 1], "once"), ([1, 2, 3, 4, 5], "one to four")]:  # fmt: skip
        with pytest.raises(ValidationError, match=message):
            services.procedure_add(
                actor=biller, encounter=encounter, code="99213", pointers=pointers
            )
    with pytest.raises(ValidationError, match="modifiers"):
        services.procedure_add(
            actor=biller, encounter=encounter, code="99213", pointers=[1],
            modifiers=["25", "59", "LT", "RT", "XS"],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="not in the procedure code table"):
        services.procedure_add(actor=biller, encounter=encounter, code="99999", pointers=[1])
    assert not EncounterProcedure.objects.exists()
    proc = services.procedure_add(
        actor=biller, encounter=encounter, code="96372", units=2, modifiers="rt 59", pointers=[1]
    )
    assert proc.modifiers == ["RT", "59"] and proc.units == 2


def test_diagnosis_pointed_at_cannot_be_removed(encounter, biller):
    dx1 = services.diagnosis_add(actor=biller, encounter=encounter, code="I10")
    dx2 = services.diagnosis_add(actor=biller, encounter=encounter, code="E11.9")
    services.procedure_add(actor=biller, encounter=encounter, code="99213", pointers=[1])
    with pytest.raises(ValidationError, match="re-point"):
        services.diagnosis_remove(actor=biller, diagnosis=dx1)
    services.procedure_add(actor=biller, encounter=encounter, code="93000", pointers=[2])
    EncounterProcedure.objects.filter(code__code="93000").delete()
    services.diagnosis_remove(actor=biller, diagnosis=dx2)
    assert codes(encounter) == ["I10"]


def test_removal_closes_rank_gap(encounter, biller):
    services.diagnosis_add(actor=biller, encounter=encounter, code="I10")
    dx = services.diagnosis_add(actor=biller, encounter=encounter, code="E11.9")
    services.diagnosis_add(actor=biller, encounter=encounter, code="E78.5")
    proc = services.procedure_add(actor=biller, encounter=encounter, code="80061", pointers=[3])
    services.diagnosis_remove(actor=biller, diagnosis=dx)
    assert list(encounter.diagnoses.order_by("rank").values_list("code", "rank")) == [
        ("I10", 1), ("E78.5", 2)
    ]  # fmt: skip
    proc.refresh_from_db()
    assert proc.diagnosis_pointers == [2]


@pytest.mark.parametrize("role", ["nurse", "manager", "compliance", "frontdesk", "admin"])
def test_roles_without_coding_edit_change_nothing(encounter, role):
    actor = cast(role)
    with pytest.raises(PermissionDenied):
        services.diagnosis_add(actor=actor, encounter=encounter, code="I10")
    assert not EncounterDiagnosis.objects.exists()


@pytest.mark.parametrize("role", ["biller", "clinician"])
def test_coding_page_editors(encounter, as_role, role):
    _, client = as_role(role)
    base = f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/coding/"
    response = client.post(base + "diagnoses/", {"code": "E11"})
    assert response.status_code == 400
    assert "not a billable code" in response.content.decode()
    assert client.post(base + "diagnoses/", {"code": "E11.9"}).status_code == 302
    response = client.post(base + "procedures/", {"code": "99213", "units": 1, "pointers": "2"})
    assert response.status_code == 400 and "No diagnosis with rank 2" in response.content.decode()
    response = client.post(
        base + "procedures/", {"code": "99213", "units": 1, "pointers": "1", "modifiers": "25"}
    )
    assert response.status_code == 302
    assert encounter.procedures.get().modifiers == ["25"]


def test_biller_coding_page_shows_no_note_content(encounter, clinician, as_role):
    services.note_create(
        actor=clinician, encounter=encounter, data={"assessment": "SECRET-ASSESSMENT"}
    )
    services.diagnosis_add(actor=clinician, encounter=encounter, code="E11.9")
    _, client = as_role("biller")
    page = client.get(
        f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/coding/"
    ).content.decode()
    assert "E11.9" in page and "Excludes" in page
    assert "SECRET-ASSESSMENT" not in page
    # The encounter page (with notes) is the chart: billers are refused.
    response = client.get(f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(object_type="encounter_coding", action="view").count() == 1


@pytest.mark.parametrize("role", ["nurse", "manager", "compliance"])
def test_coding_page_read_only(encounter, as_role, role):
    _, client = as_role(role)
    base = f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/coding/"
    page = client.get(base)
    assert page.status_code == 200 and "Add diagnosis" not in page.content.decode()
    assert client.post(base + "diagnoses/", {"code": "E11.9"}).status_code == 403
    assert not EncounterDiagnosis.objects.exists()


def test_frontdesk_sees_no_coding(encounter, as_role):
    _, client = as_role("frontdesk")
    url = f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/coding/"
    assert client.get(url).status_code == 403


def test_code_lookups(encounter, as_role):
    _, client = as_role("biller")
    base = f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/coding/"
    html = client.get(base + "icd10-options/", {"code": "diabetes type 2 without"}).content
    assert b"E11.9" in html
    html = client.get(base + "icd10-options/", {"code": "E11"}).content
    assert b"category: not billable" in html and b'value="E11.9"' in html
    html = client.get(base + "procedure-options/", {"code": "spirometry"}).content
    assert b"94010" in html
