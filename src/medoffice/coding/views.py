"""The coders' code-table page (/coding/tables/) and its live results (htmx)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from medoffice.coding import selectors
from medoffice.coding.table_parsers import DX_PREFIX
from medoffice.core.access import requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability

RESULTS_TEMPLATE = "coding/partials/table_results.html"


def _context(request: AuthedRequest) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()[:100]
    table = request.GET.get("table", "")
    table = table if table in selectors.TABLES else ""
    looks_like_icd = bool(DX_PREFIX.match(query.upper().replace(".", "")))
    return {
        "query": query,
        "table": table,
        "tables": selectors.TABLES.values(),
        "hits": selectors.tables_search(query=query, table=table),
        # A diagnosis code typed in the box: show what its tabular list says not to code with it.
        "excludes": selectors.excludes_notes(query) if looks_like_icd and not table else None,
    }


@requires(Capability.CODING)
@require_GET
def tables(request: AuthedRequest) -> HttpResponse:
    return render(request, "coding/tables.html", _context(request))


@requires(Capability.CODING)
@require_GET
def tables_results(request: AuthedRequest) -> HttpResponse:
    """The results alone, for the live search; the address bar follows the query."""
    context = _context(request)
    response = render(request, RESULTS_TEMPLATE, context)
    params = {"q": context["query"], "table": context["table"]}
    params = {k: v for k, v in params.items() if v}
    page_url = reverse("coding:tables")
    response["HX-Replace-Url"] = f"{page_url}?{urlencode(params)}" if params else page_url
    return response
