"""The submission page per role: billers create, send and download; the manager and compliance
look and download; everyone else is refused, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from medoffice.audit.models import AuditEvent
from medoffice.claims.models import Claim, ClaimStatus
from medoffice.core.models import JobRun
from medoffice.submission.models import SubmissionBatch
from medoffice.submission.tests.conftest import new_patient, ready_claim
from medoffice.testing.personas import signed_in_client

INDEX = reverse("submission:index")
CREATE = reverse("submission:batch_create")


@pytest.fixture
def two_ready(addressed, billing_user):
    ready_claim(addressed, billing_user)
    ready_claim(
        addressed, billing_user, new_patient("Chen", "Li"), payer=addressed["secondary_payer"]
    )


def test_biller_sees_ready_claims_and_creates_one_payers_batch(two_ready, addressed, as_role):
    user, client = as_role("biller")
    page = client.get(INDEX)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Empire Plan" in html and "Medicaid NY" in html and "$168.00" in html
    assert "Create batch" in html
    response = client.post(CREATE, {"payer": addressed["primary_payer"].pk}, follow=True)
    (batch,) = SubmissionBatch.objects.all()
    assert batch.receiver_id == "87726" and batch.created_by == user
    assert batch.file_name in response.content.decode()
    assert Claim.objects.filter(status=ClaimStatus.READY).count() == 1


def test_download_is_the_file_and_audited(two_ready, as_role, billing_user):
    from medoffice.submission.services import batches_create_for_ready_claims

    batches_create_for_ready_claims(actor=billing_user)
    batch = SubmissionBatch.objects.get(receiver_id="87726")
    for role in ("manager", "compliance"):
        user, client = as_role(role)
        page = client.get(INDEX).content.decode()
        assert batch.file_name in page and "Create batch" not in page
        response = client.get(reverse("submission:batch_download", args=[batch.pk]))
        assert response.status_code == 200 and response.content.decode() == batch.content
        assert batch.file_name in response["Content-Disposition"]
        assert AuditEvent.objects.filter(
            action="export", actor_id=user.pk, object_id=str(batch.pk),
            patient_id=batch.items.get().claim.patient_id,
        ).exists()  # fmt: skip


def test_send_puts_the_file_in_the_outbox(two_ready, as_role, billing_user, tmp_path):
    from medoffice.submission.services import batches_create_for_ready_claims

    batch = batches_create_for_ready_claims(actor=billing_user)[0]
    _, client = as_role("biller")
    with override_settings(
        CLEARINGHOUSE_TRANSPORT="filedrop",
        CLEARINGHOUSE_OUTBOX=tmp_path / "out",
        CLEARINGHOUSE_INBOX=tmp_path / "in",
    ):
        client.post(reverse("submission:batch_send", args=[batch.pk]))
    assert (tmp_path / "out" / batch.file_name).read_text() == batch.content
    assert SubmissionBatch.objects.get(pk=batch.pk).status == "sent"


def test_poll_queues_the_job(addressed, as_role):
    user, client = as_role("biller")
    response = client.post(reverse("submission:poll"))
    run = JobRun.objects.get()
    assert response.status_code == 302 and str(run.pk) in response["Location"]
    assert run.requested_by == user


@pytest.mark.parametrize("role", ["manager", "compliance"])
def test_viewers_cannot_create_and_nothing_changes(two_ready, as_role, role):
    _, client = as_role(role)
    assert client.post(CREATE).status_code == 403
    assert client.post(reverse("submission:poll")).status_code == 403
    assert not SubmissionBatch.objects.exists() and not JobRun.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.READY).count() == 2


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "nurse", "admin"])
def test_others_are_refused_everything(two_ready, addressed, role):
    from medoffice.submission.tests.conftest import cast

    user = cast(role, username=f"v-{role}", location=addressed["location"])
    client = signed_in_client(user)
    assert client.get(INDEX).status_code == 403
    assert client.post(CREATE).status_code == 403
    assert not SubmissionBatch.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.READY).count() == 2
    assert AuditEvent.objects.filter(action="permission_denied", actor_id=user.pk).count() == 2
