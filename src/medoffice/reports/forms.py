"""The report filter form (GET parameters) and the manager's target form: they parse only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from medoffice.reports.kpi import Filter, Grain, Kpi, ReportFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Long ranges at a fine grain make charts nobody can read and queries nobody needs.
MAX_POINTS = {Grain.DAY: 370, Grain.WEEK: 160, Grain.MONTH: 120}
FILTER_FIELDS = (
    (Filter.LOCATION, "location", "All locations"),
    (Filter.DEPARTMENT, "department", "All departments"),
    (Filter.PROVIDER, "provider", "All providers"),
    (Filter.PAYER, "payer", "All payers"),
)


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last twelve full months: from the first of the month a year before this one to the
    last day of the previous month."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    start = date(end.year - 1, end.month, 1) + timedelta(days=32)
    return start.replace(day=1), end


def default_data(today: date | None = None) -> dict[str, str]:
    start, end = default_range(today)
    return {"start": start.isoformat(), "end": end.isoformat(), "grain": Grain.MONTH.value}


class KpiFilterForm(forms.Form):
    """Dates, grain, and the filters the KPI declares; choices from selectors.filter_choices.

    `own_provider`: a clinician's provider id; the provider list then offers only them.
    """

    start = forms.DateField(widget=DATE, label="From")
    end = forms.DateField(widget=DATE, label="To")
    grain = forms.ChoiceField(
        label="By", choices=[(Grain.MONTH.value, "Month"), (Grain.WEEK.value, "Week"),
                             (Grain.DAY.value, "Day")],
    )  # fmt: skip

    def __init__(
        self,
        kpi: Kpi,
        data: dict[str, Any],
        *,
        choices: dict[str, list[tuple[int, str]]],
        own_provider: int | None = None,
    ) -> None:
        merged = {**default_data(), **{k: v for k, v in data.items() if v is not None}}
        super().__init__(merged)
        self.kpi = kpi
        for flt, name, everyone in FILTER_FIELDS:
            if flt not in kpi.filters:
                continue
            options: list[tuple[Any, str]] = [("", everyone), *choices.get(name, [])]
            if name == "provider" and own_provider is not None:
                options = [(pk, label) for pk, label in choices.get(name, []) if pk == own_provider]
            self.fields[name] = forms.TypedChoiceField(
                label=name.capitalize(), choices=options, coerce=int, empty_value=None,
                required=False,
            )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end, grain = data.get("start"), data.get("end"), data.get("grain")
        if start and end:
            if start > end:
                self.add_error("end", "The end comes before the start.")
            elif grain:
                days = (end - start).days + 1
                points = {Grain.DAY: days, Grain.WEEK: days / 7, Grain.MONTH: days / 30.4}
                if points[Grain(grain)] > MAX_POINTS[Grain(grain)]:
                    self.add_error("grain", "Too many periods for this range: choose a longer one.")
        return data

    def filters(self) -> ReportFilters:
        """The filters (call after is_valid())."""
        data = self.cleaned_data
        return ReportFilters(
            start=data["start"], end=data["end"], grain=Grain(data["grain"]),
            location_id=data.get("location"), department_id=data.get("department"),
            provider_id=data.get("provider"), payer_id=data.get("payer"),
        )  # fmt: skip

    def query(self) -> str:
        """The filters as the query string of the export links."""
        from urllib.parse import urlencode

        keys = ["start", "end", "grain", *(n for f, n, _ in FILTER_FIELDS if n in self.fields)]
        return urlencode({k: self.data[k] for k in keys if self.data.get(k) not in (None, "")})


class KpiTargetForm(forms.Form):
    value = forms.DecimalField(
        label="Practice target", min_value=0, max_digits=12, decimal_places=2
    )
