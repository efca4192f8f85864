"""Batches from ready claims: one file per payer, claims submitted once, unique control
numbers, validation that names the claim and stops before anything is written, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.claims.models import Claim, ClaimStatus, ClaimStatusChange
from medoffice.interop.x12.envelope import read_transaction_sets
from medoffice.interop.x12.validation import validate_with_pyx12
from medoffice.organization.models import Location
from medoffice.patients.models import Coverage, Payer
from medoffice.submission.models import SubmissionBatch, SubmissionBatchClaim
from medoffice.submission.services import (
    batch_download_record,
    batches_create_for_ready_claims,
)
from medoffice.submission.tests.conftest import cast, new_patient, ready_claim


def test_one_file_per_payer_with_its_ready_claims_only(addressed, billing_user):
    first = ready_claim(addressed, billing_user)
    second = ready_claim(addressed, billing_user, new_patient("Diallo", "Awa"))
    other = ready_claim(
        addressed, billing_user, new_patient("Chen", "Li"), payer=addressed["secondary_payer"]
    )
    draft = ready_claim(addressed, billing_user, new_patient("Ruiz", "Ana"))
    Claim.objects.filter(pk=draft.pk).update(status=ClaimStatus.DRAFT)
    batches = batches_create_for_ready_claims(actor=billing_user)
    assert len(batches) == 2
    by_payer = {b.receiver_id: b for b in batches}
    empire = by_payer["87726"]
    assert empire.claim_count == 2 and empire.total_billed == Decimal("336.00")
    assert set(empire.items.values_list("claim_id", flat=True)) == {first.pk, second.pk}
    assert by_payer["MCDNY"].items.get().claim_id == other.pk
    for batch in batches:
        assert validate_with_pyx12(batch.content) == []
        (tx,) = read_transaction_sets(batch.content)
        assert int(tx.control_number) == batch.transaction_control
        assert int(tx.group_control_number) == batch.group_control
        assert int(tx.interchange_control_number) == batch.interchange_control
        assert len(batch.sha256) == 64 and batch.status == "written"
        assert batch.file_name.startswith(f"837P_{batch.receiver_id}_")
    submitted = Claim.objects.filter(status=ClaimStatus.SUBMITTED)
    assert set(submitted.values_list("pk", flat=True)) == {first.pk, second.pk, other.pk}
    assert Claim.objects.get(pk=draft.pk).status == ClaimStatus.DRAFT
    change = ClaimStatusChange.objects.get(claim=first, to_status=ClaimStatus.SUBMITTED)
    assert empire.file_name in change.reason
    assert AuditEvent.objects.filter(object_type="submission_batch", action="create").count() == 2
    # Nothing is ready any more: a second run writes nothing.
    assert batches_create_for_ready_claims(actor=billing_user) == []


def test_control_numbers_are_unique_across_batches(addressed, billing_user):
    seen = set()
    for family in ("Adams", "Baker", "Clark"):
        ready_claim(addressed, billing_user, new_patient(family, "Sam"))
        (batch,) = batches_create_for_ready_claims(actor=billing_user)
        seen.add((batch.interchange_control, batch.group_control, batch.transaction_control))
    assert len(seen) == 3
    for field in ("interchange_control", "group_control", "transaction_control"):
        values = SubmissionBatch.objects.values_list(field, flat=True)
        assert len(set(values)) == 3


def test_one_payer_only(addressed, billing_user):
    ready_claim(addressed, billing_user)
    ready_claim(
        addressed, billing_user, new_patient("Chen", "Li"), payer=addressed["secondary_payer"]
    )
    (batch,) = batches_create_for_ready_claims(
        actor=billing_user, payer=addressed["secondary_payer"]
    )
    assert batch.receiver_id == "MCDNY"
    assert Claim.objects.filter(status=ClaimStatus.READY).count() == 1


def test_validation_names_the_claim_and_writes_nothing(addressed, billing_user):
    good = ready_claim(addressed, billing_user)
    bad = ready_claim(addressed, billing_user, new_patient("Diallo", "Awa"))
    # NM109 needs two characters at least: pyx12 finds it in the subscriber loop, before CLM.
    Coverage.objects.filter(pk=bad.coverage_id).update(member_id="X")
    with pytest.raises(ValidationError) as caught:
        batches_create_for_ready_claims(actor=billing_user, validate=True)
    assert f"claim {bad.patient_control_number}: NM1" in str(caught.value)
    assert good.patient_control_number not in str(caught.value)
    assert not SubmissionBatch.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.READY).count() == 2


def test_mapping_error_stops_every_batch(addressed, billing_user):
    claim = ready_claim(addressed, billing_user)
    ready_claim(
        addressed, billing_user, new_patient("Chen", "Li"), payer=addressed["secondary_payer"]
    )
    Location.objects.filter(pk=addressed["location"].pk).update(address_line1="")
    with pytest.raises(ValidationError, match=claim.patient_control_number):
        batches_create_for_ready_claims(actor=billing_user)
    assert not SubmissionBatch.objects.exists()
    assert not Claim.objects.filter(status=ClaimStatus.SUBMITTED).exists()


def test_payer_without_edi_id_is_named(addressed, billing_user):
    ready_claim(addressed, billing_user)
    Payer.objects.filter(pk=addressed["primary_payer"].pk).update(payer_id="")
    with pytest.raises(ValidationError, match="Empire Plan has no EDI payer id"):
        batches_create_for_ready_claims(actor=billing_user)


@pytest.mark.parametrize("role", ["manager", "compliance", "frontdesk", "clinician", "nurse"])
def test_roles_without_billing_edit_change_nothing(addressed, billing_user, role):
    ready_claim(addressed, billing_user)
    user = cast(role, username=f"u-{role}", location=addressed["location"])
    with pytest.raises(PermissionDenied):
        batches_create_for_ready_claims(actor=user)
    assert not SubmissionBatch.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.READY).count() == 1
    assert AuditEvent.objects.filter(action="permission_denied", actor_id=user.pk).exists()


def test_download_is_audited_as_an_export_per_patient(addressed, billing_user):
    ready_claim(addressed, billing_user)
    ready_claim(addressed, billing_user, new_patient("Diallo", "Awa"))
    (batch,) = batches_create_for_ready_claims(actor=billing_user)
    batch_download_record(batch=batch, actor=billing_user)
    exports = AuditEvent.objects.filter(action="export", object_type="submission_batch")
    patients = set(SubmissionBatchClaim.objects.values_list("claim__patient_id", flat=True))
    assert set(exports.values_list("patient_id", flat=True)) == patients and len(patients) == 2
