"""The records audit page: completeness for the manager, clinicians, nurses and compliance."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from medoffice.audit.services import audit_patients_shown
from medoffice.chart import records_audit
from medoffice.chart.selectors import UNSIGNED_NOTE_HOURS
from medoffice.core.access import can, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability

PAGE_SIZE = 25


def parse_hours(value: str | None) -> int:
    try:
        return min(max(int(value or UNSIGNED_NOTE_HOURS), 1), 24 * 365)
    except ValueError:
        return UNSIGNED_NOTE_HOURS


@requires(Capability.CHART_COMPLETENESS)
def records_audit_page(request: AuthedRequest) -> HttpResponse:
    opts = records_audit.AuditOptions(hours=parse_hours(request.GET.get("hours")))
    sections: list[dict[str, Any]] = []
    shown: list[int] = []
    for check in records_audit.CHECKS:
        page = Paginator(check.rows(opts), PAGE_SIZE).get_page(request.GET.get(f"{check.key}_page"))
        rows = list(page.object_list)
        shown.extend(records_audit.patient_id_of(check.key, row) for row in rows)
        if check.key == "consents":
            rows = [(row, records_audit.consent_problems(row)) for row in rows]
        sections.append({"check": check, "page": page, "rows": rows})
    duplicates = records_audit.duplicate_section(request.GET.get("duplicates_page"), PAGE_SIZE)
    if duplicates:
        shown.extend(pid for pair in duplicates["rows"] for pid in (pair.first.pk, pair.second.pk))
    query = request.GET.copy()
    audit_patients_shown(patient_ids=shown, object_type="records_audit", view="records_audit")
    return render(
        request,
        "chart/records_audit.html",
        {
            "sections": sections,
            "duplicates": duplicates,
            "hours": opts.hours,
            "query": query,
            "can_chart": can(request.user, Capability.CHART),
        },
    )
