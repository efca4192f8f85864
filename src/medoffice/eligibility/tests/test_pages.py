"""Where answers show: the coverage section (with the htmx "Check eligibility" button for
front desk and billers), booking warnings, check-in; each new URL for each role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.eligibility.imports import eligibility_responses_import
from medoffice.eligibility.models import CheckStatus, EligibilityCheck
from medoffice.eligibility.services import eligibility_request
from medoffice.eligibility.tests.conftest import answer_271
from medoffice.frontdesk.tests.conftest import visit
from medoffice.scheduling.warnings import for_booking
from medoffice.testing.personas import signed_in_client

ASKERS = ["frontdesk", "biller"]
READERS = ["manager", "clinician", "nurse", "compliance"]
REFUSED = ["hr", "purchasing", "admin"]
HTMX = {"HTTP_HX_REQUEST": "true"}


def answered(site, staff, active="1", day=None):
    desk = staff("frontdesk")
    check = eligibility_request(
        coverage=site["coverage"], service_date=day or timezone.localdate(), actor=desk,
        transport=site["transport"],
    )  # fmt: skip
    eligibility_responses_import(
        name=f"{check.pk}.271", content=answer_271(check.trace_number, active=active), actor=desk
    )
    check.refresh_from_db()
    return check


def urls(site, check_id=999999):
    args = [site["patient"].pk, site["coverage"].pk]
    return {
        "status": reverse("eligibility:coverage_status", args=args),
        "request": reverse("eligibility:check_request", args=args),
        "detail": reverse("eligibility:check_detail", args=[site["patient"].pk, check_id]),
    }


@pytest.mark.parametrize("role", ASKERS)
def test_front_desk_and_billers_ask_with_htmx_and_see_the_wait(site, staff, role):
    client = signed_in_client(staff(role))
    page = client.post(urls(site)["request"], {"service_date": "2026-03-02"}, **HTMX)
    html = page.content.decode()
    check = EligibilityCheck.objects.get()
    assert page.status_code == 200 and check.service_date == date(2026, 3, 2)
    assert f'id="eligibility-{site["coverage"].pk}"' in html and "Waiting" in html
    assert 'name="service_date" value="2026-03-02"' in html  # the next ask is for the same day
    assert (site["transport"].outbox / check.file_name).exists()


def test_without_htmx_the_request_returns_to_the_coverage_section(site, staff):
    page = signed_in_client(staff("biller")).post(urls(site)["request"])
    assert page.status_code == 302 and page["Location"].endswith("#coverage")
    assert EligibilityCheck.objects.get().service_date == timezone.localdate()


def test_a_malformed_date_is_refused_in_place(site, staff):
    client = signed_in_client(staff("frontdesk"))
    page = client.post(urls(site)["request"], {"service_date": "03/02/2026"}, **HTMX)
    assert "Give the service date as YYYY-MM-DD." in page.content.decode()
    assert not EligibilityCheck.objects.exists()


def test_a_check_that_cannot_be_sent_says_why(site, staff):
    site["payer"].payer_id = ""
    site["payer"].save(update_fields=["payer_id"])
    page = signed_in_client(staff("frontdesk")).post(urls(site)["request"], **HTMX)
    assert page.status_code == 200 and "no EDI payer id" in page.content.decode()
    assert not EligibilityCheck.objects.exists()


@pytest.mark.parametrize("role", READERS + REFUSED)
def test_other_roles_cannot_ask_and_nothing_changes(site, staff, role):
    page = signed_in_client(staff(role)).post(urls(site)["request"], **HTMX)
    assert page.status_code == 403
    assert not EligibilityCheck.objects.exists() and not site["transport"].outbox.exists()


@pytest.mark.parametrize("role", ASKERS + READERS)
def test_viewers_read_the_latest_answer_and_its_detail(site, staff, role):
    check = answered(site, staff)
    client = signed_in_client(staff(role))
    fragment = client.get(urls(site)["status"], **HTMX).content.decode()
    assert "Eligible" in fragment and "Copay: $25" in fragment
    assert ("Check eligibility" in fragment) is (role in ASKERS)
    detail = client.get(urls(site, check.pk)["detail"])
    html = detail.content.decode()
    assert detail.status_code == 200 and "ACME PPO SILVER" in html and "1125.50" in html
    assert AuditEvent.objects.filter(
        action="view", object_type="eligibility_check", object_id=str(check.pk)
    ).exists()


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_read(site, staff, role):
    check = answered(site, staff)
    client = signed_in_client(staff(role))
    assert client.get(urls(site)["status"]).status_code == 403
    assert client.get(urls(site, check.pk)["detail"]).status_code == 403


def test_a_check_of_another_patient_is_not_found_through_this_one(site, staff):
    check = answered(site, staff)
    url = reverse("eligibility:check_detail", args=[site["child"].pk, check.pk])
    assert signed_in_client(staff("frontdesk")).get(url).status_code == 404


def test_the_coverage_section_shows_the_latest_answer(site, staff):
    answered(site, staff)
    detail = reverse("patients:detail", args=[site["patient"].pk])
    html = signed_in_client(staff("biller")).get(detail).content.decode()
    assert '<th scope="col">Eligibility</th>' in html and "Eligible" in html
    for text in ("Plan: ACME PPO SILVER", "Copay: $25", "Deductible remaining: $1125.50",
                 "Out-of-pocket remaining: $5400", "Check eligibility"):  # fmt: skip
        assert text in html
    nurse = signed_in_client(staff("nurse")).get(detail).content.decode()
    assert "Eligible" in nurse and "Check eligibility" not in nurse


def test_an_inactive_answer_is_shown_as_such(site, staff):
    answered(site, staff, active="6")
    fragment = signed_in_client(staff("frontdesk")).get(urls(site)["status"]).content.decode()
    assert "Not active" in fragment and "Eligible" not in fragment


def visit_day():
    return timezone.localdate() + timedelta(days=3)


def warnings(site, day):
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    return for_booking(
        patient_id=site["patient"].pk, appt_type=site["office"], start=start + timedelta(hours=15)
    )


def test_booking_without_a_recent_answer_gets_a_soft_note(site):
    (note,) = warnings(site, visit_day())
    assert note.startswith("Note: eligibility with Acme Health Plan has not been checked")


def test_booking_after_an_inactive_answer_warns(site, staff):
    answered(site, staff, active="6", day=visit_day())
    (warning,) = warnings(site, visit_day())
    assert "not active on" in warning and "self-pay" in warning


def test_booking_after_an_active_answer_says_nothing_of_eligibility(site, staff):
    answered(site, staff, day=visit_day())
    assert warnings(site, visit_day()) == []


def test_an_old_answer_counts_as_no_answer(site, staff):
    check = answered(site, staff, day=timezone.localdate())
    EligibilityCheck.objects.filter(pk=check.pk).update(
        answered_at=timezone.now() - timedelta(days=30)
    )
    (note,) = warnings(site, visit_day())
    assert note.startswith("Note:")


def test_check_in_shows_the_answer_and_the_button(site, staff):
    from medoffice.frontdesk.tests.conftest import NY, local

    check = answered(site, staff)
    today = timezone.now().astimezone(NY).date()
    appt = visit(site, start=local(today, 23, 30), patient=site["patient"])
    html = (
        signed_in_client(staff("frontdesk"))
        .get(reverse("frontdesk:check_in", args=[appt.pk]))
        .content.decode()
    )
    assert (
        "Eligibility" in html and "Copay: $25" in html and "Deductible remaining: $1125.50" in html
    )
    assert "Check eligibility" in html and f'name="service_date" value="{today:%Y-%m-%d}"' in html
    assert check.status == CheckStatus.ANSWERED
