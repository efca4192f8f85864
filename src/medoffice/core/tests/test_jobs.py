"""The job interface: enqueued on commit, visible to its requester, idempotent, both backends."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from medoffice.audit.models import AuditEvent
from medoffice.core import jobs
from medoffice.core.models import JobRun, JobStatus
from medoffice.core.tests import jobs_fixtures
from medoffice.testing.personas import persona, signed_in_client


@pytest.fixture(autouse=True)
def _reset_calls():
    jobs_fixtures.CALLS.clear()


def test_job_runs_after_commit_and_records_progress(db, django_capture_on_commit_callbacks):
    user = persona("manager")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = jobs.enqueue(jobs_fixtures.count_to_three, "a", actor=user)
        assert jobs_fixtures.CALLS == [], "nothing runs before the transaction commits"
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
    assert (run.progress_done, run.progress_total, run.message) == (3, 3, "counted for a")
    assert jobs_fixtures.CALLS == ["a"]
    entry = AuditEvent.objects.get(action="job")
    assert entry.actor_username == "manager" and entry.source == "job"


def test_rolled_back_transaction_enqueues_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                jobs.enqueue(jobs_fixtures.count_to_three, "x", actor=None)
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert jobs_fixtures.CALLS == []
    assert not JobRun.objects.exists()


def test_failure_is_visible(db, django_capture_on_commit_callbacks):
    user = persona("hr")
    with django_capture_on_commit_callbacks(execute=True):
        run = jobs.enqueue(jobs_fixtures.always_fails, actor=user)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert "printer is on fire" in run.message
    page = signed_in_client(user).get(f"/jobs/{run.pk}/").content.decode()
    assert "Failed" in page and "printer is on fire" in page


def test_idempotency_key_returns_the_run_under_way(db):
    first = jobs.enqueue(jobs_fixtures.count_to_three, "k", actor=None, idempotency_key="nightly")
    second = jobs.enqueue(jobs_fixtures.count_to_three, "k", actor=None, idempotency_key="nightly")
    assert first.pk == second.pk
    JobRun.objects.filter(pk=first.pk).update(status=JobStatus.SUCCEEDED)
    third = jobs.enqueue(jobs_fixtures.count_to_three, "k", actor=None, idempotency_key="nightly")
    assert third.pk != first.pk


def test_redelivered_run_is_skipped(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = jobs.enqueue(jobs_fixtures.count_to_three, "once", actor=None)
    jobs_fixtures.count_to_three.call(str(run.pk), "once")  # a second delivery of the same run
    assert jobs_fixtures.CALLS == ["once"]


def test_people_see_only_their_own_jobs(db, django_capture_on_commit_callbacks):
    owner, other = persona("biller"), persona("nurse")
    with django_capture_on_commit_callbacks(execute=True):
        run = jobs.enqueue(jobs_fixtures.count_to_three, "mine", actor=owner)
    assert signed_in_client(other).get(f"/jobs/{run.pk}/").status_code == 404
    owner_client = signed_in_client(owner)
    assert "Count to three" in owner_client.get("/jobs/").content.decode()
    partial = owner_client.get(f"/jobs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.strip().startswith('<div id="job-status"')
    assert owner_client.get(f"/api/jobs/{run.pk}").json()["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_database_backend_and_worker(settings):
    """The default production path: rows in the task table, a worker process drains them."""
    # django-tasks resets its backends when TASKS changes (setting_changed signal).
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.TASK_BACKEND = "database"
    with transaction.atomic():
        run = jobs.enqueue(jobs_fixtures.count_to_three, "db", actor=None)
    run.refresh_from_db()
    assert run.status == JobStatus.QUEUED and run.backend_result_id
    assert jobs_fixtures.CALLS == []
    call_command("worker", "--batch", "--quiet")
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.message
    assert jobs_fixtures.CALLS == ["db"]
