"""Pages a patient opens from a message, without signing in, and the provider's iCal feed.

Each answers a bad, changed or expired link with a page that says so (400 or 410), never an
error page; actions are POSTed forms with CSRF protection.
"""

from __future__ import annotations

import hmac

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from medoffice.core.access import public
from medoffice.messaging import calendar_feed, conf, links, patient_actions
from medoffice.messaging.models import Channel, LinkPurpose
from medoffice.messaging.sms import twilio_signature


def _problem(request: HttpRequest, error: links.LinkError) -> HttpResponse:
    return render(
        request, "messaging/public/problem.html", {"message": error.message}, status=error.status
    )


@public
@require_http_methods(["GET", "POST"])
def appointment_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = links.link_open(token, LinkPurpose.APPOINTMENT)
        done = ""
        error = ""
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "confirm":
                    patient_actions.appointment_confirm_via_link(link)
                    done = "Thank you: your appointment is confirmed."
                elif action == "cancel":
                    patient_actions.appointment_cancel_via_link(link)
                    done = "Your appointment is cancelled. Call us when you want another time."
                else:
                    error = "Choose Confirm or Cancel."
            except ValidationError as exc:
                error = " ".join(exc.messages)
        view = patient_actions.appointment_view(link)
    except links.LinkError as exc:
        return _problem(request, exc)
    status = 400 if error else 200
    return render(
        request,
        "messaging/public/appointment.html",
        {"view": view, "done": done, "error": error},
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def offer_link(request: HttpRequest, token: str) -> HttpResponse:
    from medoffice.waitlist import offers

    try:
        link = links.link_open(token, LinkPurpose.OFFER)
        outcome = None
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "accept":
                outcome = offers.offer_accept(nonce=link.nonce)
            elif action == "decline":
                outcome = offers.offer_decline(nonce=link.nonce)
            else:
                outcome = offers.OfferOutcome(ok=False, message="Choose Accept or No thanks.")
        view = offers.offer_view(nonce=link.nonce)
    except links.LinkError as exc:
        return _problem(request, exc)
    status = 409 if outcome is not None and not outcome.ok else 200
    return render(
        request, "messaging/public/offer.html", {"view": view, "outcome": outcome}, status=status
    )


@public
@require_http_methods(["GET", "POST"])
def opt_out_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = links.link_open(token, LinkPurpose.OPT_OUT)
        done = False
        if request.method == "POST":
            patient_actions.opt_out_via_link(link)
            done = True
    except links.LinkError as exc:
        return _problem(request, exc)
    except ValidationError as exc:
        return _problem(request, links.LinkError(" ".join(exc.messages), status=400))
    label = Channel(link.channel).label.lower() if link.channel else "message"
    return render(request, "messaging/public/opt_out.html", {"label": label, "done": done})


@public
@csrf_exempt  # the SMS provider posts here; its HMAC signature stands in for the CSRF token
@require_http_methods(["POST"])
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio's incoming-message webhook: STOP / START keywords."""
    from medoffice.messaging.services import sms_keyword_received

    auth_token = str(conf.get("TWILIO_AUTH_TOKEN"))
    given = request.headers.get("X-Twilio-Signature", "")
    url = conf.public_url(request.path)
    expected = twilio_signature(url, request.POST, auth_token) if auth_token else ""
    if not auth_token or not hmac.compare_digest(given, expected):
        return HttpResponse("Signature missing or wrong.", status=400, content_type="text/plain")
    sms_keyword_received(
        from_number=request.POST.get("From", ""), text=request.POST.get("Body", "")
    )
    # An empty TwiML answer: the provider sends its own STOP confirmation.
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
        content_type="application/xml",
    )


@public
@require_http_methods(["GET", "HEAD"])
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    provider = calendar_feed.provider_for_token(token)
    if provider is None:
        return HttpResponse("No calendar at this address.", status=404, content_type="text/plain")
    body = calendar_feed.calendar_build(provider)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="schedule.ics"'
    return response
