"""Forms of the charge and claim pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from medoffice.claims.models import ClaimStatus
from medoffice.claims.services import ChargeInput
from medoffice.patients.models import Payer
from medoffice.scheduling.models import Provider

BLANK_ROWS = 3


class ChargeLineForm(forms.Form):
    procedure_code = forms.CharField(label="Code", max_length=5, required=False)
    modifiers = forms.CharField(label="Modifiers", max_length=20, required=False)
    units = forms.IntegerField(label="Units", required=False, initial=1)
    pointers = forms.CharField(
        label="Diagnosis pointers", max_length=20, required=False, help_text="Ranks, e.g. 1,2"
    )
    place_of_service = forms.CharField(label="Place of service", max_length=2, required=False)
    billed_amount = forms.DecimalField(
        label="Amount", max_digits=10, decimal_places=2, required=False,
        help_text="Empty: the fee schedule's",
    )  # fmt: skip
    source_procedure_id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("procedure_code") or "").strip()

    def clean_pointers(self) -> list[str]:
        text = self.cleaned_data.get("pointers") or ""
        return [p for p in text.replace(",", " ").split() if p]

    def charge_input(self) -> ChargeInput:
        data = self.cleaned_data
        return ChargeInput(
            procedure_code=data["procedure_code"],
            diagnosis_pointers=data["pointers"],
            units=data["units"] if data.get("units") is not None else 1,
            modifiers=data.get("modifiers") or "",
            place_of_service=data.get("place_of_service") or "",
            billed_amount=data.get("billed_amount"),
            source_procedure_id=data.get("source_procedure_id"),
        )


ChargeFormSet = forms.formset_factory(ChargeLineForm, extra=0, max_num=30, absolute_max=30)


def capture_formset(encounter: Any, data: Any = None) -> Any:
    """The encounter's coded procedures as the first rows, then blank rows."""
    initial = [
        {
            "procedure_code": p.code.code,
            "modifiers": " ".join(p.modifiers or []),
            "units": p.units,
            "pointers": ",".join(str(x) for x in p.diagnosis_pointers),
            "source_procedure_id": p.pk,
        }
        for p in encounter.procedures.select_related("code").order_by("pk")
    ]
    initial += [{"units": 1}] * BLANK_ROWS
    return ChargeFormSet(data, initial=initial, prefix="line")


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=300, min_length=3)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ClaimStatus.choices], required=False)
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.order_by("name"), required=False, empty_label="Any payer"
    )
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.select_related("user"), required=False,
        empty_label="Any provider",
    )  # fmt: skip
    date_from = forms.DateField(
        label="Service from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Service to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    has_errors = forms.BooleanField(label="Has errors", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError("The end of the range is before its start.")
        return data


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="New status", choices=ClaimStatus.choices)
    reason = forms.CharField(label="Reason or note", max_length=300, required=False)
    payer_claim_number = forms.CharField(
        label="Payer's claim number", max_length=50, required=False
    )
    # The status the page showed: a claim moved meanwhile by someone else is not moved again.
    seen_status = forms.ChoiceField(choices=ClaimStatus.choices, required=False)

    def __init__(self, *args: Any, allowed: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed:
            self.fields["to"].choices = [(s, ClaimStatus(s).label) for s in allowed]


class ClaimIdsField(forms.Field):
    """Claim ids ticked in a table (the selector decides which the user may act on)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = [str(v).strip() for v in (value or []) if str(v).strip()]
        if not all(v.isdigit() for v in values):
            raise forms.ValidationError("Claim ids are numbers.")
        return [int(v) for v in values]


class ScrubSelectionForm(forms.Form):
    """The worklist's bulk scrub: the claims ticked, or every draft claim the filters show."""

    claim = ClaimIdsField(required=False)
    all_drafts = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("claim") and not data.get("all_drafts") and not self.errors:
            raise forms.ValidationError("Tick the claims to scrub, or scrub all draft claims.")
        return data

    def error_text(self) -> str:
        return " ".join(e for errors in self.errors.values() for e in errors)


def _code_list(text: str) -> list[str]:
    return [c for c in text.replace(",", " ").split() if c]


class PayerClaimRulesForm(forms.Form):
    disabled_rules = forms.MultipleChoiceField(
        label="Rules turned off for this payer", required=False,
        widget=forms.CheckboxSelectMultiple, choices=(),
    )  # fmt: skip
    required_fields = forms.MultipleChoiceField(
        label="Fields this payer also requires", required=False,
        widget=forms.CheckboxSelectMultiple, choices=(),
    )  # fmt: skip
    prior_authorization_required = forms.BooleanField(
        label="Requires a prior authorization", required=False
    )
    prior_authorization_codes = forms.CharField(
        label="For these procedure codes", required=False, max_length=2000,
        help_text="Separated by spaces or commas; empty: every code",
    )  # fmt: skip
    referral_required = forms.BooleanField(label="Requires a referral", required=False)
    referral_codes = forms.CharField(
        label="For claims with these procedure codes", required=False, max_length=2000,
        help_text="Separated by spaces or commas; empty: every claim",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from medoffice.claims.scrubber import RULES
        from medoffice.claims.scrubber.facts import PAYER_REQUIRABLE

        super().__init__(*args, **kwargs)
        self.fields["disabled_rules"].choices = [
            (rule_id, f"{rule_id} ({rule.severity}): {rule.checks}")
            for rule_id, rule in RULES.items()
        ]
        self.fields["required_fields"].choices = sorted(
            PAYER_REQUIRABLE.items(), key=lambda item: item[1]
        )

    @staticmethod
    def initial_from(rules: Any) -> dict[str, Any]:
        if rules is None:
            return {}
        return {
            "disabled_rules": rules.disabled_rules,
            "required_fields": rules.required_fields,
            "prior_authorization_required": rules.prior_authorization_required,
            "prior_authorization_codes": " ".join(rules.prior_authorization_codes),
            "referral_required": rules.referral_required,
            "referral_codes": " ".join(rules.referral_codes),
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **data,
            "prior_authorization_codes": _code_list(data["prior_authorization_codes"]),
            "referral_codes": _code_list(data["referral_codes"]),
        }
