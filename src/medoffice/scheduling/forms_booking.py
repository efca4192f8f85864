"""Forms of the calendar's panels: book, move, cancel. They parse and check input; the
booking services decide what may be booked."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms

from medoffice.organization.models import Location
from medoffice.scheduling.models import SLOT_MINUTES, AppointmentType, CancelledBy, Provider, Room


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user = obj.user
        name = user.get_full_name() or user.username
        return f"{name}, {user.title}" if user.title else name


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.duration_minutes} min)"


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


def local_start(location: Location, day: Any, at: Any) -> datetime:
    """A wall-clock date and time at the location, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(location.time_zone))


class _WhenForm(forms.Form):
    """Where and when: location, provider, date and time (on 5-minute marks)."""

    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of your locations."},
    )
    provider = ProviderChoiceField(
        queryset=Provider.objects.none(),
        empty_label="Choose the provider",
        error_messages={
            "required": "Choose the provider.",
            "invalid_choice": "You cannot book on this provider's schedule.",
        },
    )
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": SLOT_MINUTES * 60}, format="%H:%M")
    )
    room = RoomChoiceField(
        queryset=Room.objects.none(),
        required=False,
        empty_label="Automatic (a free room of the right kind)",
        error_messages={"invalid_choice": "Choose a room at this location."},
    )
    overbook = forms.BooleanField(
        required=False, label="Overbook (book over another visit at this time)"
    )

    def __init__(
        self,
        *args: Any,
        locations: Any,
        providers: Any,
        rooms: Any,
        may_overbook: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["provider"].queryset = providers
        self.fields["room"].queryset = rooms
        if not may_overbook:
            del self.fields["overbook"]

    def clean_time(self) -> Any:
        at = self.cleaned_data["time"]
        if at.minute % SLOT_MINUTES or at.second:
            raise forms.ValidationError(f"Times are on {SLOT_MINUTES}-minute marks (9:00, 9:05…).")
        return at

    def start(self) -> datetime:
        data = self.cleaned_data
        return local_start(data["location"], data["date"], data["time"])


class BookingForm(_WhenForm):
    patient = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "Find and choose the patient.",
            "invalid": "Choose the patient.",
        },
    )
    type = TypeChoiceField(
        queryset=AppointmentType.objects.none(),
        label="Type of visit",
        empty_label="Choose the kind of visit",
        error_messages={
            "required": "Choose the kind of visit.",
            "invalid_choice": "This provider does not offer that kind of visit.",
        },
    )
    reason = forms.CharField(max_length=300, required=False, label="Reason for the visit")
    front_desk_note = forms.CharField(
        max_length=300,
        required=False,
        label="Front-desk note",
        help_text="Non-clinical, e.g. “bring the new insurance card”.",
    )
    outside_hours = forms.BooleanField(required=False, label="Book outside the provider's hours")
    # Where the booking came from (kept through the panel's redraws): a referral to link the
    # visit to, the visit it follows up.
    referral = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    follow_up_of = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = ["patient", "location", "provider", "date", "time", "type", "reason",
                   "front_desk_note", "room", "overbook", "outside_hours"]  # fmt: skip

    def __init__(self, *args: Any, types: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types
        if "overbook" not in self.fields:
            del self.fields["outside_hours"]


class MoveForm(_WhenForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(
        choices=CancelledBy.choices,
        widget=forms.RadioSelect,
        label="Who cancelled",
        error_messages={"required": "Who cancelled: the patient or the practice?"},
    )
    reason = forms.CharField(
        max_length=300,
        label="Reason",
        error_messages={"required": "Say why the appointment is cancelled."},
    )
