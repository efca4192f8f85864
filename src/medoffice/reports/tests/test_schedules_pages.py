"""The report schedule pages: the manager's to use; every other role is refused and changes nothing."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from medoffice.core.models import JobRun
from medoffice.reports.models_schedules import ReportSchedule, ReportScheduleRun, RunStatus
from medoffice.reports.tests.test_schedules import KEY, fake_kpi, make_schedule  # noqa: F401
from medoffice.testing.personas import ALL_STAFF_ROLES, persona, signed_in_client

pytestmark = pytest.mark.usefixtures("fake_kpi")
OTHER_ROLES = [r for r in ALL_STAFF_ROLES if r != "manager"]


def form_data(*recipients: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "kpi_key": KEY, "period": "last_full_week", "grain": "week", "frequency": "weekly",
        "weekday": "0", "day_of_month": "", "send_time": "07:15",
        "recipients": [str(r.pk) for r in recipients], "is_active": "on", **overrides,
    }  # fmt: skip


def test_the_manager_creates_edits_sends_and_deletes(db, django_capture_on_commit_callbacks):
    manager = persona("manager")
    desk = persona("frontdesk")
    client = signed_in_client(manager)
    assert client.get("/reports/schedules/").status_code == 200
    page = client.get("/reports/schedules/new/").content.decode()
    assert "Test visits" in page and 'name="recipients"' in page
    response = client.post("/reports/schedules/new/", form_data(manager, desk))
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.weekday == 0 and schedule.send_time == time(7, 15)
    assert set(schedule.recipients.all()) == {manager, desk}

    detail = client.get(f"/reports/schedules/{schedule.pk}/").content.decode()
    assert "Every Monday at 07:15" in detail and "Not run yet." in detail

    response = client.post(
        f"/reports/schedules/{schedule.pk}/edit/",
        form_data(manager, frequency="monthly", weekday="", day_of_month="31"),
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.day_of_month, schedule.weekday) == ("monthly", 31, None)

    # "Send now" runs as a job; the run and the job's status show on the page.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/schedules/{schedule.pk}/send/")
    assert response.status_code == 302
    run = ReportScheduleRun.objects.get(schedule=schedule)
    assert run.status == RunStatus.OK and run.recipients == [manager.email]
    assert (
        JobRun.objects.get(idempotency_key=f"reports:send-now:{schedule.pk}").status == "succeeded"
    )
    detail = client.get(f"/reports/schedules/{schedule.pk}/").content.decode()
    assert "Sent to 1 recipient(s)." in detail and 'id="send-job"' in detail

    assert client.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 302
    assert not ReportSchedule.objects.exists()


def test_a_recipient_who_may_not_see_the_report_is_a_field_error(db):
    manager = persona("manager")
    biller = persona("biller")
    client = signed_in_client(manager)
    response = client.post("/reports/schedules/new/", form_data(manager, biller))
    assert response.status_code == 400
    assert "may not see Test visits" in response.content.decode()
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused_and_change_nothing(db, role):
    manager = persona("manager")
    schedule = make_schedule(manager, [manager])
    client = signed_in_client(persona(role))
    base = f"/reports/schedules/{schedule.pk}"
    for path in ("/reports/schedules/", "/reports/schedules/new/", f"{base}/", f"{base}/edit/"):
        assert client.get(path).status_code == 403, path
    assert client.post("/reports/schedules/new/", form_data(manager)).status_code == 403
    assert client.post(f"{base}/edit/", form_data(manager, send_time="09:00")).status_code == 403
    assert client.post(f"{base}/send/").status_code == 403
    assert client.post(f"{base}/delete/").status_code == 403
    assert ReportSchedule.objects.count() == 1
    schedule.refresh_from_db()
    assert schedule.send_time == time(7, 0) and schedule.frequency == "monthly"
    assert not ReportScheduleRun.objects.exists() and not JobRun.objects.exists()
