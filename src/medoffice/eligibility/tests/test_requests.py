"""The 270 sent for a coverage: subscriber or dependent loop, location NPI, payer EDI id,
through the transport, audited; refused for roles that only read, changing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.eligibility.models import CheckStatus, EligibilityCheck
from medoffice.eligibility.services import eligibility_request
from medoffice.eligibility.tests.conftest import NPIS
from medoffice.frontdesk.tests.conftest import visit
from medoffice.interop.x12.envelope import read_transaction_sets
from medoffice.interop.x12.segments import tokenize
from medoffice.scheduling.tests.conftest import next_weekday_at

DAY = date(2026, 3, 2)


def segments(text: str) -> list[str]:
    return ["*".join(s.elements) for s in tokenize(text)]


def test_270_for_the_subscriber_is_sent_and_audited(site, staff):
    desk = staff("frontdesk")
    check = eligibility_request(
        coverage=site["coverage"], service_date=DAY, actor=desk, transport=site["transport"]
    )
    assert check.status == CheckStatus.SENT and check.trace_number.startswith("EL")
    sent = (site["transport"].outbox / check.file_name).read_text()
    assert sent == check.request_text == EligibilityCheck.objects.get().request_text
    lines = segments(sent)
    assert "NM1*PR*2*ACME HEALTH PLAN*****PI*60054" in lines
    assert f"NM1*1P*2*{site['location'].practice.name.upper()}*****XX*{NPIS[2]}" in lines
    assert "HL*3*2*22*0" in lines and "NM1*IL*1*DOE*JANE****MI*XYZ123456789" in lines
    assert f"TRN*1*{check.trace_number}*" in "\n".join(lines)
    assert "DMG*D8*19800304*F" in lines and "DTP*291*D8*20260302" in lines and "EQ*30" in lines
    assert not any(line.startswith("HL*4") for line in lines)
    (tx,) = read_transaction_sets(sent, expected_set="270")
    assert tx.implementation == "005010X279A1"
    entry = AuditEvent.objects.get(object_type="eligibility_check", action="create")
    assert entry.patient_id == site["patient"].pk and entry.details["trace"] == check.trace_number


def test_270_for_a_dependent_names_the_subscriber_and_asks_about_the_child(site, staff):
    check = eligibility_request(
        coverage=site["family_coverage"], service_date=DAY, actor=staff("biller"),
        transport=site["transport"],
    )  # fmt: skip
    lines = segments(check.request_text)
    assert "HL*3*2*22*1" in lines and "HL*4*3*23*0" in lines
    assert "NM1*IL*1*DOE*JOHN****MI*XYZ123456789" in lines and "DMG*D8*19800304*M" in lines
    child_at = lines.index("NM1*03*1*DOE*EMMA")
    assert lines[child_at - 1].startswith(f"TRN*1*{check.trace_number}")
    assert lines[child_at + 1] == "DMG*D8*19800304*F"


def test_each_270_has_its_own_trace_and_control_numbers(site, staff):
    desk = staff("frontdesk")
    first, second = (
        eligibility_request(coverage=site["coverage"], service_date=DAY, actor=desk,
                            transport=site["transport"])
        for _ in range(2)
    )  # fmt: skip
    assert first.trace_number != second.trace_number
    assert first.interchange_control != second.interchange_control


def test_the_visit_location_npi_is_the_information_receiver(site, staff):
    other_npi = NPIS[1]
    from medoffice.testing.factories import LocationFactory

    elsewhere = LocationFactory(code="east", name="East", npi=other_npi)
    appt = visit(site, start=next_weekday_at(10), patient=site["patient"], location=elsewhere)
    check = eligibility_request(
        coverage=site["coverage"], service_date=DAY, actor=staff("frontdesk"), appointment=appt,
        transport=site["transport"],
    )  # fmt: skip
    assert f"XX*{other_npi}~" in check.request_text and check.appointment_id == appt.pk


def test_a_payer_without_edi_id_is_named_and_nothing_is_recorded(site, staff):
    site["payer"].payer_id = ""
    site["payer"].save(update_fields=["payer_id"])
    with pytest.raises(ValidationError, match="no EDI payer id"):
        eligibility_request(
            coverage=site["coverage"], service_date=DAY, actor=staff("frontdesk"),
            transport=site["transport"],
        )  # fmt: skip
    assert not EligibilityCheck.objects.exists()
    assert not site["transport"].outbox.exists()


class BrokenTransport:
    def send(self, batch):
        raise OSError("clearinghouse share is not mounted")


def test_a_transport_failure_is_the_check_error(site, staff):
    check = eligibility_request(
        coverage=site["coverage"], service_date=DAY, actor=staff("frontdesk"),
        transport=BrokenTransport(),
    )  # fmt: skip
    stored = EligibilityCheck.objects.get()
    assert check.status == stored.status == CheckStatus.ERROR
    assert "not mounted" in stored.error_text


@pytest.mark.parametrize(
    "role", ["manager", "clinician", "nurse", "compliance", "hr", "purchasing", "admin"]
)
def test_roles_that_do_not_edit_coverage_cannot_ask_and_nothing_changes(site, staff, role):
    with pytest.raises(PermissionDenied):
        eligibility_request(
            coverage=site["coverage"], service_date=DAY + timedelta(days=1), actor=staff(role),
            transport=site["transport"],
        )  # fmt: skip
    assert not EligibilityCheck.objects.exists()
    assert not site["transport"].outbox.exists()
    assert AuditEvent.objects.filter(action="permission_denied").count() == 1
