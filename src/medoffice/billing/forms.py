"""Forms of the billing pages: they parse; the services validate and decide."""

from __future__ import annotations

from django import forms

from medoffice.billing.services import PAYMENT_METHODS


class PaymentForm(forms.Form):
    amount = forms.CharField(max_length=20, label="Amount ($)")
    method = forms.ChoiceField(choices=[(m, m.title()) for m in PAYMENT_METHODS])
    reference = forms.CharField(
        max_length=20, required=False, label="Check number or card's last four digits"
    )
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(choices=[("write_off", "Write-off"), ("refund", "Refund to patient")])
    patient_id = forms.IntegerField(required=False, label="Patient id", min_value=1)
    claim_id = forms.IntegerField(required=False, label="Claim id (write-offs)", min_value=1)
    amount = forms.CharField(max_length=20, label="Amount ($)")
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(max_length=300, required=False)


class PeriodForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)


class FeeScheduleForm(forms.Form):
    payer = forms.IntegerField(required=False, label="Payer id (empty: self-pay)", min_value=1)
    name = forms.CharField(max_length=120)
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    effective_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FeeItemForm(forms.Form):
    code = forms.CharField(max_length=5)
    modifier = forms.CharField(max_length=2, required=False)
    billed = forms.CharField(max_length=20, label="Billed ($)")
    expected = forms.CharField(max_length=20, label="Expected ($)")
