"""Forms of the initiative pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from medoffice.quality.models import InitiativeStatus
from medoffice.reports import kpi as kpi_registry
from medoffice.reports.kpi import Grain


def _date(**attrs: Any) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs})


def _staff() -> Any:
    from medoffice.reports.forms_schedules import staff_users

    return staff_users()


class InitiativeForm(forms.Form):
    title = forms.CharField(max_length=200)
    problem = forms.CharField(label="Problem statement", widget=forms.Textarea(attrs={"rows": 3}))
    kpi_key = forms.ChoiceField(label="Goal metric")
    grain = forms.ChoiceField(
        choices=[(g.value, g.value.capitalize()) for g in Grain], initial=Grain.MONTH,
        label="Chart by",
    )  # fmt: skip
    baseline_start = forms.DateField(label="Baseline from", widget=_date())
    baseline_end = forms.DateField(label="Baseline to", widget=_date())
    baseline_value = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, label="Baseline value",
        help_text="Leave empty: computed from the metric over the baseline period.",
    )  # fmt: skip
    target_value = forms.DecimalField(max_digits=12, decimal_places=2, label="Target value")
    owner = forms.ModelChoiceField(queryset=None)
    start_date = forms.DateField(label="Initiative starts", widget=_date())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = [(k.key, k.title) for k in kpi_registry.all_kpis()]  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]
        if not self.is_bound:
            # The last three full months as the baseline, starting today.
            today = timezone.localdate()
            end = today.replace(day=1) - timedelta(days=1)
            start = (end.replace(day=1) - timedelta(days=60)).replace(day=1)
            self.initial.setdefault("baseline_start", start)
            self.initial.setdefault("baseline_end", end)
            self.initial.setdefault("start_date", today)


class InitiativeEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    problem = forms.CharField(label="Problem statement", widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(choices=InitiativeStatus.choices)
    baseline_value = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, label="Baseline value",
        help_text="Leave empty to compute it again from the metric over the baseline period.",
    )  # fmt: skip
    target_value = forms.DecimalField(max_digits=12, decimal_places=2, label="Target value")
    owner = forms.ModelChoiceField(queryset=None)
    start_date = forms.DateField(label="Initiative starts", widget=_date())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()  # type: ignore[attr-defined]


class CycleForm(forms.Form):
    start_date = forms.DateField(label="Starts", widget=_date())
    end_date = forms.DateField(label="Ends", required=False, widget=_date())
    plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="The change, and what you predict."
    )
    do = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="What was done."
    )
    study = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the figures showed against the prediction.",
    )  # fmt: skip
    act = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Adopt, adapt or abandon the change.",
    )  # fmt: skip
    result_notes = forms.CharField(
        required=False, label="Result notes", widget=forms.Textarea(attrs={"rows": 2})
    )
