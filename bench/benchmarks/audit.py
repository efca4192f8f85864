"""The audit trail: cost of appending, its share of page latency, verify and report speed."""

from __future__ import annotations

import contextlib
import itertools
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.db.models import Count
from django.test import Client

from harness import Run, Timing, benchmark
from medoffice.accounts.models import User
from medoffice.audit import chain, selectors, services
from medoffice.audit.models import AuditEvent
from medoffice.core import context
from medoffice.patients.models import Patient


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _patient_ids(limit: int = 5000) -> list[int]:
    """Ids of real patients when there is a patients app (MRN look-ups then find them)."""
    with contextlib.suppress(LookupError):
        model = apps.get_model("patients", "Patient")
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True)[:limit])
        if ids:
            return ids
    return list(range(1, limit + 1))


@benchmark("audit_append", target="p95 < 5 ms")
def audit_append(run: Run):
    """One audit_record call in its own transaction, as a view records a chart view."""
    user = _user("clinician")
    patient_ids = itertools.cycle(_patient_ids())

    def append_one() -> None:
        pid = next(patient_ids)
        services.audit_record(
            action="view", actor=user, object_type="patient", object_id=pid, patient_id=pid
        )

    with context.acting_as(user, source="web"):
        timing = run.measure(append_one, n=1000, warmup=50)
    return run.result(timing, throughput_unit="entries/s")


@benchmark("audit_append_many", target="p95 < 50 ms")
def audit_append_many(run: Run):
    """audit_patients_shown for a 50-row patient list: 50 entries, one transaction."""
    user = _user("frontdesk")
    ids = _patient_ids()
    pages = itertools.cycle([ids[i : i + 50] for i in range(0, len(ids) - 49, 50)])

    def append_page() -> None:
        services.audit_patients_shown(patient_ids=next(pages), view="patient_list", actor=user)

    with context.acting_as(user, source="web"):
        timing = run.measure(append_page, n=200, warmup=10)
    return run.result(
        timing, items_per_call=50, throughput_unit="entries/s", note="50 entries per call"
    )


@contextlib.contextmanager
def _patched_append(replacement: Callable[[list[AuditEvent]], list[AuditEvent]]) -> Iterator[None]:
    original = chain.append
    chain.append = replacement  # type: ignore[assignment]
    try:
        yield
    finally:
        chain.append = original  # type: ignore[assignment]


@benchmark("audit_overhead", target="< 10% overhead")
def audit_overhead(run: Run):
    """Signed-in page latency with auditing on vs chain.append patched to a no-op."""
    from medoffice.testing.personas import signed_in_client

    compliance = signed_in_client(_user("compliance"))
    clinician = signed_in_client(_user("clinician"))
    # A typical PHI page: a patient's chart (one view entry per request).
    patient_id = (
        Patient.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)[500]
    )
    original = chain.append
    append_seconds: list[float] = []

    def timed_append(events: list[AuditEvent]) -> list[AuditEvent]:
        started = time.perf_counter()
        try:
            return original(events)
        finally:
            append_seconds.append(time.perf_counter() - started)

    rows = []
    pages = (
        (compliance, "/audit/", 100),
        (clinician, f"/chart/patients/{patient_id}/", 100),
        (compliance, "/", 200),
    )
    for client, path, per_arm in pages:

        def get(path: str = path, client: Client = client) -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise AssertionError(f"GET {path} answered {response.status_code}")

        on, off = Timing([]), Timing([])
        append_seconds.clear()
        rounds = 10  # alternate the arms so drift (caches, autovacuum, load) hits both alike
        for i in range(rounds):
            for arm in ("on", "off") if i % 2 == 0 else ("off", "on"):
                if arm == "on":
                    with _patched_append(timed_append):
                        on += run.measure(get, n=per_arm // rounds, warmup=3)
                else:
                    with _patched_append(lambda events: events):
                        off += run.measure(get, n=per_arm // rounds, warmup=3)
        overhead = (on.p50_ms - off.p50_ms) / off.p50_ms
        appends_per_request = len(append_seconds) / (on.n + 3 * rounds)
        append_ms = sum(append_seconds) / max(1, len(append_seconds)) * 1000
        # A steadier estimate than the difference of two noisy medians: time spent in append.
        append_share = appends_per_request * append_ms / off.p50_ms
        note = (
            f"on p50 {on.p50_ms:.2f} / off p50 {off.p50_ms:.2f} ms "
            f"(off p95 {off.p95_ms:.2f}): overhead {overhead:+.1%}; "
            f"{appends_per_request:.1f} append/request at {append_ms:.2f} ms each "
            f"= {append_share:.1%} of the off p50"
        )
        passed: bool | None = overhead < 0.10
        if not append_seconds:
            # Nothing audited: a control row, its "overhead" is measurement noise.
            passed = None
            note += " (page writes no audit entry: control, the difference is noise)"
        rows.append(
            run.result(
                on,
                name="audit_overhead GET " + path.replace(str(patient_id), "<id>"),
                throughput=False,
                note=note,
                passed=passed,
                overhead=overhead,
                append_share=append_share,
                off_p50_ms=off.p50_ms,
                off_p95_ms=off.p95_ms,
                off_max_ms=off.max_ms,
                appends_per_request=appends_per_request,
                append_ms=append_ms,
            )
        )
    return rows


@benchmark("audit_verify", target=">= 20,000 entries/s")
def audit_verify(run: Run):
    """chain.verify() over the whole log: re-hash and re-link every entry."""
    started = time.perf_counter()
    result = chain.verify()
    elapsed = time.perf_counter() - started
    rate = result.checked / elapsed
    note = f"{result.checked:,} entries in {elapsed:.1f} s, " + (
        "chain intact" if result.ok else f"CHAIN BROKEN: {result.problem}"
    )
    row = run.result(note=note, passed=result.ok and rate >= 20_000)
    row.n = 1
    row.throughput = rate
    row.throughput_unit = "entries/s"
    row.extra = {"seconds": elapsed, "checked": result.checked, "ok": result.ok}
    return row


def _report(term: str) -> tuple[list[AuditEvent], list[dict[str, Any]]]:
    qs = selectors.audit_events(selectors.AuditFilter(patient=term))
    return list(qs[:50]), selectors.access_summary_by_user(qs)


@benchmark("audit_report_patient", target="p95 < 200 ms")
def audit_report_patient(run: Run):
    """Compliance's "who saw this patient": first 50 entries + access summary by user."""
    # The patients seen most (the heavy end) and recently seen ones (typical), fixed per dataset.
    busiest = list(
        AuditEvent.objects.exclude(patient_id=None)
        .values("patient_id", "patient_ref")
        .annotate(n=Count("id"))
        .order_by("-n", "patient_id")[:10]
    )
    head = run.dataset["audit_entries"]  # as restored: the same for every run of a dataset
    recent = list(
        AuditEvent.objects.filter(seq__lte=head)
        .exclude(patient_id=None)
        .order_by("-seq")
        .values("patient_id", "patient_ref")[:5000]
    )
    sample = busiest + random.Random(1).sample(recent, 10)
    if not sample:
        return run.result(note="no audit entries about patients", passed=False)
    rows = []
    for label, key in (("by id", "patient_id"), ("by MRN", "patient_ref")):
        terms = itertools.cycle([str(p[key]) for p in sample if p[key]])
        found: list[int] = []

        def report(terms: Iterator[str] = terms, found: list[int] = found) -> None:
            entries, _by_user = _report(next(terms))
            found.append(len(entries))

        timing = run.measure(report, n=100, warmup=len(sample), budget_s=30)
        rows.append(
            run.result(
                timing,
                name=f"audit_report_patient ({label})",
                throughput=False,
                note=f"{len(sample)} patients, {min(found)}-{max(found)} entries shown",
            )
        )
    return rows
