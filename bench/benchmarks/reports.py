"""The manager's cockpit on the large demo: every registered KPI report over the last twelve
full months, and the morning huddle (the manager's home page and /huddle/), server time."""

from __future__ import annotations

from datetime import date, timedelta

from harness import Run, Timing, benchmark
from medoffice.accounts.models import User
from medoffice.core import context

KPI_LIMIT_MS = 1000
HUDDLE_LIMIT_MS = 300


def _last_twelve_months(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, end


@benchmark("kpi_reports", target=f"each KPI p95 < {KPI_LIMIT_MS} ms")
def kpi_reports(run: Run) -> list:
    """Each KPI's compute function (what its page, exports and e-mails call) for all
    locations, the last twelve full months by month, through the reports selector."""
    from django.utils import timezone

    from medoffice.reports import kpi, selectors

    start, end = _last_twelve_months(timezone.localdate())
    filters = kpi.ReportFilters(start=start, end=end, grain=kpi.Grain.MONTH)
    manager = User.objects.get(username="manager")
    rows = []
    with context.acting_as(manager, source="cli"):
        for item in kpi.all_kpis():
            result_box: dict = {}

            def once(item: kpi.Kpi = item, box: dict = result_box) -> None:
                box["result"] = selectors.kpi_result(item, filters)

            timing = run.measure(once, n=5, warmup=1, budget_s=20, min_n=3)
            result = result_box["result"]
            points = (
                sum(1 for p in result.series[0].points if p.value is not None)
                if result.series
                else 0
            )
            rows.append(
                run.result(
                    timing, name=f"kpi_{item.key}", throughput=False,
                    target=f"p95 < {KPI_LIMIT_MS} ms", passed=timing.p95_ms < KPI_LIMIT_MS,
                    note=f"{item.title}: {start}..{end} by month, headline {result.headline}, "
                         f"{points} periods with a value, {len(result.rows)} table rows",
                )
            )  # fmt: skip
    return rows


@benchmark("huddle_page", target=f"p95 < {HUDDLE_LIMIT_MS} ms")
def huddle_page(run: Run) -> list:
    """The office manager's morning: GET / (the home page, huddle first) and GET /huddle/ for
    tomorrow, all locations, through the test client (middleware, audit, templates)."""
    from medoffice.testing.personas import signed_in_client

    client = signed_in_client(User.objects.get(username="manager"))
    rows = []
    for name, url, params in (
        ("huddle_home", "/", {}),
        ("huddle_page", "/huddle/", {}),
        ("huddle_page_tomorrow", "/huddle/", {"day": "tomorrow"}),
    ):

        def get(url: str = url, params: dict = params) -> None:
            response = client.get(url, params)
            if response.status_code != 200:
                raise AssertionError(f"{url} answered {response.status_code}")

        timing: Timing = run.measure(get, n=30, warmup=3, budget_s=20, min_n=10)
        rows.append(
            run.result(
                timing, name=name, throughput=False, target=f"p95 < {HUDDLE_LIMIT_MS} ms",
                passed=timing.p95_ms < HUDDLE_LIMIT_MS,
                note=f"GET {url} {params or ''} as the office manager",
            )
        )  # fmt: skip
    return rows
