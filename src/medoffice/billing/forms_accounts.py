"""Forms of the A/R report, statements, payment plans and collections: they parse only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from medoffice.billing.models import StatementDelivery

DATE = forms.DateInput(attrs={"type": "date"})


class ARFilterForm(forms.Form):
    as_of = forms.DateField(required=False, widget=DATE, label="As of")
    location = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    payer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from medoffice.organization.models import Location
        from medoffice.patients.models import Payer

        super().__init__(*args, **kwargs)
        locations = Location.objects.order_by("name").values_list("pk", "name")
        self.fields["location"].choices = [("", "All locations"), *locations]
        payers = Payer.objects.order_by("name").values_list("pk", "name")
        self.fields["payer"].choices = [("", "All payers"), *payers]

    def values(self) -> dict[str, Any]:
        """The filter's values, today and no filter when the form is empty or wrong."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "as_of": data.get("as_of") or timezone.localdate(),
            "location_id": data.get("location"),
            "payer_id": data.get("payer"),
        }


class StatementRunForm(forms.Form):
    minimum_balance = forms.DecimalField(
        min_value=0, max_digits=10, decimal_places=2, initial="5.00", label="Minimum balance ($)"
    )


class PaymentPlanForm(forms.Form):
    total = forms.CharField(max_length=20, label="Total ($)")
    installment_amount = forms.CharField(max_length=20, label="Monthly installment ($)")
    first_due_date = forms.DateField(widget=DATE)
    note = forms.CharField(max_length=300, required=False)


class PlanCloseForm(forms.Form):
    status = forms.ChoiceField(choices=[("defaulted", "Defaulted"), ("cancelled", "Cancelled")])
    note = forms.CharField(max_length=300, required=False)


class CollectionsForm(forms.Form):
    in_collections = forms.BooleanField(required=False, label="Send to collections")
    agency = forms.CharField(max_length=120, required=False)
    sent_on = forms.DateField(required=False, widget=DATE)


class StatementDeliveryForm(forms.Form):
    delivery = forms.ChoiceField(choices=StatementDelivery.choices)
