from datetime import date

import pytest
from django.core.exceptions import ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.core.sequences import luhn_valid
from medoffice.patients.models import Patient
from medoffice.patients.services import patient_register, patient_update
from medoffice.testing.personas import persona

BASE = {
    "family_name": "O'Brien-Núñez",
    "given_name": "Ana",
    "birth_date": date(1980, 3, 4),
    "sex_at_birth": "F",
}


def test_register_assigns_mrn_normalizes_and_audits(db):
    desk = persona("frontdesk")
    patient = patient_register(
        actor=desk, data={**BASE, "phone_mobile": "(518) 555-0142", "ssn": "123 45 6789"}
    )
    assert luhn_valid(patient.mrn) and len(patient.mrn) == 7
    assert patient.family_norm == "obriennunez" and patient.phone_digits == "5185550142"
    assert patient.ssn_masked == "***-**-6789"
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.ssn == "123-45-6789"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ssn FROM patients_patient WHERE id = %s", [patient.pk])
        assert "6789" not in cursor.fetchone()[0], "SSN is encrypted at rest"
    entry = AuditEvent.objects.get(action="create", object_type="patient")
    assert entry.patient_id == patient.pk and entry.patient_ref == patient.mrn
    second = patient_register(actor=desk, data={**BASE, "given_name": "Bo"})
    assert int(second.mrn[:-1]) == int(patient.mrn[:-1]) + 1


def test_register_rejects_bad_input_and_roles(db):
    with pytest.raises(ValidationError) as exc:
        patient_register(
            actor=persona("frontdesk"), data={**BASE, "birth_date": date(2999, 1, 1), "ssn": "12"}
        )
    assert "ssn" in exc.value.message_dict
    with pytest.raises(AccessDenied):
        patient_register(actor=persona("biller"), data=BASE)
    assert not Patient.objects.exists()


def test_update_records_changed_field_names(db):
    desk = persona("frontdesk")
    patient = patient_register(actor=desk, data=BASE)
    patient_update(actor=desk, patient=patient, data={"city": "Albany", "given_name": "Ana"})
    entry = AuditEvent.objects.filter(action="update").get()
    assert entry.details == {"fields": ["city"]}
