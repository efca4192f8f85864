"""The SQL period and local-date expressions agree with Python on both databases, around
daylight-saving changes and period edges (SQLite's are built from date() and julianday())."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from medoffice.billing.models import Journal, JournalKind
from medoffice.reports.kpi import Grain, ReportFilters
from medoffice.reports.kpis_revenue_common import (
    as_date,
    days_between,
    local_date,
    period_start,
    trunc,
    trunc_local,
)

pytestmark = pytest.mark.django_db

FILTERS = ReportFilters(start=date(2026, 1, 1), end=date(2026, 12, 31))
INSTANTS = [
    datetime(2026, 3, 8, 6, 59, tzinfo=UTC),  # 01:59 EST, the night clocks go forward
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # 03:00 EDT
    datetime(2026, 3, 8, 4, 30, tzinfo=UTC),  # 23:30 on 7 March, local
    datetime(2026, 11, 1, 3, 30, tzinfo=UTC),  # 23:30 EDT on 31 October: October's
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),  # 01:00 EST, after the clocks went back
    datetime(2026, 11, 2, 4, 59, tzinfo=UTC),  # 23:59 EST on 1 November
    datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    datetime(2025, 6, 30, 23, 0, tzinfo=UTC),  # before the range: the margin's offsets
]


def _journals() -> list[Journal]:
    return [
        Journal.objects.create(
            kind=JournalKind.CHARGE, effective_date=at.date() - timedelta(days=n), posted_at=at
        )
        for n, at in enumerate(INSTANTS)
    ]


@pytest.mark.parametrize("grain", list(Grain))
def test_local_dates_and_periods_match_python(grain):
    zone = timezone.get_current_timezone()
    journals = _journals()
    flt = ReportFilters(start=FILTERS.start, end=FILTERS.end, grain=grain)
    found = {
        row["pk"]: row
        for row in Journal.objects.annotate(
            local=local_date("posted_at", flt),
            local_period=trunc_local("posted_at", flt),
            period=trunc("effective_date", grain),
            lag=days_between(local_date("posted_at", flt), "effective_date"),
        ).values("pk", "local", "local_period", "period", "lag")
    }
    for journal in journals:
        row, day = found[journal.pk], journal.posted_at.astimezone(zone).date()
        assert as_date(row["local"]) == day, journal.posted_at
        assert as_date(row["local_period"]) == period_start(day, grain), journal.posted_at
        assert as_date(row["period"]) == period_start(journal.effective_date, grain)
        lag = row["lag"].days if isinstance(row["lag"], timedelta) else row["lag"]
        assert lag == (day - journal.effective_date).days
