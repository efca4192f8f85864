"""ERA pages: the files (upload, list, detail), the unmatched queue and the denials worklist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.claims.models import Claim
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Need
from medoffice.remittance import selectors, services
from medoffice.remittance.access import billing_office, office_roles
from medoffice.remittance.forms import DenialWorkForm, NotOursForm, ResolveForm, UploadForm
from medoffice.remittance.models import RemittanceClaim, RemittanceFile


def _may_edit(user: Any) -> bool:
    return bool(set(user.effective_role_codes()) & {str(r) for r in office_roles(Need.EDIT)})


def _errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@billing_office()
def file_list(request: AuthedRequest) -> HttpResponse:
    context = {
        "files": selectors.files()[:100],
        "form": UploadForm(),
        "can_edit": _may_edit(request.user),
    }
    return render(request, "remittance/file_list.html", context)


@billing_office(Need.EDIT)
@require_POST
def file_upload(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {"files": selectors.files()[:100], "form": form, "can_edit": True}
        return render(request, "remittance/file_list.html", context, status=400)
    upload = form.cleaned_data["file"]
    result = services.era_import(name=upload.name, content=upload.read(), actor=request.user)
    level = messages.ERROR if result.file.status == "rejected" else messages.SUCCESS
    messages.add_message(request, level, f"{result.file.name}: {result}")
    return redirect("remittance:file_detail", file_id=result.file.pk)


@billing_office()
def file_detail(request: AuthedRequest, file_id: int) -> HttpResponse:
    file = get_object_or_404(RemittanceFile, pk=file_id)
    claims = selectors.file_claims(file)
    audit_record(action="view", actor=request.user, object_type="remittance_file",
                 object_id=file.pk)  # fmt: skip
    audit_patients_shown(
        patient_ids=[c.patient_id for c in claims if c.patient_id],
        object_type="remittance_claim", view="remittance:file_detail", actor=request.user,
    )  # fmt: skip
    return render(request, "remittance/file_detail.html", {"file": file, "claims": claims})


@billing_office()
def unmatched_list(request: AuthedRequest) -> HttpResponse:
    claims = selectors.unmatched_claims()
    context = {
        "claims": claims, "resolve_form": ResolveForm(), "not_ours_form": NotOursForm(),
        "can_edit": _may_edit(request.user),
    }  # fmt: skip
    return render(request, "remittance/unmatched.html", context)


@billing_office(Need.EDIT)
@require_POST
def unmatched_resolve(request: AuthedRequest, remittance_claim_id: int) -> HttpResponse:
    rc = get_object_or_404(RemittanceClaim, pk=remittance_claim_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        claim = Claim.objects.filter(
            patient_control_number=form.cleaned_data["patient_control_number"].strip()
        ).first()
        try:
            if claim is None:
                raise ValidationError("No claim has that patient control number.")
            services.unmatched_resolve(remittance_claim_id=rc.pk, claim_id=claim.pk,
                                       actor=request.user)  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"{rc.patient_control_number} posted to {claim}.")
    else:
        messages.error(request, "Enter our claim's patient control number.")
    return redirect("remittance:unmatched_list")


@billing_office(Need.EDIT)
@require_POST
def unmatched_not_ours(request: AuthedRequest, remittance_claim_id: int) -> HttpResponse:
    rc = get_object_or_404(RemittanceClaim, pk=remittance_claim_id)
    form = NotOursForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Say why the claim is not ours.")
        services.unmatched_not_ours(remittance_claim_id=rc.pk, actor=request.user,
                                    reason=form.cleaned_data["reason"])  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"{rc.patient_control_number} marked as not ours.")
    return redirect("remittance:unmatched_list")


@billing_office()
def denials(request: AuthedRequest) -> HttpResponse:
    status = "done" if request.GET.get("status") == "done" else "open"
    groups = selectors.denial_groups(status=status)
    audit_patients_shown(
        patient_ids=[
            w.line.remittance_claim.patient_id
            for g in groups for w in g.works if w.line.remittance_claim.patient_id
        ],
        object_type="denial_work", view="remittance:denials", actor=request.user,
    )  # fmt: skip
    context = {
        "groups": groups, "status": status, "rates": selectors.denial_rates(),
        "can_edit": _may_edit(request.user), "work_form": DenialWorkForm(),
    }  # fmt: skip
    return render(request, "remittance/denials.html", context)


@billing_office(Need.EDIT)
@require_POST
def denial_work_update(request: AuthedRequest, work_id: int) -> HttpResponse:
    form = DenialWorkForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.denial_work_update(
                work_id=work_id, actor=request.user, owner_id=data["owner"].pk if data["owner"] else None,
                due_date=data["due_date"], status=data["status"], note=data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, "Denial work saved.")
    else:
        messages.error(request, "Give a due date and a status.")
    return redirect("remittance:denials")
