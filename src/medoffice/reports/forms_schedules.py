"""The report schedule form (the office manager's)."""

from __future__ import annotations

from typing import Any

from django import forms

from medoffice.reports import kpi as kpi_registry
from medoffice.reports.kpi import Grain
from medoffice.reports.models_schedules import WEEKDAYS, Frequency, RelativePeriod, ReportSchedule

FILTER_FIELDS = ("location", "department", "provider", "payer")


def staff_users() -> Any:
    from medoffice.accounts.models import User

    return (
        User.objects.filter(is_active=True, roles__isnull=False)
        .exclude(roles__code="patient")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class RecipientField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        roles = ", ".join(sorted(str(r) for r in obj.roles.all()))
        return f"{obj.get_full_name() or obj.username} ({roles})"


class ScheduleForm(forms.Form):
    kpi_key = forms.ChoiceField(label="Report")
    period = forms.ChoiceField(choices=RelativePeriod.choices, label="Period each e-mail covers")
    grain = forms.ChoiceField(
        choices=[(g.value, g.value.capitalize()) for g in Grain], initial=Grain.MONTH,
        label="Chart by",
    )  # fmt: skip
    location = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    provider = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    payer = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    frequency = forms.ChoiceField(choices=Frequency.choices, label="How often")
    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *WEEKDAYS], coerce=int, required=False, empty_value=None,
        label="Day of the week (weekly)",
    )  # fmt: skip
    day_of_month = forms.TypedChoiceField(
        choices=[("", "—"), *[(d, str(d)) for d in range(1, 32)]], coerce=int, required=False,
        empty_value=None, label="Day of the month (monthly)",
        help_text="A month without this day sends on its last day.",
    )  # fmt: skip
    send_time = forms.TimeField(
        label="Send at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="The practice's local time",
    )  # fmt: skip
    recipients = RecipientField(
        queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text="Only staff whose role may see this report can receive it.",
    )  # fmt: skip
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from medoffice.reports.selectors import filter_choices

        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = [(k.key, k.title) for k in kpi_registry.all_kpis()]  # type: ignore[attr-defined]
        choices = filter_choices()
        for name in FILTER_FIELDS:
            field = self.fields[name]
            field.choices = [("", f"All {name}s"), *choices[name]]  # type: ignore[attr-defined]
            field.help_text = "Used only by reports that filter by it."
        self.fields["recipients"].queryset = staff_users().prefetch_related("roles")  # type: ignore[attr-defined]

    @classmethod
    def for_schedule(cls, schedule: ReportSchedule, data: Any = None) -> ScheduleForm:
        stored = schedule.filters or {}
        initial = {
            "kpi_key": schedule.kpi_key, "period": schedule.period, "grain": schedule.grain,
            "frequency": schedule.frequency, "weekday": schedule.weekday,
            "day_of_month": schedule.day_of_month, "send_time": schedule.send_time,
            "recipients": list(schedule.recipients.all()), "is_active": schedule.is_active,
            **{name: stored.get(f"{name}_id") for name in FILTER_FIELDS},
        }  # fmt: skip
        return cls(data, initial=initial)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kpi_key": data["kpi_key"], "period": data["period"], "grain": data["grain"],
            "filters": {f"{name}_id": data[name] for name in FILTER_FIELDS if data[name]},
            "frequency": data["frequency"], "weekday": data["weekday"],
            "day_of_month": data["day_of_month"], "send_time": data["send_time"],
            "recipients": list(data["recipients"]), "is_active": data["is_active"],
        }  # fmt: skip
