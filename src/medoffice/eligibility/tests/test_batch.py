"""The periodic job: a 270 per coverage of tomorrow's visits without a recent answer, the
others skipped; 271s received through the transport and imported; the scheduler's hook; the
commands."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from medoffice.core.models import JobRun, JobStatus
from medoffice.eligibility.batch import eligibility_check_visits_tomorrow, eligibility_poll
from medoffice.eligibility.models import CheckStatus, EligibilityCheck
from medoffice.eligibility.services import eligibility_request
from medoffice.eligibility.tasks import eligibility_check_tomorrow, enqueue_if_due
from medoffice.eligibility.tests.conftest import answer_271
from medoffice.frontdesk.tests.conftest import NY, local, visit
from medoffice.patients.models import Coverage
from medoffice.scheduling.tests.conftest import make_patient


def tomorrow() -> date:
    return timezone.now().astimezone(NY).date() + timedelta(days=1)


def covered(name: str, payer) -> Coverage:
    patient = make_patient(family=name)
    return Coverage.objects.create(
        patient=patient, payer=payer, member_id=f"M{name}", member_id_norm=f"M{name}",
        effective_date=date(2020, 1, 1),
    )  # fmt: skip


def answered(coverage, actor, site, days_ago: int) -> EligibilityCheck:
    check = eligibility_request(
        coverage=coverage, service_date=tomorrow(), actor=actor, transport=site["transport"]
    )
    when = timezone.now() - timedelta(days=days_ago)
    EligibilityCheck.objects.filter(pk=check.pk).update(
        status=CheckStatus.ANSWERED, answered_at=when, requested_at=when, active=True
    )
    return check


@pytest.fixture
def day(site, staff):
    """Tomorrow: a visit never checked, one answered 2 days ago, one answered 10 days ago, a
    cancelled one, a patient without coverage; the day after, another visit."""
    biller = staff("biller")
    payer = site["payer"]
    never, recent, stale, cancelled, later = (
        covered(n, payer) for n in ("Never", "Recent", "Stale", "Cancelled", "Later")
    )
    answered(recent, biller, site, days_ago=2)
    answered(stale, biller, site, days_ago=10)
    for hour, coverage in ((9, never), (10, recent), (11, stale)):
        visit(site, start=local(tomorrow(), hour), patient=coverage.patient)
    visit(site, start=local(tomorrow(), 12), patient=cancelled.patient, status="cancelled")
    visit(site, start=local(tomorrow(), 13), patient=make_patient(family="Uninsured"))
    visit(site, start=local(tomorrow() + timedelta(days=1), 9), patient=later.patient)
    return {"biller": biller, "never": never, "recent": recent, "stale": stale,
            "cancelled": cancelled, "later": later}  # fmt: skip


def open_checks():
    return EligibilityCheck.objects.filter(status=CheckStatus.SENT)


def test_tomorrows_visits_without_a_recent_answer_get_a_270(site, day):
    outcome = eligibility_check_visits_tomorrow(actor=day["biller"], transport=site["transport"])
    assert {c.coverage_id for c in open_checks()} == {day["never"].pk, day["stale"].pk}
    assert (outcome.visits, outcome.sent, outcome.skipped_recent) == (4, 2, 1)
    check = open_checks().get(coverage=day["never"])
    assert (
        check.service_date == tomorrow() and check.appointment.patient_id == day["never"].patient_id
    )
    # Run again: the inquiries still waiting count as recent, so nothing is sent twice.
    again = eligibility_check_visits_tomorrow(actor=day["biller"], transport=site["transport"])
    assert (again.sent, again.skipped_recent) == (0, 3) and open_checks().count() == 2


def test_a_coverage_that_cannot_be_asked_is_named_and_the_rest_go(site, day):
    from medoffice.patients.models import Payer

    no_edi = Payer.objects.create(name="Paper Only Mutual")
    Coverage.objects.filter(pk=day["stale"].pk).update(payer=no_edi)
    outcome = eligibility_check_visits_tomorrow(actor=day["biller"], transport=site["transport"])
    assert outcome.sent == 1 and len(outcome.failed) == 1
    assert "Paper Only Mutual" in outcome.failed[0] and "EDI payer id" in outcome.failed[0]


def test_the_job_sends_reads_answers_and_shows_progress(
    site, day, settings, django_capture_on_commit_callbacks
):
    settings.CLEARINGHOUSE_USER = day["biller"].username
    waiting = answered(day["later"], day["biller"], site, days_ago=0)
    EligibilityCheck.objects.filter(pk=waiting.pk).update(status=CheckStatus.SENT, answered_at=None)
    inbox = site["transport"].inbox
    inbox.mkdir(parents=True)
    (inbox / "answer.271").write_text(answer_271(waiting.trace_number, member="MLater"))
    (inbox / "claims.999").write_text("ISA*00*...not ours")
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_if_due() is True
    run = JobRun.objects.get()
    assert run.status == JobStatus.SUCCEEDED and run.label.startswith("Check eligibility")
    assert (run.progress_done, run.progress_total) == (4, 4)
    assert "2 inquiry(ies) sent" in run.message and "271: 1 imported" in run.message
    assert EligibilityCheck.objects.get(pk=waiting.pk).status == CheckStatus.ANSWERED
    assert sorted(p.name for p in inbox.iterdir()) == ["claims.999", "done"]
    # Within the interval the scheduler does not start another run.
    assert enqueue_if_due() is False and JobRun.objects.count() == 1


def test_the_scheduler_needs_a_user_to_act_as(db, settings):
    settings.CLEARINGHOUSE_USER = ""
    assert enqueue_if_due() is False and not JobRun.objects.exists()


def test_scheduler_round_enqueues_the_eligibility_job(db, settings, staff):
    from medoffice.messaging.management.commands.messaging import scheduler_round

    settings.CLEARINGHOUSE_USER = staff("biller").username
    assert "eligibility checks" in scheduler_round()
    assert JobRun.objects.get().task_path == eligibility_check_tomorrow.module_path


def test_poll_leaves_an_unreadable_271_in_the_inbox_and_names_it(site, staff):
    inbox = site["transport"].inbox
    inbox.mkdir(parents=True)
    broken = answer_271("EL1").replace("EB*C*IND", "EB**IND")
    (inbox / "broken.271").write_text(broken)
    message = eligibility_poll(actor=staff("frontdesk"), transport=site["transport"])
    assert "1 not readable: broken.271: Cannot read the 271 file: segment" in message
    assert (inbox / "broken.271").exists()


def test_commands_check_a_patient_and_import_files(site, staff, tmp_path, settings):
    desk = staff("frontdesk")
    out = StringIO()
    call_command(
        "eligibility", "check", "--patient", site["patient"].mrn, "--date", "2026-03-02",
        "--as-user", desk.username, stdout=out,
    )  # fmt: skip
    check = EligibilityCheck.objects.get()
    assert check.service_date == date(2026, 3, 2) and check.trace_number in out.getvalue()
    answer = tmp_path / "answer.271"
    answer.write_text(answer_271(check.trace_number))
    out = StringIO()
    call_command("eligibility", "import", str(answer), "--as-user", desk.username, stdout=out)
    call_command("eligibility", "import", str(answer), "--as-user", desk.username, stdout=out)
    assert "1 answered" in out.getvalue() and "imported before; nothing changed" in out.getvalue()
    with pytest.raises(CommandError, match="No patient"):
        call_command("eligibility", "check", "--patient", "NOPE", "--as-user", desk.username)
    nurse = staff("nurse")
    with pytest.raises(CommandError, match="does not"):
        call_command("eligibility", "import", str(answer), "--as-user", nurse.username)
