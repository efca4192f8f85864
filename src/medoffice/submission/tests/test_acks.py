"""999 and 277CA files change batch and claim statuses; the same file twice changes nothing; a
file that cannot be read names the segment and changes nothing; the command and the poll."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from medoffice.audit.models import AuditEvent
from medoffice.claims.models import Claim, ClaimStatus, ClaimStatusChange
from medoffice.interop.x12.validation import validate_with_pyx12
from medoffice.submission.acks import acks_import
from medoffice.submission.models import AcknowledgementFile, SubmissionBatch
from medoffice.submission.services import batch_mark_sent, batches_create_for_ready_claims
from medoffice.submission.tasks import clearinghouse_poll
from medoffice.submission.tests.conftest import cast, new_patient, ready_claim
from medoffice.submission.transport import FileDropTransport

HEAD = (
    "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*MEDOFFICE      *260303*0800*^*00501*"
    "000000900*0*T*:~"
)


def ack_999(batch: SubmissionBatch, status: str = "A") -> str:
    findings = "IK3*NM1*16*2010*8~IK4*9*67*7*X~" if status == "R" else ""
    body = (
        f"AK1*HC*{batch.group_control}*005010X222A1~"
        f"AK2*837*{batch.transaction_control:04d}*005010X222A1~{findings}IK5*{status}"
        + ("*5" if status == "R" else "")
        + f"~AK9*{status}*1*1*{1 if status == 'A' else 0}~"
    )
    count = body.count("~") + 2
    return (
        f"{HEAD}GS*FA*CLEARINGHOUSE*MEDOFFICE*20260303*0800*900*X*005010X231A1~"
        f"ST*999*0001*005010X231A1~{body}SE*{count}*0001~GE*1*900~IEA*1*000000900~"
    )


def ack_277(claims: list[tuple[Claim, str]]) -> str:
    body = (
        "BHT*0085*08*277CA1*20260303*0800*TH~HL*1**20*1~NM1*AY*2*CLEARINGHOUSE*****46*CH~"
        "TRN*1*1~DTP*050*D8*20260302~DTP*009*D8*20260303~HL*2*1*21*1~"
        "NM1*41*2*HUDSON VALLEY MG PC*****46*MEDOFFICE~TRN*2*1~STC*A1:19:PR*20260303*WQ*0~"
        "HL*3*2*19*1~NM1*85*2*HUDSON VALLEY MG PC*****XX*1234567893~TRN*1*0~"
        "STC*A1:19:PR**WQ*0~"
    )
    for n, (claim, outcome) in enumerate(claims, start=4):
        stc = (
            f"STC*A2:20:PR*20260303*WQ*{claim.total_billed}~REF*1K*PAYER{n}~"
            if outcome == "accept"
            else f"STC*A7:562:85*20260303*U*{claim.total_billed}********Billing NPI invalid~"
        )
        body += (
            f"HL*{n}*3*PT~NM1*QC*1*{claim.patient.family_name.upper()}*"
            f"{claim.patient.given_name.upper()}****MI*M1~TRN*2*{claim.patient_control_number}~"
            f"{stc}DTP*472*D8*20260302~"
        )
    count = body.count("~") + 2
    return (
        f"{HEAD}GS*HN*CLEARINGHOUSE*MEDOFFICE*20260303*0800*901*X*005010X214~"
        f"ST*277*0001*005010X214~{body}SE*{count}*0001~GE*1*901~IEA*1*000000900~"
    )


@pytest.fixture
def submitted(addressed, billing_user):
    claims = [
        ready_claim(addressed, billing_user, new_patient(family, given))
        for family, given in (("Okafor", "Grace"), ("Diallo", "Awa"))
    ]
    (batch,) = batches_create_for_ready_claims(actor=billing_user)
    return batch, [Claim.objects.get(pk=c.pk) for c in claims]


def _statuses(claims) -> list[str]:
    return [Claim.objects.get(pk=c.pk).status for c in claims]


def test_fixtures_are_valid_x12(submitted):
    batch, claims = submitted
    assert validate_with_pyx12(ack_999(batch)) == []
    assert validate_with_pyx12(ack_999(batch, "R")) == []
    assert validate_with_pyx12(ack_277([(claims[0], "accept"), (claims[1], "reject")])) == []


def test_999_accepted_acknowledges_the_batch(submitted, billing_user):
    batch, claims = submitted
    result = acks_import(name="a.999", content=ack_999(batch), actor=billing_user)
    assert result.kind == "999" and result.batches == {batch.file_name: "acknowledged"}
    batch.refresh_from_db()
    assert batch.status == "acknowledged" and batch.acknowledged_at is not None
    assert _statuses(claims) == ["submitted", "submitted"]


def test_999_rejected_rejects_the_batch_and_its_claims(submitted, billing_user):
    batch, claims = submitted
    result = acks_import(name="r.999", content=ack_999(batch, "R").encode(), actor=billing_user)
    batch.refresh_from_db()
    assert batch.status == "rejected" and "NM1 at 16" in batch.status_reason
    assert _statuses(claims) == ["rejected", "rejected"]
    change = ClaimStatusChange.objects.filter(claim=claims[0], to_status="rejected").get()
    assert "999 rejected the file" in change.reason and "IK5 R" in change.reason
    assert set(result.claims.values()) == {"rejected"}


def test_277ca_accepts_and_rejects_claims_with_the_reason(submitted, billing_user):
    _batch, (good, bad) = submitted
    text = ack_277([(good, "accept"), (bad, "reject")])
    result = acks_import(name="c.277", content=text, actor=billing_user)
    assert result.kind == "277CA"
    good.refresh_from_db()
    assert good.status == ClaimStatus.ACCEPTED and good.payer_claim_number == "PAYER4"
    assert Claim.objects.get(pk=bad.pk).status == ClaimStatus.REJECTED
    change = ClaimStatusChange.objects.get(claim=bad, to_status="rejected")
    assert change.reason == "277CA: Billing NPI invalid"
    assert change.detail["statuses"] == ["A7:562"]
    assert AuditEvent.objects.filter(object_type="acknowledgement_file").count() == 1


def test_the_same_file_twice_changes_nothing(submitted, billing_user):
    _batch, claims = submitted
    text = ack_277([(claims[0], "accept"), (claims[1], "reject")])
    acks_import(name="c.277", content=text, actor=billing_user)
    changes = ClaimStatusChange.objects.count()
    audits = AuditEvent.objects.count()
    again = acks_import(name="renamed.277", content=text, actor=billing_user)
    assert again.duplicate and not again.claims
    assert ClaimStatusChange.objects.count() == changes
    assert AuditEvent.objects.count() == audits
    assert AcknowledgementFile.objects.count() == 1


def test_unreadable_file_names_the_segment_and_changes_nothing(submitted, billing_user):
    batch, claims = submitted
    text = ack_999(batch, "R").replace("IK5*R*5~", "IK5~")
    with pytest.raises(ValidationError, match=r"IK5.*IK501 is missing"):
        acks_import(name="bad.999", content=text, actor=billing_user)
    assert not AcknowledgementFile.objects.exists()
    assert SubmissionBatch.objects.get(pk=batch.pk).status == "written"
    assert _statuses(claims) == ["submitted", "submitted"]
    with pytest.raises(ValidationError, match="neither a 999 nor a 277CA"):
        acks_import(name="x", content=batch.content, actor=billing_user)


def test_unknown_claims_and_groups_are_reported(submitted, billing_user):
    batch, _claims = submitted
    batch.group_control += 1000  # a 999 for a group we never sent
    result = acks_import(name="o.999", content=ack_999(batch), actor=billing_user)
    assert result.unmatched and not result.batches


def test_refused_import_changes_nothing(submitted, addressed):
    batch, claims = submitted
    manager = cast("manager", username="mgr", location=addressed["location"])
    with pytest.raises(PermissionDenied):
        acks_import(name="a.999", content=ack_999(batch, "R"), actor=manager)
    assert not AcknowledgementFile.objects.exists()
    assert _statuses(claims) == ["submitted", "submitted"]


def test_command_imports_files_and_reports(submitted, billing_user, tmp_path, capsys):
    batch, _claims = submitted
    good = tmp_path / "a.999"
    good.write_text(ack_999(batch))
    bad = tmp_path / "b.277"
    bad.write_text("ISA*garbage~")
    with pytest.raises(CommandError, match="1 file"):
        call_command(
            "claims", "import-acks", str(good), str(bad), "--as-user", billing_user.username
        )
    out, err = capsys.readouterr()
    assert "a.999: 999" in out and "1 acknowledged" in out and "b.277" in err
    call_command("claims", "import-acks", str(good), "--as-user", billing_user.username)
    assert "imported before" in capsys.readouterr().out


def test_export_command_uses_the_service(addressed, billing_user, tmp_path, capsys):
    claim = ready_claim(addressed, billing_user)
    call_command("claims", "export-837", "--out", str(tmp_path), "--as-user", billing_user.username)
    (batch,) = SubmissionBatch.objects.all()
    assert (tmp_path / batch.file_name).read_text() == batch.content
    out = capsys.readouterr().out
    assert batch.file_name in out and "Empire Plan (87726)" in out and "claims 1" in out
    assert "total 168.00" in out
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED
    call_command("claims", "export-837", "--out", str(tmp_path), "--as-user", billing_user.username)
    assert "No claims are ready" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No payer"):
        call_command("claims", "export-837", "--out", str(tmp_path), "--payer", "NOPE",
                     "--as-user", billing_user.username)  # fmt: skip


def test_send_then_poll_imports_and_clears_the_inbox(submitted, billing_user, tmp_path):
    batch, claims = submitted
    transport = FileDropTransport(tmp_path / "out", tmp_path / "in")
    batch_mark_sent(batch=batch, actor=billing_user, transport=transport)
    assert SubmissionBatch.objects.get(pk=batch.pk).status == "sent"
    assert (tmp_path / "out" / batch.file_name).read_text() == batch.content
    with pytest.raises(ValidationError, match="sent already"):
        batch_mark_sent(batch=batch, actor=billing_user, transport=transport)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.999").write_text(ack_999(batch))
    (tmp_path / "in" / "c.277").write_text(ack_277([(c, "accept") for c in claims]))
    (tmp_path / "in" / "bad.999").write_text("not x12 at all")
    message = clearinghouse_poll(actor=billing_user, transport=transport)
    assert message.startswith("2 imported, 0 already known, 1 not readable: bad.999")
    assert SubmissionBatch.objects.get(pk=batch.pk).status == "acknowledged"
    assert _statuses(claims) == ["accepted", "accepted"]
    assert [name for name, _ in transport.receive()] == ["bad.999"]  # left for a person


def test_scheduled_poll_acts_as_the_configured_user(billing_user, settings):
    from types import SimpleNamespace

    from medoffice.submission.tasks import _acting_user

    settings.CLEARINGHOUSE_USER = ""
    with pytest.raises(RuntimeError, match="MEDOFFICE_CLEARINGHOUSE_USER"):
        _acting_user(SimpleNamespace(actor=None))
    settings.CLEARINGHOUSE_USER = billing_user.username
    assert _acting_user(SimpleNamespace(actor=None)) == billing_user
