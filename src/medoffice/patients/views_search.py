"""The patient search page (/patients/) and its live results (htmx)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from medoffice.core.access import can, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.search import SearchResult, patient_search

RESULTS_TEMPLATE = "patients/partials/search_results.html"


def patient_url(patient_id: int) -> str:
    """The patient's overview page (the registry's patients:detail)."""
    try:
        return reverse("patients:detail", args=[patient_id])
    except NoReverseMatch:  # the registry's pages not mounted (e.g. a trimmed URLconf)
        return f"/patients/{patient_id}/"


def _optional_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _rows(result: SearchResult) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "hit": hit,
            "patient": hit.patient,
            "age": hit.patient.age_on(today),
            "url": patient_url(hit.patient.pk),
        }
        for hit in result.hits
    ]


def _context(request: AuthedRequest) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()
    include_merged = request.GET.get("merged") == "1"
    result = (
        patient_search(actor=request.user, query=query, include_merged=include_merged)
        if query
        else None
    )
    may_edit = can(request.user, Capability.DEMOGRAPHICS, Need.EDIT)
    return {
        "query": query,
        "include_merged": include_merged,
        "result": result,
        "rows": _rows(result) if result else [],
        "new_patient_url": _optional_url("patients:new") if may_edit else "",
        "duplicates_url": _optional_url("patients:duplicates"),
    }


@requires(Capability.DEMOGRAPHICS)
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    return render(request, "patients/search.html", _context(request))


@requires(Capability.DEMOGRAPHICS)
@require_GET
def search_results(request: AuthedRequest) -> HttpResponse:
    """The results table alone, for the live search; the address bar follows the query."""
    context = _context(request)
    response = render(request, RESULTS_TEMPLATE, context)
    params = {"q": context["query"]} if context["query"] else {}
    if context["include_merged"]:
        params["merged"] = "1"
    page_url = reverse("patients:search")
    response["HX-Replace-Url"] = f"{page_url}?{urlencode(params)}" if params else page_url
    return response
