"""Duplicate records: the worklist, "not a duplicate", and the merge tool (propose, review,
run or cancel)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import can, patient_access, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients import merge as merging
from medoffice.patients.duplicates import duplicate_dismiss, duplicate_pairs
from medoffice.patients.models import MergeStatus, Patient, PatientMerge
from medoffice.patients.views_search import patient_url

WORKLIST_LIMIT = 100


class DismissForm(forms.Form):
    first = forms.IntegerField(widget=forms.HiddenInput)
    second = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Why they are different people (optional)", max_length=300, required=False
    )


class PickForm(forms.Form):
    """Choose the two records by MRN when not coming from the worklist."""

    source_mrn = forms.CharField(label="MRN of the duplicate (it goes away)", max_length=20)
    target_mrn = forms.CharField(label="MRN of the record that stays", max_length=20)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ("source_mrn", "target_mrn"):
            mrn = (data.get(key) or "").strip()
            if mrn and not Patient.objects.filter(mrn=mrn).exists():
                self.add_error(key, f"No patient has MRN {mrn}.")
        return data


class ProposeForm(forms.Form):
    source = forms.IntegerField(widget=forms.HiddenInput)
    target = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why these are the same person",
        max_length=300,
        help_text="e.g. same name, date of birth and insurance card; registered twice",
    )


def _may_merge(request: AuthedRequest) -> bool:
    return can(request.user, Capability.DEMOGRAPHICS, Need.EDIT)


# --- Worklist --------------------------------------------------------------------------------


@requires(Capability.DEMOGRAPHICS)
@require_GET
def duplicates(request: AuthedRequest) -> HttpResponse:
    pairs = duplicate_pairs(WORKLIST_LIMIT)
    waiting = list(merging.merges_waiting()[:50])
    shown = {p.pk: p.mrn for pair in pairs for p in (pair.first, pair.second)}
    shown |= {p.pk: p.mrn for m in waiting for p in (m.source, m.target)}
    if shown:
        audit_patients_shown(
            patient_ids=list(shown),
            patient_refs=shown,
            view="duplicate_worklist",
            actor=request.user,
        )
    today = timezone.localdate()
    return render(
        request,
        "patients/merge_duplicates.html",
        {
            "pairs": [
                {
                    "pair": pair,
                    "first_url": patient_url(pair.first.pk),
                    "second_url": patient_url(pair.second.pk),
                    "first_age": pair.first.age_on(today),
                    "second_age": pair.second.age_on(today),
                }
                for pair in pairs
            ],
            "waiting": waiting,
            "limit": WORKLIST_LIMIT,
            "may_merge": _may_merge(request),
        },
    )


@requires(Capability.DEMOGRAPHICS, Need.EDIT)
@require_POST
def duplicate_dismiss_view(request: AuthedRequest) -> HttpResponse:
    form = DismissForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose a pair from the list.", status=400, content_type="text/plain")
    try:
        duplicate_dismiss(
            actor=request.user,
            patient_ids=(form.cleaned_data["first"], form.cleaned_data["second"]),
            note=form.cleaned_data["note"],
        )
    except ObjectDoesNotExist:
        raise Http404("No such patient.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked as different people; the pair leaves the list.")
    return redirect("patients:duplicates")


# --- Proposing a merge -----------------------------------------------------------------------


def _side_by_side(source: Patient, target: Patient) -> list[dict[str, Any]]:
    def address(p: Patient) -> str:
        parts = [p.address_line1, p.address_line2, p.city, p.state, p.postal_code]
        return ", ".join(x for x in parts if x)

    rows = [
        ("Name", lambda p: f"{p.family_name}, {p.given_name} {p.middle_name}".strip()),
        ("Preferred name", lambda p: p.preferred_name),
        ("Date of birth", lambda p: p.birth_date.strftime("%m/%d/%Y")),
        ("Sex assigned at birth", lambda p: p.get_sex_at_birth_display()),
        ("MRN", lambda p: p.mrn),
        ("Mobile phone", lambda p: p.phone_mobile),
        ("Home phone", lambda p: p.phone_home),
        ("Work phone", lambda p: p.phone_work),
        ("E-mail", lambda p: p.email),
        ("Address", address),
        ("SSN", lambda p: p.ssn_masked),
        ("Primary care provider", lambda p: str(p.primary_care_provider or "")),
        ("Home location", lambda p: str(p.home_location or "")),
        ("Status", lambda p: p.get_status_display()),
        ("Registered", lambda p: timezone.localtime(p.created_at).strftime("%m/%d/%Y")),
    ]
    return [
        {"label": label, "source": get(source), "target": get(target)}
        for label, get in rows
        if get(source) or get(target)
    ]


def _load_pair(actor: Any, source_id: int, target_id: int) -> tuple[Patient, Patient]:
    for pid in (source_id, target_id):
        patient_access(actor, Capability.DEMOGRAPHICS, Need.VIEW, pid)
    related = ("home_location", "primary_care_provider")
    source = get_object_or_404(Patient.objects.select_related(*related), pk=source_id)
    target = get_object_or_404(Patient.objects.select_related(*related), pk=target_id)
    return source, target


def _plan_context(request: AuthedRequest, source: Patient, target: Patient) -> dict[str, Any]:
    return {
        "source": source,
        "target": target,
        "source_url": patient_url(source.pk),
        "target_url": patient_url(target.pk),
        "fields": _side_by_side(source, target),
        "plan": merging.merge_plan(source, target),
    }


def _audit_pair_shown(request: AuthedRequest, source: Patient, target: Patient, view: str) -> None:
    audit_patients_shown(
        patient_ids=[source.pk, target.pk],
        patient_refs={source.pk: source.mrn, target.pk: target.mrn},
        view=view,
        actor=request.user,
    )


def _int_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@requires(Capability.DEMOGRAPHICS, Need.EDIT)
def merge_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProposeForm(request.POST)
        if not form.is_valid():
            return render(request, "patients/merge_pick.html", {"form": PickForm()}, status=400)
        source, target = _load_pair(
            request.user, form.cleaned_data["source"], form.cleaned_data["target"]
        )
        try:
            proposal = merging.merge_propose(
                actor=request.user, source=source, target=target, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            messages.success(request, "Merge proposed. Review it below, then run or cancel it.")
            return redirect("patients:merge_review", merge_id=proposal.pk)
        context = {**_plan_context(request, source, target), "form": form}
        return render(request, "patients/merge_new.html", context, status=400)

    source_id, target_id = (
        _int_param(request.GET.get("source")),
        _int_param(request.GET.get("target")),
    )
    if source_id is None or target_id is None:
        pick = PickForm(request.GET if "source_mrn" in request.GET else None)
        if not pick.is_bound or not pick.is_valid():
            status = 400 if pick.is_bound else 200
            return render(request, "patients/merge_pick.html", {"form": pick}, status=status)
        source_id = Patient.objects.get(mrn=pick.cleaned_data["source_mrn"].strip()).pk
        target_id = Patient.objects.get(mrn=pick.cleaned_data["target_mrn"].strip()).pk
    source, target = _load_pair(request.user, source_id, target_id)
    _audit_pair_shown(request, source, target, "merge_new")
    form = ProposeForm(initial={"source": source.pk, "target": target.pk})
    return render(
        request, "patients/merge_new.html", {**_plan_context(request, source, target), "form": form}
    )


# --- Reviewing, running, cancelling ----------------------------------------------------------


@requires(Capability.DEMOGRAPHICS)
@require_GET
def merge_review(request: AuthedRequest, merge_id: int) -> HttpResponse:
    proposal = get_object_or_404(
        PatientMerge.objects.select_related("proposed_by", "decided_by"), pk=merge_id
    )
    source, target = _load_pair(request.user, proposal.source_id, proposal.target_id)
    _audit_pair_shown(request, source, target, "merge_review")
    context = _plan_context(request, source, target)
    context.update(
        {
            "merge": proposal,
            "waiting": proposal.status == MergeStatus.PROPOSED,
            "may_merge": _may_merge(request),
            "same_person_proposed": proposal.proposed_by_id == request.user.pk,
            "summary": proposal.moved or {},
            "fields_copied": [
                str(Patient._meta.get_field(name).verbose_name)
                for name in (proposal.moved or {}).get("fields_copied", [])
            ],
        }
    )
    return render(request, "patients/merge_review.html", context)


@requires(Capability.DEMOGRAPHICS, Need.EDIT)
@require_POST
def merge_execute(request: AuthedRequest, merge_id: int) -> HttpResponse:
    proposal = get_object_or_404(PatientMerge, pk=merge_id)
    try:
        outcome = merging.merge_execute(actor=request.user, merge=proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("patients:merge_review", merge_id=proposal.pk)
    if outcome.executed:
        total = sum(outcome.moved.values())
        messages.success(
            request,
            f"Merged: {total} linked record{'s' if total != 1 else ''} moved to the surviving record.",
        )
    elif outcome.merge.status == MergeStatus.DONE:
        messages.info(request, "This merge had already been run; nothing more was done.")
    else:
        messages.error(request, "This merge was cancelled; nothing was done.")
    return redirect("patients:merge_review", merge_id=proposal.pk)


@requires(Capability.DEMOGRAPHICS, Need.EDIT)
@require_POST
def merge_cancel(request: AuthedRequest, merge_id: int) -> HttpResponse:
    proposal = get_object_or_404(PatientMerge, pk=merge_id)
    if merging.merge_cancel(actor=request.user, merge=proposal):
        messages.success(request, "Merge cancelled. Both records stay as they are.")
    else:
        messages.info(request, "This merge was no longer waiting; nothing was changed.")
    return redirect("patients:merge_review", merge_id=proposal.pk)
