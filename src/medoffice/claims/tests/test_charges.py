"""Charge capture: from signed encounters only, pointers into billable diagnoses, units, fees,
places of service, who may capture; a refusal changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.chart.models import EncounterType
from medoffice.claims.models import AmountSource, ChargeLine, ChargeStatus
from medoffice.claims.services import ChargeInput, charge_update, charge_void, charges_capture
from medoffice.claims.tests.conftest import DOS, add_coverage, cast, make_encounter, visit_lines

D = Decimal


def test_capture_prices_from_the_payers_schedule(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    lines = charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    visit, draw = lines
    assert visit.billed_amount == D("150.00") and visit.expected_amount == D("95.00")
    assert visit.amount_source == AmountSource.FEE_SCHEDULE
    assert visit.diagnosis_codes == ["E11.9", "I10"] and visit.modifiers == ["25"]
    assert visit.place_of_service == "11" and visit.date_of_service == DOS
    assert visit.rendering_provider == office["provider"]
    assert (visit.billing_npi, visit.billing_tax_id) == ("1234567893", "141234567")
    assert draw.billed_amount == D("18.00") and draw.amount_source == AmountSource.ENTERED
    assert all(c.status == ChargeStatus.OPEN for c in lines)
    entry = AuditEvent.objects.get(object_type="charge", action="create")
    assert entry.patient_id == patient.pk and entry.details["codes"] == ["99213", "36415"]


def test_self_pay_schedule_and_units(office, patient, encounter, biller):
    (line,) = charges_capture(
        encounter=encounter,
        lines=[ChargeInput(procedure_code="99213", diagnosis_pointers=[1], units=2)],
        actor=biller,
    )
    assert line.billed_amount == D("240.00") and line.expected_amount == D("190.00")


def test_override_keeps_the_expected_amount(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    (line,) = charges_capture(
        encounter=encounter,
        lines=[ChargeInput(procedure_code="99213", diagnosis_pointers=[1], billed_amount="175")],
        actor=biller,
    )
    assert line.billed_amount == D("175.00") and line.expected_amount == D("95.00")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[4]), "pointer 4 names no diagnosis"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[]), "at least one"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1, 1]), "each diagnosis pointer once"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1, 2, 3, 4, 5]), "at most four"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[3]), "E11 is not a billable"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], units=0), "at least 1"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], units="x"), "whole number"),
        (ChargeInput(procedure_code="99999", diagnosis_pointers=[1]), "not in the procedure code"),
        (ChargeInput(procedure_code="36415", diagnosis_pointers=[1]), "enter the amount"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], billed_amount="-5"), "more than zero"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], billed_amount="1.005"), "two decimal"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], modifiers=["2"]), "not a modifier"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], place_of_service="10"), "telehealth"),
        (ChargeInput(procedure_code="99213", diagnosis_pointers=[1], place_of_service="1A"), "two digits"),
    ],
)  # fmt: skip
def test_bad_lines_are_refused_and_nothing_is_saved(office, encounter, biller, line, message):
    good = ChargeInput(procedure_code="99213", diagnosis_pointers=[1])
    with pytest.raises(ValidationError) as exc:
        charges_capture(encounter=encounter, lines=[good, line], actor=biller)
    assert message in " ".join(exc.value.messages)
    assert "Line 2" in " ".join(exc.value.messages)
    assert not ChargeLine.objects.exists()


def test_unsigned_encounter_is_refused(office, patient, biller):
    draft_only = make_encounter(office, patient, signed=False)
    with pytest.raises(ValidationError, match="no signed note"):
        charges_capture(encounter=draft_only, lines=visit_lines(), actor=biller)
    assert not ChargeLine.objects.exists()


def test_telehealth_defaults_to_home_and_accepts_02(office, patient, biller):
    visit = make_encounter(office, patient, type=EncounterType.TELEHEALTH)
    home, facility = charges_capture(
        encounter=visit,
        lines=[
            ChargeInput(procedure_code="99213", diagnosis_pointers=[1]),
            ChargeInput(procedure_code="99213", diagnosis_pointers=[2], place_of_service="02"),
        ],
        actor=biller,
    )
    assert (home.place_of_service, facility.place_of_service) == ("10", "02")
    with pytest.raises(ValidationError, match="02 or 10"):
        charges_capture(
            encounter=visit,
            lines=[
                ChargeInput(procedure_code="99213", diagnosis_pointers=[1], place_of_service="11")
            ],
            actor=biller,
        )


def test_location_place_of_service_is_the_default(office, patient, encounter, biller):
    office["location"].place_of_service = "22"
    office["location"].save()
    (line,) = charges_capture(encounter=encounter, lines=[ChargeInput("99213", [1])], actor=biller)
    assert line.place_of_service == "22"


def test_practice_without_npi_is_refused(office, encounter, biller):
    office["practice"].group_npi = ""
    office["practice"].save()
    with pytest.raises(ValidationError, match="billing NPI"):
        charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)


@pytest.mark.parametrize(
    "role", ["frontdesk", "nurse", "hr", "purchasing", "manager", "compliance"]
)
def test_roles_without_billing_edit_are_refused(office, encounter, role):
    with pytest.raises(PermissionDenied):
        charges_capture(encounter=encounter, lines=visit_lines(), actor=cast(role))
    assert not ChargeLine.objects.exists()
    assert AuditEvent.objects.filter(action="permission_denied").exists()


def test_a_clinician_captures_only_on_their_own_encounters(office, patient):
    mine = make_encounter(office, patient)
    theirs = make_encounter(office, patient, provider=office["other"])
    assert charges_capture(encounter=mine, lines=visit_lines(), actor=office["clinician"])
    with pytest.raises(PermissionDenied):
        charges_capture(encounter=theirs, lines=visit_lines(), actor=office["clinician"])
    assert not ChargeLine.objects.filter(encounter=theirs).exists()


def test_update_reprices_and_void_needs_a_reason(office, patient, encounter, biller):
    (line,) = charges_capture(encounter=encounter, lines=[ChargeInput("99213", [1])], actor=biller)
    line = charge_update(charge=line, changes={"units": 3, "diagnosis_pointers": [2]}, actor=biller)
    assert line.billed_amount == D("360.00") and line.diagnosis_codes == ["I10"]
    with pytest.raises(ValidationError):
        charge_update(charge=line, changes={"units": 0}, actor=biller)
    with pytest.raises(ValidationError):
        charge_update(charge=line, changes={"patient": 1}, actor=biller)
    assert ChargeLine.objects.get(pk=line.pk).units == 3
    with pytest.raises(ValidationError, match="why"):
        charge_void(charge=line, reason="", actor=biller)
    line = charge_void(charge=line, reason="Entered twice", actor=biller)
    assert line.status == ChargeStatus.VOID and line.voided_by == biller
    with pytest.raises(ValidationError, match="not yet billed"):
        charge_update(charge=line, changes={"units": 1}, actor=biller)
