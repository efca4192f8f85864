"""Forms of the scheduling setup pages. They parse what is typed; the models' validators (NPI
check digit, taxonomy, colours, durations, recurrence rules) and the setup services decide."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from medoffice.accounts.models import User
from medoffice.organization.models import Department, Location
from medoffice.scheduling.models import (
    SLOT_MINUTES,
    AppointmentType,
    AvailabilityTemplate,
    Equipment,
    Holiday,
    Provider,
    Room,
)

WEEKDAYS = [("MO", "Mon"), ("TU", "Tue"), ("WE", "Wed"), ("TH", "Thu"), ("FR", "Fri"), ("SA", "Sat"), ("SU", "Sun")]  # fmt: skip
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ROOM_KINDS = Room._meta.get_field("kind").choices


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": SLOT_MINUTES * 60}, format="%H:%M")


class FieldsetsMixin:
    FIELDSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (key, legend, [self[n] for n in names if n in self.fields])  # type: ignore[index,attr-defined]
            for key, legend, names in self.FIELDSETS
        ]


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class ProviderChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ListField(forms.CharField):
    """Comma- or space-separated words, e.g. "ecg, spirometer"."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [w for w in re.split(r"[\s,;]+", text) if w]

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(str(v) for v in value) if isinstance(value, list) else value


class HoursListField(ListField):
    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        words = super().to_python(value)
        if any(not w.isdigit() for w in words):
            raise forms.ValidationError("Whole hours before the visit, e.g. 120, 48, 24.")
        return sorted({int(w) for w in words}, reverse=True)


class ProviderForm(FieldsetsMixin, forms.ModelForm):
    FIELDSETS = (
        ("who", "Who", ("user", "npi", "taxonomy", "color")),
        ("where", "Where they work", ("locations", "departments")),
        ("status", "Booking", ("accepts_new_patients", "is_active")),
    )
    user = PersonChoice(queryset=User.objects.none(), label="Clinician")

    class Meta:
        model = Provider
        fields = ["user", "npi", "taxonomy", "color", "locations", "departments", "accepts_new_patients", "is_active"]  # fmt: skip
        widgets = {
            "locations": forms.CheckboxSelectMultiple,
            "departments": forms.CheckboxSelectMultiple,
            "color": forms.TextInput(attrs={"type": "color"}),
        }
        labels = {"npi": "NPI", "taxonomy": "Taxonomy code", "color": "Colour on the calendar"}
        help_texts = {
            "npi": "10 digits; the last is a check digit.",
            "taxonomy": "e.g. 207Q00000X (family medicine).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinicians = User.objects.filter(roles__code="clinician", is_active=True)
        current = self.instance.user_id if self.instance.pk else None
        taken = Provider.objects.exclude(user_id=current).values("user_id")
        self.fields["user"].queryset = clinicians.exclude(pk__in=taken).order_by(
            "last_name", "first_name"
        )
        self.fields["locations"].queryset = Location.objects.filter(is_active=True)
        self.fields["departments"].queryset = Department.objects.filter(is_active=True)


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "kind", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(is_active=True)


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = Equipment
        fields = ["location", "name", "kind", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(is_active=True)


class AppointmentTypeForm(FieldsetsMixin, forms.ModelForm):
    FIELDSETS = (
        ("visit", "Visit", ("name", "code", "duration_minutes", "patient_kind", "department", "color", "telehealth")),
        ("needs", "What it needs", ("room_kind", "equipment_kinds", "allowed_providers")),
        ("patient", "For the patient", ("default_reason", "prep_instructions", "reminder_hours")),
        ("rules", "Rules and billing", ("allows_overbooking", "requires_authorization", "service_codes", "is_active")),
    )  # fmt: skip
    room_kind = forms.ChoiceField(
        choices=[("", "No room"), *ROOM_KINDS],
        required=False,
        label="Room",
        help_text="A room of this kind is booked with the visit.",
    )
    equipment_kinds = ListField(
        required=False,
        label="Equipment kinds",
        help_text="Booked with the visit, e.g. ecg, spirometer.",
    )
    reminder_hours = HoursListField(
        required=False,
        label="Reminders (hours before)",
        help_text="e.g. 120, 48, 24 (5 days, 2 days, 1 day).",
    )
    service_codes = ListField(
        required=False,
        label="Service codes",
        help_text="CPT/HCPCS the visit usually bills; authorizations match on them.",
    )
    allowed_providers = ProviderChoices(
        queryset=Provider.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any provider.",
    )  # fmt: skip

    class Meta:
        model = AppointmentType
        fields = [
            "name", "code", "duration_minutes", "patient_kind", "department", "color", "telehealth", "room_kind",
            "equipment_kinds", "allowed_providers", "default_reason", "prep_instructions", "reminder_hours",
            "allows_overbooking", "requires_authorization", "service_codes", "is_active",
        ]  # fmt: skip
        widgets = {
            "color": forms.TextInput(attrs={"type": "color"}),
            "duration_minutes": forms.NumberInput(
                attrs={"step": SLOT_MINUTES, "min": SLOT_MINUTES}
            ),
            "prep_instructions": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"duration_minutes": "Duration (minutes)", "patient_kind": "Patients"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allowed_providers"].queryset = Provider.objects.filter(
            is_active=True
        ).select_related("user")
        self.fields["department"].queryset = Department.objects.filter(is_active=True)


class LocationHoursForm(forms.Form):
    """Seven rows: opens and closes per weekday; both empty = closed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in enumerate(DAY_NAMES):
            self.fields[f"day_{day}_opens"] = forms.TimeField(
                required=False, label=f"{name} opens", widget=time_input()
            )
            self.fields[f"day_{day}_closes"] = forms.TimeField(
                required=False, label=f"{name} closes", widget=time_input()
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (name, self[f"day_{d}_opens"], self[f"day_{d}_closes"])
            for d, name in enumerate(DAY_NAMES)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in range(7):
            opens, closes = data.get(f"day_{day}_opens"), data.get(f"day_{day}_closes")
            if bool(opens) != bool(closes):
                self.add_error(f"day_{day}_closes", "Give both times, or neither for a closed day.")
        return data

    def hours(self) -> dict[int, tuple[time, time] | None]:
        out: dict[int, tuple[time, time] | None] = {}
        for day in range(7):
            opens, closes = (
                self.cleaned_data.get(f"day_{day}_opens"),
                self.cleaned_data.get(f"day_{day}_closes"),
            )
            out[day] = (opens, closes) if opens and closes else None
        return out


def weekly_days(rule: str) -> tuple[list[str], int] | None:
    """("MO","WE"), interval for a plain weekly rule; None for anything fancier."""
    parts = dict(p.split("=", 1) for p in (rule or "").upper().split(";") if "=" in p)
    if (
        parts.get("FREQ") != "WEEKLY"
        or set(parts) - {"FREQ", "BYDAY", "INTERVAL"}
        or "BYDAY" not in parts
    ):
        return None
    days = parts["BYDAY"].split(",")
    if not set(days) <= {d for d, _ in WEEKDAYS}:
        return None
    interval = parts.get("INTERVAL", "1")
    return (days, int(interval)) if interval.isdigit() else None


def describe_rule(rule: str) -> str:
    """ "FREQ=WEEKLY;BYDAY=MO,WE" -> "Mon, Wed"; other rules as written."""
    weekly = weekly_days(rule)
    if weekly is None:
        return rule
    names = dict(WEEKDAYS)
    days = ", ".join(names[d] for d, _ in WEEKDAYS if d in weekly[0])
    return days if weekly[1] == 1 else f"{days}, every {weekly[1]} weeks"


class TemplateForm(FieldsetsMixin, forms.ModelForm):
    """Weekly hours by ticking days, or any RFC 5545 rule typed in (which then wins)."""

    FIELDSETS = (
        ("who", "Who and where", ("provider", "location", "department")),
        ("when", "When", ("days", "every_weeks", "rrule", "start_time", "end_time", "starts_on", "ends_on", "exdates")),
        ("kind", "What can be booked", ("kind", "reserved_label", "reserved_types", "is_active", "note")),
    )  # fmt: skip
    days = forms.MultipleChoiceField(
        choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple, label="Days"
    )
    every_weeks = forms.IntegerField(
        min_value=1, max_value=8, initial=1, label="Every how many weeks"
    )
    rrule = forms.CharField(
        required=False, max_length=300, label="Or a recurrence rule (RFC 5545)",
        help_text="e.g. FREQ=MONTHLY;BYDAY=1TU (first Tuesday). Leave empty to use the days ticked.",
    )  # fmt: skip
    exdates = ListField(
        required=False, label="Skipped dates", help_text="e.g. 2026-12-24, 2026-12-31"
    )
    reserved_types = forms.ModelMultipleChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True), required=False,
        widget=forms.CheckboxSelectMultiple, label="Reserved for these visit types",
    )  # fmt: skip

    class Meta:
        model = AvailabilityTemplate
        fields = [
            "provider", "location", "department", "rrule", "start_time", "end_time", "starts_on", "ends_on",
            "exdates", "kind", "reserved_label", "reserved_types", "is_active", "note",
        ]  # fmt: skip
        widgets = {
            "start_time": time_input(),
            "end_time": time_input(),
            "starts_on": date_input(),
            "ends_on": date_input(),
        }
        labels = {
            "starts_on": "From",
            "ends_on": "Until (optional)",
            "reserved_label": "Reserved for (label)",
        }

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["location"].queryset = Location.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        weekly = weekly_days(self.instance.rrule) if self.instance.pk else None
        if weekly is not None:
            self.initial.setdefault("days", weekly[0])
            self.initial.setdefault("every_weeks", weekly[1])
            self.initial["rrule"] = ""
        elif not self.instance.pk:
            self.initial.setdefault("days", ["MO", "TU", "WE", "TH", "FR"])

    def clean_exdates(self) -> list[str]:
        out = []
        for word in self.cleaned_data.get("exdates") or []:
            try:
                out.append(date.fromisoformat(word).isoformat())
            except ValueError:
                raise forms.ValidationError(f"{word} is not a date like 2026-12-24.") from None
        return sorted(set(out))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("rrule") or "").strip():
            days = data.get("days") or []
            if not days:
                self.add_error("days", "Tick the days, or type a rule.")
            else:
                every = data.get("every_weeks") or 1
                order = [d for d, _ in WEEKDAYS if d in days]
                data["rrule"] = f"FREQ=WEEKLY;BYDAY={','.join(order)}" + (
                    f";INTERVAL={every}" if every > 1 else ""
                )
        else:
            data["rrule"] = data["rrule"].strip().upper()
        return data

    def reserved_type_ids(self) -> list[int]:
        return [t.pk for t in self.cleaned_data.get("reserved_types") or []]


class TimeOffForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none())
    start_date = forms.DateField(widget=date_input(), label="From")
    start_time = forms.TimeField(
        required=False, widget=time_input(), label="at", help_text="Empty: the whole day."
    )
    end_date = forms.DateField(widget=date_input(), label="To")
    end_time = forms.TimeField(
        required=False, widget=time_input(), label="at", help_text="Empty: the end of the day."
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers

    def span(self) -> tuple[datetime, datetime]:
        """Start and end in the provider's zone (their first location's; the practice's)."""
        data = self.cleaned_data
        location = data["provider"].locations.order_by("pk").first()
        zone = (
            zoneinfo.ZoneInfo(location.time_zone) if location else timezone.get_current_timezone()
        )
        start = datetime.combine(data["start_date"], data.get("start_time") or time(0), tzinfo=zone)
        end_day = data["end_date"]
        if data.get("end_time"):
            end = datetime.combine(end_day, data["end_time"], tzinfo=zone)
        else:
            end = datetime.combine(end_day, time(0), tzinfo=zone) + timezone.timedelta(days=1)
        return start, end


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "name", "location"]
        widgets = {"date": date_input()}
        help_texts = {"location": "Empty: the whole practice is closed."}


class HolidaysLoadForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    subdivision = forms.ChoiceField(
        required=False, label="State", help_text="Adds the state's own holidays."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import holidays

        super().__init__(*args, **kwargs)
        self.fields["subdivision"].choices = [("", "Federal holidays only")] + [
            (code, code) for code in holidays.US.subdivisions
        ]
        self.fields["year"].initial = timezone.localdate().year + 1


def providers_editable_by(user: Any) -> Any:
    """The providers whose hours and time off this person may change (a clinician: their own)."""
    from medoffice.scheduling.services.setup import is_scheduler

    providers = Provider.objects.filter(is_active=True).select_related("user")
    return providers if is_scheduler(user) else providers.filter(Q(user=user))
