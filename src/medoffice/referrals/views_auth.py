"""Prior authorization pages: enter and edit one, its units and visits, and the alerts list."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import can, requires, requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.selectors import patient_get
from medoffice.patients.views_common import add_service_errors, render_form
from medoffice.referrals import selectors, services_auth
from medoffice.referrals.forms import AuthorizationForm

R = Capability.REFERRALS


@requires(R)
def auth_alerts(request: AuthedRequest) -> HttpResponse:
    """Authorizations running low or ending before a booked visit that needs them."""
    alerts = selectors.authorization_alerts()
    kind = request.GET.get("kind", "")
    if kind in ("low", "expires"):
        alerts = [a for a in alerts if a.kind == kind]
    shown = alerts[:200]
    audit_patients_shown(
        patient_ids=[a.auth.patient_id for a in shown],
        object_type="prior_authorization",
        view="authorization_alerts",
        actor=request.user,
        patient_refs={a.auth.patient_id: a.auth.patient.mrn for a in shown},
    )
    return render(
        request,
        "referrals/auth_alerts.html",
        {"alerts": shown, "total": len(alerts), "kind": kind, "today": timezone.localdate()},
    )


@requires_patient(R, Need.EDIT)
def auth_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = patient_get(
        actor=request.user,
        patient_id=patient_id,
        capability=R,
        details={"view": "new authorization"},
    )
    today = timezone.localdate()
    form = AuthorizationForm(
        request.POST or None,
        patient=patient,
        initial={"start_date": today, "low_units_threshold": 2},
    )
    if request.method == "POST" and form.is_valid():
        try:
            auth = services_auth.authorization_create(
                actor=request.user,
                patient=patient,
                data=form.authorization_data(),
                type_ids=form.type_ids(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Authorization recorded.")
            return redirect("referrals:auth_detail", patient_id, auth.pk)
    context = {"form": form, "patient": patient, "auth": None}
    return render_form(request, "referrals/auth_form.html", context, form)


@requires_patient(R, Need.EDIT)
def auth_edit(request: AuthedRequest, patient_id: int, auth_id: int) -> HttpResponse:
    auth = selectors.authorization_get(
        actor=request.user, patient_id=patient_id, auth_id=auth_id, need=Need.EDIT
    )
    form = AuthorizationForm(request.POST or None, patient=auth.patient, instance=copy.copy(auth))
    if request.method == "POST" and form.is_valid():
        try:
            services_auth.authorization_update(
                actor=request.user,
                auth=auth,
                data=form.authorization_data(),
                type_ids=form.type_ids(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Authorization saved.")
            return redirect("referrals:auth_detail", patient_id, auth.pk)
    context = {"form": form, "patient": auth.patient, "auth": auth}
    return render_form(request, "referrals/auth_form.html", context, form)


@requires_patient(R)
def auth_detail(request: AuthedRequest, patient_id: int, auth_id: int) -> HttpResponse:
    auth = selectors.authorization_get(actor=request.user, patient_id=patient_id, auth_id=auth_id)
    context = {
        "auth": auth,
        "patient": auth.patient,
        "can_edit": can(request.user, R, Need.EDIT),
        **selectors.authorization_detail(auth),
    }
    return render(request, "referrals/auth_detail.html", context)
