"""Forms of the front-desk pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from medoffice.frontdesk.models import PaymentKind, PaymentMethod
from medoffice.frontdesk.services import PaymentInput

PAYMENT_FIELDS = ("amount", "method", "kind", "check_number", "card_last4")


class PaymentForm(forms.Form):
    """Money taken at the desk. On check-in and checkout the amount may stay empty (nothing
    collected); elsewhere it is required."""

    amount = forms.DecimalField(
        label="Amount collected ($)", required=False, max_digits=10, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )  # fmt: skip
    # Not required by themselves: a page without payment fields (a nurse's check-in) sends
    # none; with an amount they are (see clean()).
    method = forms.ChoiceField(
        label="Paid by", choices=PaymentMethod.choices, initial="card", required=False
    )
    kind = forms.ChoiceField(label="For", choices=PaymentKind.choices, required=False)
    check_number = forms.CharField(label="Check number", required=False, max_length=20)
    card_last4 = forms.CharField(
        label="Card: last 4 digits", required=False, max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, amount_required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "pay")
        super().__init__(*args, **kwargs)
        self.amount_required = amount_required
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_amount(self) -> Any:
        amount = self.cleaned_data.get("amount")
        if amount is None and self.amount_required:
            raise ValidationError("Give the amount.")
        if amount is not None and amount <= 0:
            raise ValidationError("The amount must be more than zero.")
        return amount

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount") is not None:
            if not data.get("method"):
                self.add_error("method", "Choose cash, check or card.")
            if not data.get("kind"):
                self.add_error("kind", "Choose what the payment is for.")
        return data

    def payment(self) -> PaymentInput | None:
        """The payment to record, or None when no amount was given."""
        data = self.cleaned_data
        if data.get("amount") is None:
            return None
        return PaymentInput(
            amount=data["amount"],
            method=data["method"],
            kind=data["kind"],
            check_number=data.get("check_number", ""),
            card_last4=data.get("card_last4", ""),
            idempotency_key=data.get("idempotency_key", ""),
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class RoomForm(forms.Form):
    room = forms.ChoiceField(label="Room")

    def __init__(self, *args: Any, rooms: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["room"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                str(choice.room.pk),
                f"{choice.room.name} ({choice.room.get_kind_display().lower()})"
                + (" — in use" if choice.in_use_by else ""),
            )
            for choice in rooms
        ]
        free = next((c for c in rooms if c.in_use_by is None), None)
        if free is not None and not self.is_bound:
            self.initial["room"] = str(free.room.pk)


class VoidForm(forms.Form):
    reason = forms.CharField(label="Why is this payment voided?", max_length=300, min_length=5)


class WaitTimesForm(forms.Form):
    location = forms.ChoiceField(label="Location")
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    provider = forms.ChoiceField(label="Provider", required=False)

    def __init__(
        self,
        *args: Any,
        locations: list[Any],
        providers: list[Any],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        provider_field = self.fields["provider"]
        assert isinstance(location_field, forms.ChoiceField)
        assert isinstance(provider_field, forms.ChoiceField)
        location_field.choices = [(str(loc.pk), loc.name) for loc in locations]
        provider_field.choices = [("", "All providers")] + [(str(p.pk), str(p)) for p in providers]
        if len(providers) == 1:  # a clinician's own figures: no other choice
            provider_field.choices = [(str(providers[0].pk), str(providers[0]))]
        self.initial.setdefault("location", str(locations[0].pk) if locations else "")
        self.initial.setdefault("date_from", today - timedelta(days=29))
        self.initial.setdefault("date_to", today)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The end is before the start.")
            elif (end - start).days >= 366:
                self.add_error("date_to", "Choose at most a year.")
        return data
