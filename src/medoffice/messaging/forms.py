from __future__ import annotations

from django import forms

from medoffice.messaging.models import Channel, MessageStatus, Purpose
from medoffice.messaging.selectors import OutboxFilter


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *MessageStatus.choices], required=False)
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any kind"), *Purpose.choices], required=False)
    day_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def to_filter(self) -> OutboxFilter:
        if not self.is_bound or not self.is_valid():
            return OutboxFilter()
        data = self.cleaned_data
        return OutboxFilter(
            status=data["status"], channel=data["channel"], purpose=data["purpose"],
            day_from=data["day_from"], day_to=data["day_to"],
        )  # fmt: skip
