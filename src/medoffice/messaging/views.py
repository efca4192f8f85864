"""Staff pages of messaging: the outbox (office manager) and the calendar feeds."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import RoleCode
from medoffice.messaging import calendar_feed, services
from medoffice.messaging.forms import OutboxFilterForm
from medoffice.messaging.models import Message
from medoffice.messaging.selectors import outbox_messages


@requires_role(RoleCode.MANAGER)
def outbox(request: AuthedRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    page = Paginator(outbox_messages(form.to_filter()), 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    audit_patients_shown(patient_ids=[m.patient_id for m in page.object_list], view="outbox")
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {"form": form, "page": page, "query": query}
    return render(request, "messaging/outbox.html", context)


def _back_to_outbox(request: AuthedRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    return redirect(f"/messaging/outbox/?{query}" if query else "messaging:outbox")


@requires_role(RoleCode.MANAGER)
@require_POST
def message_retry(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id)
    try:
        services.message_retry(actor=request.user, message=message)
        messages.success(request, "The message is queued to be sent again.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back_to_outbox(request)


@requires_role(RoleCode.MANAGER)
@require_POST
def message_cancel(request: AuthedRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id)
    try:
        services.message_cancel(actor=request.user, message=message)
        messages.success(request, "The message will not be sent.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back_to_outbox(request)


@requires_role(RoleCode.MANAGER, RoleCode.CLINICIAN)
def calendar_feeds(request: AuthedRequest) -> HttpResponse:
    # The address as this person reaches the site (MEDOFFICE_PUBLIC_URL is for messages).
    providers = [
        {
            "provider": p,
            "url": request.build_absolute_uri(
                reverse("messaging:ical_feed", args=[p.calendar_token])
            )
            if p.calendar_token
            else "",
        }
        for p in calendar_feed.providers_manageable(request.user)
    ]
    return render(request, "messaging/calendar_feeds.html", {"providers": providers})


@requires_role(RoleCode.MANAGER, RoleCode.CLINICIAN)
@require_POST
def calendar_feed_regenerate(request: AuthedRequest, provider_id: int) -> HttpResponse:
    provider = get_object_or_404(calendar_feed.providers_manageable(request.user), pk=provider_id)
    had_one = bool(provider.calendar_token)
    calendar_feed.calendar_token_regenerate(actor=request.user, provider=provider)
    messages.success(
        request,
        "New feed address made: the old one no longer works." if had_one else "Feed address made.",
    )
    return redirect("messaging:calendar_feeds")
