"""Merging a duplicate into the record that stays: everything moves, collisions, idempotency,
permissions, audit."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from medoffice.audit.models import AuditEvent
from medoffice.chart.models import (
    Allergy,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Problem,
    VitalSign,
)
from medoffice.core.access import AccessDenied
from medoffice.core.permissions import Capability, Need, roles_allow
from medoffice.interop.models import ExternalReference
from medoffice.patients import merge as merging
from medoffice.patients.models import (
    Consent,
    Document,
    EmergencyContact,
    Guarantor,
    MergeStatus,
    Patient,
    PatientAlert,
    PatientIdentifier,
    PatientMerge,
    PatientStatus,
)
from medoffice.patients.search import search_patients
from medoffice.patients.tests.search_support import add_coverage, make_patient
from medoffice.testing.personas import ALL_STAFF_ROLES, persona

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("America/New_York")
WHEN = datetime(2024, 5, 6, 10, 0, tzinfo=TZ)


@pytest.fixture
def desk():
    return persona("frontdesk")


@pytest.fixture
def pair():
    target = make_patient("Smith", "John", "1980-03-04", phone_mobile="518-555-0142")
    source = make_patient(
        "Smyth",
        "Jon",
        "1980-03-04",
        middle_name="Q",
        email="jon@example.test",
        phone_mobile="518-555-0199",
        address_line1="1 Main St",
        city="Albany",
        state="NY",
        postal_code="12207",
        ssn="123-45-6789",
    )
    return source, target


def guarantor(patient, family):
    return Guarantor.objects.create(
        patient=patient,
        relationship="parent",
        family_name=family,
        given_name="Pat",
        address_line1="2 Elm St",
        city="Albany",
        state="NY",
        postal_code="12207",
    )


def fill_record(patient, user):
    """One row of every kind that can hang off a patient, chart included."""
    encounter = Encounter.objects.create(patient=patient, start=WHEN, reason="cough")
    rows = [
        add_coverage(patient, "XK9-123456"),
        Consent.objects.create(
            patient=patient, kind="npp", signed_on=date(2024, 1, 1), recorded_by=user
        ),
        Document.objects.create(
            patient=patient,
            category="id",
            title="License",
            document_date=date(2024, 1, 1),
            file="documents/x/abc.pdf",
            content_type="application/pdf",
            size=10,
            sha256="abc",
            original_name="license.pdf",
            uploaded_by=user,
        ),
        EmergencyContact.objects.create(
            patient=patient, name="Pat Smyth", relationship="parent", phone="518-555-0100"
        ),
        PatientAlert.objects.create(patient=patient, text="Needs wheelchair", created_by=user),
        PatientIdentifier.objects.create(patient=patient, system="urn:old-ehr", value="A-1"),
        guarantor(patient, "Smyth"),
        encounter,
        Problem.objects.create(patient=patient, code_system="text", description="Asthma"),
        Allergy.objects.create(patient=patient, substance="Penicillin"),
        Medication.objects.create(patient=patient, name="Albuterol"),
        Immunization.objects.create(patient=patient, vaccine="Flu", administered_on=date(2024, 1, 1)),
        VitalSign.objects.create(
            patient=patient, encounter=encounter, kind="pulse", value=Decimal(70), unit="/min",
            taken_at=WHEN,
        ),
        LabResult.objects.create(patient=patient, test_name="A1c", value="5.4", collected_at=WHEN),
        ExternalReference.objects.create(
            source="https://synthea.example", resource_type="Patient", external_id="p-1",
            content_type=ContentType.objects.get_for_model(Patient), object_id=patient.pk,
        ),
    ]  # fmt: skip
    return rows


def test_related_kinds_find_every_link_to_a_patient_in_every_app():
    expected = set()
    for model in apps.get_models():
        if model in merging.NOT_MOVED or model is Patient:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.remote_field.model is Patient:
                expected.add(f"{model._meta.label}.{field.name}")
    kinds = {k.key for k in merging.related_kinds()}
    assert expected <= kinds
    assert "interop.ExternalReference.object_id" in kinds
    assert {"chart.Encounter.patient", "patients.Guarantor.patient"} <= kinds
    assert not any(
        k.startswith(("patients.PatientMerge", "patients.DuplicateDismissal")) for k in kinds
    )
    unique = {k.key for k in merging.related_kinds() if k.unique}
    assert {"patients.Guarantor.patient", "patients.Coverage.patient"} <= unique
    assert "chart.Encounter.patient" not in unique


def test_merge_moves_everything_and_marks_the_duplicate(pair, desk):
    source, target = pair
    rows = fill_record(source, desk)
    plan = merging.merge_plan(source, target)
    assert plan.total == len(rows) and not plan.problems
    assert {f.name for f in plan.fills} >= {"middle_name", "email", "ssn", "address_line1"}
    assert "phone_mobile" not in {f.name for f in plan.fills}  # the target has one: kept

    proposal = merging.merge_propose(actor=desk, source=source, target=target, reason="same man")
    outcome = merging.merge_execute(actor=desk, merge=proposal)

    assert outcome.executed and outcome.dropped == {}
    for row in rows:
        row.refresh_from_db()
        owner = row.object_id if isinstance(row, ExternalReference) else row.patient_id
        assert owner == target.pk, type(row).__name__
    for kind in merging.related_kinds():
        assert not kind.rows_of(source).exists(), kind.key
    assert sum(outcome.moved.values()) == len(rows)
    assert outcome.moved["Encounters"] == 1 and outcome.moved["External references"] == 1

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == PatientStatus.MERGED and source.merged_into_id == target.pk
    assert target.status == PatientStatus.ACTIVE
    # Demographics the target lacked, and nothing it had.
    assert (target.middle_name, target.email, target.city) == ("Q", "jon@example.test", "Albany")
    assert target.ssn == "123-45-6789" and target.ssn_last4 == "6789"
    assert target.phone_mobile == "518-555-0142" and target.phone_digits == "5185550142"
    assert (target.family_name, target.given_name) == ("Smith", "John")

    proposal.refresh_from_db()
    assert proposal.status == MergeStatus.DONE and proposal.decided_by == desk
    assert proposal.moved["moved"] == outcome.moved
    assert set(proposal.moved["fields_copied"]) >= {"email", "ssn"}

    entries = AuditEvent.objects.filter(object_type="patient_merge", action="update")
    assert {e.patient_id: e.details["role"] for e in entries} == {
        source.pk: "source",
        target.pk: "target",
    }
    assert all(e.details["moved"] == outcome.moved for e in entries)
    assert all("123-45-6789" not in str(e.details) for e in entries)


def test_merged_record_leaves_search_and_resolves_to_the_survivor(pair, desk):
    source, target = pair
    proposal = merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    merging.merge_execute(actor=desk, merge=proposal)
    assert [h.patient for h in search_patients("smyth").hits] == [target]  # sounds like
    assert merging.resolve_merged(source.pk) == target.pk
    assert merging.resolve_merged(target.pk) == target.pk
    assert merging.resolve_merged(999999) == 999999


def test_collisions_keep_the_targets_row_and_record_the_dropped_one(pair, desk):
    source, target = pair
    guarantor(source, "Smyth")
    kept = guarantor(target, "Smith")
    add_coverage(source, "XK9-123456")  # the same policy on both records
    add_coverage(target, "XK9-123456")
    add_coverage(source, "OTHER-1")  # a policy only the duplicate had
    proposal = merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    outcome = merging.merge_execute(actor=desk, merge=proposal)
    assert outcome.dropped == {"Coverages": 1, "Guarantors": 1}
    assert outcome.moved == {"Coverages": 1}
    assert Guarantor.objects.get().pk == kept.pk
    assert sorted(target.coverages.values_list("member_id", flat=True)) == ["OTHER-1", "XK9-123456"]
    proposal.refresh_from_db()
    assert {r["kind"] for r in proposal.moved["dropped_rows"]} == {"Coverages", "Guarantors"}


def test_a_second_run_does_nothing(pair, desk):
    source, target = pair
    fill_record(source, desk)
    proposal = merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    assert merging.merge_execute(actor=desk, merge=proposal).executed
    entries = AuditEvent.objects.count()
    again = merging.merge_execute(actor=desk, merge=PatientMerge.objects.get(pk=proposal.pk))
    assert not again.executed and again.moved == {}
    assert AuditEvent.objects.count() == entries
    assert not merging.merge_cancel(actor=desk, merge=proposal)


def test_cancelled_merge_never_runs(pair, desk):
    source, target = pair
    proposal = merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    assert merging.merge_cancel(actor=desk, merge=proposal)
    assert not merging.merge_execute(actor=desk, merge=proposal).executed
    source.refresh_from_db()
    assert source.status == PatientStatus.ACTIVE
    # A new proposal for the same record is allowed once the old one is closed.
    assert merging.merge_propose(actor=desk, source=source, target=target, reason="again")


def test_earlier_merges_are_re_pointed(desk):
    a = make_patient("Smith", "John")
    b = make_patient("Smith", "Jon")
    c = make_patient("Smith", "Johnny")
    merging.merge_execute(
        actor=desk, merge=merging.merge_propose(actor=desk, source=a, target=b, reason="dup")
    )
    outcome = merging.merge_execute(
        actor=desk, merge=merging.merge_propose(actor=desk, source=b, target=c, reason="dup")
    )
    assert outcome.moved == {merging.EARLIER_MERGES_LABEL: 1}
    assert Patient.objects.get(pk=a.pk).merged_into_id == c.pk
    assert merging.resolve_merged(a.pk) == c.pk


def test_proposals_that_cannot_be(pair, desk):
    source, target = pair
    with pytest.raises(ValidationError, match="into itself"):
        merging.merge_propose(actor=desk, source=source, target=source, reason="x")
    with pytest.raises(ValidationError):
        merging.merge_propose(actor=desk, source=source, target=target, reason="  ")
    merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    with pytest.raises(ValidationError, match="already waiting"):
        merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    merged = make_patient("Smith", "Old", status=PatientStatus.MERGED)
    with pytest.raises(ValidationError, match="already merged"):
        merging.merge_propose(actor=desk, source=merged, target=target, reason="dup")
    with pytest.raises(ValidationError, match="itself merged"):
        merging.merge_propose(actor=desk, source=target, target=merged, reason="dup")


def test_a_target_merged_meanwhile_stops_the_run_and_changes_nothing(desk):
    a, b, c = make_patient("A", "One"), make_patient("B", "Two"), make_patient("C", "Three")
    fill_record(a, desk)
    first = merging.merge_propose(actor=desk, source=a, target=b, reason="dup")
    merging.merge_execute(
        actor=desk, merge=merging.merge_propose(actor=desk, source=b, target=c, reason="dup")
    )
    with pytest.raises(ValidationError, match="merged elsewhere"):
        merging.merge_execute(actor=desk, merge=first)
    first.refresh_from_db()
    assert first.status == MergeStatus.PROPOSED
    assert Encounter.objects.get().patient_id == a.pk
    assert Patient.objects.get(pk=a.pk).status == PatientStatus.ACTIVE


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_only_the_front_desk_merges(pair, role, desk):
    source, target = pair
    fill_record(source, desk)
    user = desk if role == "frontdesk" else persona(role)
    if roles_allow({role}, Capability.DEMOGRAPHICS, Need.EDIT):
        proposal = merging.merge_propose(actor=user, source=source, target=target, reason="d")
        assert merging.merge_execute(actor=user, merge=proposal).executed
        return
    proposal = merging.merge_propose(actor=desk, source=source, target=target, reason="dup")
    with pytest.raises(AccessDenied):
        merging.merge_propose(actor=user, source=target, target=source, reason="dup")
    with pytest.raises(AccessDenied):
        merging.merge_execute(actor=user, merge=proposal)
    with pytest.raises(AccessDenied):
        merging.merge_cancel(actor=user, merge=proposal)
    proposal.refresh_from_db()
    source.refresh_from_db()
    assert proposal.status == MergeStatus.PROPOSED and source.status == PatientStatus.ACTIVE
    assert Encounter.objects.get().patient_id == source.pk
    assert PatientMerge.objects.count() == 1
    assert AuditEvent.objects.filter(action="permission_denied", actor_id=user.pk).count() == 3
