"""The morning huddle: the page (today or tomorrow, a location, a department), its print view,
and the A/R-over-90 fragment the page loads after it. Counts only: no patient is named."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from medoffice.core.access import requires_role
from medoffice.core.http import AuthedRequest
from medoffice.huddle import ar, links, selectors
from medoffice.huddle.parts import AR, AR_ROLES, HUDDLE_ROLES

HUDDLE = tuple(sorted(HUDDLE_ROLES))


def _choice(request: AuthedRequest) -> selectors.Choice:
    choice = selectors.choice_for(
        request.user,
        day=request.GET.get("day"),
        location=request.GET.get("location"),
        department=request.GET.get("department"),
    )
    if choice is None:
        raise Http404("No such location")
    return choice


def huddle_context(request: AuthedRequest, choice: selectors.Choice) -> dict[str, Any]:
    result = selectors.huddle(request.user, choice)
    return {
        "huddle": result,
        "choice": choice,
        "show_ar": AR in result.parts,
        "closest": links.CLOSEST,
        "slot_minutes": selectors.OPEN_SLOT_MINUTES,
    }


@requires_role(*HUDDLE)
@require_GET
def huddle_page(request: AuthedRequest) -> HttpResponse:
    choice = _choice(request)
    context = huddle_context(request, choice)
    context["query"] = request.GET.urlencode()
    return render(request, "huddle/huddle.html", context)


@requires_role(*HUDDLE)
@require_GET
def huddle_print(request: AuthedRequest) -> HttpResponse:
    choice = _choice(request)
    context = huddle_context(request, choice)
    context.update(printed_at=timezone.localtime(), query=request.GET.urlencode())
    return render(request, "huddle/huddle_print.html", context)


@requires_role(*AR_ROLES)
@require_GET
def ar_fragment(request: AuthedRequest) -> HttpResponse:
    """A/R over 90 days at the location: the last computed figure, or computed now."""
    choice = _choice(request)
    as_of = choice.today  # A/R is as of today, whichever day the huddle shows
    figure = ar.over_90(choice.location.pk, as_of)
    context = {"figure": figure, "url": links.ar_report(choice.location.pk, as_of)}
    return render(request, "huddle/partials/ar.html", context)
