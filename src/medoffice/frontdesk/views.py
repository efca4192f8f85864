"""Front-desk pages: the visit board, check-in, rooming, checkout, receipts, wait times."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from medoffice.core.access import can, own_only, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.frontdesk import selectors, services, wait_times
from medoffice.frontdesk.forms import PaymentForm, RoomForm, VoidForm, WaitTimesForm
from medoffice.frontdesk.models import DeskPayment, PaymentKind
from medoffice.scheduling.models import AppointmentStatus, Provider

S = AppointmentStatus
BOARD_SESSION_KEY = "frontdesk_board_shown_{}"
STAMPS = (
    ("Arrived", "arrived_at"),
    ("Roomed", "roomed_at"),
    ("Provider in", "provider_at"),
    ("Sent to checkout", "checked_out_at"),
)


def _board_url(location_id: int) -> str:
    return f"{reverse('frontdesk:board')}?location={location_id}"


def _abilities(request: AuthedRequest) -> dict[str, bool]:
    return {
        "flow": can(request.user, Capability.VISIT_FLOW, Need.EDIT),
        "chart": can(request.user, Capability.CHART, Need.EDIT),
        "collect": can(request.user, Capability.DESK_PAYMENTS, Need.EDIT),
    }


def _render_board(request: AuthedRequest, location: Any, *, full: bool, error: str = "") -> Any:
    """The board, whole or as the partial htmx swaps in; the patients shown are audited (all
    of them on a full load, only newly shown ones on a poll: see selectors.board_audit)."""
    board = selectors.board_for(location=location)
    key = BOARD_SESSION_KEY.format(location.pk)
    previously = None if full else request.session.get(key)
    shown = selectors.board_audit(
        actor=request.user, board=board, previously_shown=previously, view="front-desk board"
    )
    if previously is None or set(previously) != set(shown):
        request.session[key] = shown
    context = {
        "board": board,
        "can_do": _abilities(request),
        "thresholds": selectors.wait_thresholds(),
        "error": error,
        "board_url": _board_url(location.pk),
    }
    if full:
        context["locations"] = selectors.board_locations(request.user)
        context["can_reports"] = can(request.user, Capability.REPORTS_ACCESS)
        return render(request, "frontdesk/board.html", context)
    return render(request, "frontdesk/partials/board_body.html", context)


@requires(Capability.VISIT_FLOW)
def board(request: AuthedRequest) -> HttpResponse:
    location = selectors.location_choice(request.user, request.GET.get("location"))
    if location is None:
        if request.GET.get("location"):
            raise Http404("No such location")
        return render(request, "frontdesk/no_location.html", status=200)
    return _render_board(request, location, full=not request.headers.get("HX-Request"))


@requires(Capability.VISIT_FLOW, Need.EDIT)
@require_POST
def step(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_flow(appointment_id)
    error = ""
    try:
        services.visit_step(
            actor=request.user, appointment=appointment, step=request.POST.get("step", "")
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.headers.get("HX-Request"):
        return _render_board(request, appointment.location, full=False, error=error)
    if error:
        messages.error(request, error)
    return redirect(_board_url(appointment.location_id))


def _payment_form(request: AuthedRequest, kind: str, initial_amount: Any = None) -> PaymentForm:
    if request.method == "POST":
        return PaymentForm(request.POST)
    initial: dict[str, Any] = {"kind": kind}
    if initial_amount:
        initial["amount"] = initial_amount
    return PaymentForm(initial=initial)


@requires(Capability.VISIT_FLOW, Need.EDIT)
def check_in(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_flow(appointment_id)
    page = selectors.check_in_view(actor=request.user, appointment=appointment)
    form = _payment_form(request, PaymentKind.COPAY, page.copay)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            payment = form.payment() if page.can["collect"] else None
            try:
                appointment, row = services.visit_check_in(
                    actor=request.user, appointment=appointment, payment=payment
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                note = (
                    f" Copay ${row.amount} recorded (receipt {row.receipt_number})." if row else ""
                )
                messages.success(
                    request, f"{appointment.patient.display_name} is checked in.{note}"
                )
                if row is not None and request.POST.get("print_receipt"):
                    return redirect("frontdesk:receipt", payment_id=row.pk)
                return redirect(_board_url(appointment.location_id))
        status = 400
    context = {"page": page, "form": form, "today": selectors.local_today(appointment.location)}
    return render(request, "frontdesk/check_in.html", context, status=status)


@requires(Capability.CHART, Need.EDIT)
def room(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_flow(appointment_id)
    rooms = selectors.rooms_for(appointment)
    form = RoomForm(request.POST or None, rooms=rooms)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = next(c.room for c in rooms if str(c.room.pk) == form.cleaned_data["room"])
            try:
                services.visit_room(actor=request.user, appointment=appointment, room=chosen)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request, f"{appointment.patient.display_name} is in {chosen.name}."
                )
                return redirect(_board_url(appointment.location_id))
        status = 400
    else:
        selectors.visit_summary_audit(actor=request.user, appointment=appointment, view="rooming")
    zone_start = appointment.start.astimezone(ZoneInfo(appointment.location.time_zone))
    context = {"appointment": appointment, "form": form, "rooms": rooms, "start_local": zone_start}
    return render(request, "frontdesk/room.html", context, status=status)


@requires(Capability.VISIT_FLOW, Need.EDIT)
def check_out(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_for_flow(appointment_id)
    collect = can(request.user, Capability.DESK_PAYMENTS, Need.EDIT)
    form = _payment_form(request, PaymentKind.PRIOR_BALANCE)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            payment = form.payment() if collect else None
            try:
                appointment, row = services.visit_check_out(
                    actor=request.user, appointment=appointment, payment=payment
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                note = f" ${row.amount} recorded (receipt {row.receipt_number})." if row else ""
                messages.success(
                    request, f"{appointment.patient.display_name} is checked out.{note}"
                )
                if row is not None and request.POST.get("print_receipt"):
                    return redirect("frontdesk:receipt", payment_id=row.pk)
                return redirect(_board_url(appointment.location_id))
        status = 400
    else:
        selectors.visit_summary_audit(actor=request.user, appointment=appointment, view="checkout")
    today = selectors.local_today(appointment.location)
    zone = ZoneInfo(appointment.location.time_zone)
    context = {
        "appointment": appointment,
        "form": form,
        "collect": collect,
        "payments": selectors.payments_for_visit(appointment)
        if can(request.user, Capability.DESK_PAYMENTS)
        else [],
        "follow_ups": selectors.follow_up_links(appointment, today),
        "stamps": [
            (label, getattr(appointment, name).astimezone(zone))
            for label, name in STAMPS
            if getattr(appointment, name)
        ],
        "start_local": appointment.start.astimezone(zone),
    }
    return render(request, "frontdesk/check_out.html", context, status=status)


@requires(Capability.DESK_PAYMENTS)
def receipt(request: AuthedRequest, payment_id: int) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, payment_id=payment_id)
    zone = (
        ZoneInfo(payment.location.time_zone)
        if payment.location
        else timezone.get_current_timezone()
    )
    context = {
        "payment": payment,
        "zone_name": str(zone),
        "received_local": payment.received_at.astimezone(zone),
        "voided_local": payment.voided_at.astimezone(zone) if payment.voided_at else None,
        "can_void": can(request.user, Capability.DESK_PAYMENTS, Need.EDIT) and not payment.is_void,
        "void_form": VoidForm(),
    }
    return render(request, "frontdesk/receipt.html", context)


@requires(Capability.DESK_PAYMENTS, Need.EDIT)
@require_POST
def payment_void(request: AuthedRequest, payment_id: int) -> HttpResponse:
    payment = get_object_or_404(DeskPayment, pk=payment_id)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.desk_payment_void(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"Receipt {payment.receipt_number} is void.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Say why this payment is voided (at least 5 characters).")
    return redirect("frontdesk:receipt", payment_id=payment.pk)


@requires(Capability.REPORTS_ACCESS)
def wait_times_page(request: AuthedRequest) -> HttpResponse:
    locations = selectors.board_locations(request.user)
    providers = list(Provider.objects.select_related("user").filter(is_active=True))
    own = own_only(request.user, Capability.REPORTS_ACCESS)
    if own:  # a clinician sees their own visits' figures only
        providers = [p for p in providers if p.user_id == request.user.pk]
        if not providers:
            return render(request, "frontdesk/wait_times.html", {"form": None, "result": None})
    today = selectors.local_today(locations[0]) if locations else timezone.localdate()
    form = WaitTimesForm(request.GET or None, locations=locations, providers=providers, today=today)
    result = None
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        location = next(loc for loc in locations if str(loc.pk) == data["location"])
        provider_id = providers[0].pk if own else int(data["provider"] or 0) or None
        result = wait_times.visit_times(
            location, data["date_from"], data["date_to"], provider_id=provider_id
        )
    elif form.is_bound:
        status = 400
    elif locations:
        result = wait_times.visit_times(
            locations[0], form.initial["date_from"], form.initial["date_to"],
            provider_id=providers[0].pk if own else None,
        )  # fmt: skip
    context = {"form": form, "result": result}
    return render(request, "frontdesk/wait_times.html", context, status=status)
