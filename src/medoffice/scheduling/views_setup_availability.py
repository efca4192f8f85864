"""Setup pages for when providers can be booked: availability templates (previewed before they
are saved), time off, practice holidays. Schedulers change anyone's; a clinician changes only
their own hours and time off (the services enforce it)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import own_only, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.views_common import add_service_errors
from medoffice.scheduling.forms_setup import (
    HolidayForm,
    HolidaysLoadForm,
    TemplateForm,
    TimeOffForm,
    describe_rule,
    providers_editable_by,
)
from medoffice.scheduling.models import AvailabilityTemplate, Holiday, Provider, TimeOff
from medoffice.scheduling.services import availability, setup
from medoffice.scheduling.views_setup import form_page

S = Capability.SCHEDULE


def _visible_providers(request: AuthedRequest) -> Any:
    """A clinician's schedule rights are for their own schedule: they list only their own."""
    rows = Provider.objects.select_related("user")
    return rows.filter(user=request.user) if own_only(request.user, S) else rows


# --- Availability templates -------------------------------------------------------------------


@requires(S)
def templates(request: AuthedRequest) -> HttpResponse:
    rows = list(
        AvailabilityTemplate.objects.filter(provider__in=_visible_providers(request))
        .select_related("provider__user", "location", "department")
        .prefetch_related("reserved_types")
        .order_by(
            "-is_active", "provider__user__last_name", "provider__user__first_name", "start_time"
        )
    )
    for row in rows:
        row.days_label = describe_rule(row.rrule)
    editable = set(providers_editable_by(request.user).values_list("pk", flat=True))
    context = {"templates": rows, "editable": editable, "may_add": bool(editable)}
    return render(request, "scheduling/setup_templates.html", context)


def _fingerprint(form: TemplateForm) -> str:
    """What was previewed: saving checks it is still what the form holds."""
    keys = sorted(k for k in form.data if k not in {"csrfmiddlewaretoken", "action", "previewed"})
    text = "\n".join(
        f"{k}={form.data.getlist(k) if hasattr(form.data, 'getlist') else form.data[k]}"
        for k in keys
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _grouped(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Days that change the same way, together: "40 days, Mon-Fri: 9-17 becomes 9-15"."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Any]] = {}
    for day in days:
        groups.setdefault((tuple(day["before"]), tuple(day["after"])), []).append(day["date"])
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return [
        {"before": list(before), "after": list(after), "count": len(dates), "first": dates[0], "last": dates[-1],
         "weekdays": ", ".join(names[w] for w in sorted({d.weekday() for d in dates}))}
        for (before, after), dates in groups.items()
    ]  # fmt: skip


def _template_page(request: AuthedRequest, template: AvailabilityTemplate) -> HttpResponse:
    providers = providers_editable_by(request.user)
    if template.pk:
        providers = providers | Provider.objects.filter(pk=template.provider_id)
    form = TemplateForm(request.POST or None, instance=copy.copy(template) if template.pk else template,
                        providers=providers.select_related("user"))  # fmt: skip
    context: dict[str, Any] = {"form": form, "template": template if template.pk else None}
    action = request.POST.get("action", "preview")
    if request.method == "POST" and form.is_valid():
        edited = form.save(commit=False)
        try:
            # Both the provider the hours belonged to and the one they go to must be editable
            # by this person (a clinician cannot take over a colleague's hours).
            if template.pk:
                availability._may_edit_availability(request.user, template.provider)
            availability._may_edit_availability(request.user, edited.provider)
            if action == "save" and request.POST.get("previewed") == _fingerprint(form):
                availability.template_save(
                    actor=request.user, template=edited, reserved_type_ids=form.reserved_type_ids()
                )
                messages.success(request, "Hours saved; the provider's calendar is rebuilt.")
                return redirect("scheduling:setup_templates")
            if action == "save":
                messages.info(
                    request, "The hours changed since the preview: check this preview, then save."
                )
            preview = availability.template_preview(template=edited, weeks=8)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            audit_patients_shown(
                patient_ids=[a.patient_id for a in preview.stranded], object_type="appointment",
                view="template_preview", actor=request.user,
            )  # fmt: skip
            context.update(
                preview=preview, changes=_grouped(preview.days), previewed=_fingerprint(form)
            )
    return render(
        request, "scheduling/setup_template_form.html", context, status=400 if form.errors else 200
    )


@requires(S, Need.EDIT)
def template_new(request: AuthedRequest) -> HttpResponse:
    initial = AvailabilityTemplate(starts_on=timezone.localdate())
    return _template_page(request, initial)


@requires(S, Need.EDIT)
def template_edit(request: AuthedRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(
        AvailabilityTemplate.objects.select_related("provider__user", "location"), pk=template_id
    )
    return _template_page(request, template)


# --- Time off ---------------------------------------------------------------------------------


@requires(S)
def time_off(request: AuthedRequest) -> HttpResponse:
    since = timezone.now() - timezone.timedelta(days=30)
    rows = (
        TimeOff.objects.filter(provider__in=_visible_providers(request), end__gte=since)
        .select_related("provider__user", "created_by")
        .order_by("start")
    )
    editable = set(providers_editable_by(request.user).values_list("pk", flat=True))
    return render(request, "scheduling/setup_time_off.html", {"rows": rows, "editable": editable})


@requires(S, Need.EDIT)
def time_off_new(request: AuthedRequest) -> HttpResponse:
    providers = providers_editable_by(request.user)
    today = timezone.localdate()
    form = TimeOffForm(
        request.POST or None, providers=providers, initial={"start_date": today, "end_date": today}
    )
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        start, end = form.span()
        try:
            off, affected = availability.time_off_add(
                actor=request.user, provider=form.cleaned_data["provider"], start=start, end=end,
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"end": "end_date"})
        else:
            audit_patients_shown(
                patient_ids=[a.patient_id for a in affected], object_type="appointment",
                view="time_off_affected", actor=request.user,
            )  # fmt: skip
            messages.success(request, "Time off recorded; the provider is not bookable then.")
            context.update(saved=off, affected=affected)
    return render(
        request, "scheduling/setup_time_off_form.html", context, status=400 if form.errors else 200
    )


@requires(S, Need.EDIT)
@require_POST
def time_off_delete(request: AuthedRequest, time_off_id: int) -> HttpResponse:
    row = get_object_or_404(TimeOff.objects.select_related("provider"), pk=time_off_id)
    setup.time_off_remove(actor=request.user, time_off=row)
    messages.success(request, "Time off removed; the hours are bookable again.")
    return redirect("scheduling:setup_time_off")


# --- Holidays ---------------------------------------------------------------------------------


@requires(S)
def holidays(request: AuthedRequest) -> HttpResponse:
    year = request.GET.get("year", "")
    shown = int(year) if year.isdigit() and len(year) == 4 else timezone.localdate().year
    rows = Holiday.objects.filter(date__year=shown).select_related("location").order_by("date")
    years = sorted({d.year for d in Holiday.objects.dates("date", "year")} | {shown, shown + 1})
    context = {
        "rows": rows, "year": shown, "years": years, "load_form": HolidaysLoadForm(),
        "may_change": setup.is_scheduler(request.user),
    }  # fmt: skip
    return render(request, "scheduling/setup_holidays.html", context)


@requires(S, Need.EDIT)
@require_POST
def holidays_load(request: AuthedRequest) -> HttpResponse:
    form = HolidaysLoadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a year between 2000 and 2100.")
        return redirect("scheduling:setup_holidays")
    setup.require_scheduler(request.user)
    year, state = form.cleaned_data["year"], form.cleaned_data["subdivision"] or None
    before = Holiday.objects.filter(date__year=year).count()
    availability.holidays_load(actor=request.user, years=[year], subdivision=state)
    added = Holiday.objects.filter(date__year=year).count() - before
    messages.success(
        request, f"{added} holidays added for {year}" + (f" ({state})." if state else ".")
    )
    return redirect(f"{reverse('scheduling:setup_holidays')}?year={year}")


def _holiday_page(request: AuthedRequest, holiday: Holiday) -> HttpResponse:
    form = HolidayForm(request.POST or None, instance=copy.copy(holiday) if holiday.pk else holiday)
    back = reverse("scheduling:setup_holidays") + (
        f"?year={holiday.date.year}" if holiday.pk else ""
    )
    return form_page(
        request, form, title=f"Holiday: {holiday.name}" if holiday.pk else "New holiday", back=back,
        save=lambda: setup.holiday_save(actor=request.user, holiday=form.save(commit=False)),
        done="Holiday saved; the day is closed on every calendar.",
    )  # fmt: skip


@requires(S, Need.EDIT)
def holiday_new(request: AuthedRequest) -> HttpResponse:
    return _holiday_page(request, Holiday())


@requires(S, Need.EDIT)
def holiday_edit(request: AuthedRequest, holiday_id: int) -> HttpResponse:
    return _holiday_page(request, get_object_or_404(Holiday, pk=holiday_id))


@requires(S, Need.EDIT)
@require_POST
def holiday_delete(request: AuthedRequest, holiday_id: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=holiday_id)
    year = holiday.date.year
    setup.holiday_delete(actor=request.user, holiday=holiday)
    messages.success(request, "Holiday removed; the day is open again.")
    return redirect(f"{reverse('scheduling:setup_holidays')}?year={year}")
