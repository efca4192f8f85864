"""Reading resources: search across a type's tables with paging, read by id; both audited.

Query budget of a search: one COUNT and one page query per table (plus prefetches), and one
audit append for the whole page, whatever its size.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_record, audit_record_many
from medoffice.interop.fhir import search as s
from medoffice.interop.fhir.http import FhirError, refuse
from medoffice.interop.fhir.resources import audit_annotations, hidden_rows
from medoffice.interop.fhir.types import Context, Page, ResourceType, Source


def request_context(request: HttpRequest) -> Context:
    return Context(base_url=request.build_absolute_uri("/"))


def _filtered(source: Source, user: Any, search: s.SearchRequest) -> QuerySet | None:
    """The source's rows matching the search, or None when it cannot hold any."""
    hidden = hidden_rows(source, user)
    if hidden is not None and hidden[1] is None:
        return None
    queryset = source.queryset()
    if source.scope is not None:
        queryset = queryset.filter(source.scope(user))
    if source.unlisted is not None:
        queryset = queryset.exclude(source.unlisted)
    if hidden is not None:
        queryset = queryset.exclude(hidden[1])
    condition = Q()
    handlers = {"_id": s.id_handler(source.prefix), **source.handlers}
    for name, (repeats, modifier) in search.params.items():
        handler = handlers.get(name)
        if handler is None:
            return None  # the parameter does not apply to this table: no row here matches
        result = handler(repeats, modifier)
        if result is s.NO_MATCH:
            return None
        condition &= result
    return queryset.filter(condition)


def _audit_entries(rtype: ResourceType, rows: list[Any], action: str) -> list[dict[str, Any]]:
    patients: dict[int, str] = {}
    for row in rows:
        patient_id = getattr(row, "audit_patient_id", None)
        if patient_id is not None:
            patients.setdefault(patient_id, getattr(row, "audit_patient_mrn", ""))
    return [
        {
            "action": action,
            "object_type": f"fhir:{rtype.name}",
            "object_id": pid,
            "patient_id": pid,
            "patient_ref": mrn,
            "details": {"view": f"FHIR {rtype.name} search"},
        }
        for pid, mrn in patients.items()
    ]


def run_search(
    request: HttpRequest, user: Any, rtype: ResourceType, search: s.SearchRequest
) -> Page:
    if rtype.computed is not None:
        return rtype.computed.search(request, user, search)
    plans = []
    for source in rtype.sources:
        queryset = _filtered(source, user, search)
        if queryset is not None:
            plans.append((source, queryset, queryset.count()))
    total = sum(count for _, _, count in plans)
    offset, remaining = search.offset, search.count
    rows: list[tuple[Source, Any]] = []
    for source, queryset, count in plans:
        if remaining <= 0:
            break
        if offset >= count:
            offset -= count
            continue
        page = audit_annotations(queryset, source).order_by(*source.order)
        found = list(page[offset : offset + remaining])
        rows.extend((source, row) for row in found)
        remaining -= len(found)
        offset = 0
    ctx = request_context(request)
    resources = [source.to_fhir(row, ctx) for source, row in rows]
    if rtype.phi and rows:
        # One entry per patient shown on the page (as audit_patients_shown does), appended at
        # once with the MRNs already in hand.
        audit_record_many(_audit_entries(rtype, [row for _, row in rows], AuditAction.VIEW_LIST))
    return Page(resources, total)


def find(rtype: ResourceType, user: Any, resource_id: str) -> tuple[Source, Any]:
    """The row behind `Type/id`; 404 when there is none, 403 (audited) when it is hidden."""
    if not s.valid_id(resource_id):
        raise FhirError(404, f"{rtype.name}/{resource_id} is not a valid id.", code="not-found")
    for source in rtype.sources:
        pk = s.split_id(resource_id, source.prefix)
        if pk is None:
            continue
        row = audit_annotations(source.queryset(), source).filter(pk=pk).first()
        if row is None:
            break
        hidden = hidden_rows(source, user)
        if hidden is not None and (
            hidden[1] is None or source.queryset().filter(hidden[1], pk=pk).exists()
        ):
            raise refuse(user, hidden[0])
        if (
            source.scope is not None
            and not source.queryset().filter(source.scope(user), pk=pk).exists()
        ):
            raise refuse(user, rtype.rule.capability)
        return source, row
    raise FhirError(404, f"{rtype.name}/{resource_id} is not known.", code="not-found")


def read(request: HttpRequest, user: Any, rtype: ResourceType, resource_id: str) -> dict[str, Any]:
    if rtype.computed is not None:
        if not s.valid_id(resource_id):
            raise FhirError(404, f"{rtype.name}/{resource_id} is not a valid id.", code="not-found")
        return rtype.computed.read(request, user, resource_id)
    source, row = find(rtype, user, resource_id)
    resource = source.to_fhir(row, request_context(request))
    if rtype.phi:
        patient_id = getattr(row, "audit_patient_id", None)
        audit_record(
            action=AuditAction.VIEW,
            object_type=f"fhir:{rtype.name}",
            object_id=resource_id,
            patient_id=patient_id,
            patient_ref=getattr(row, "audit_patient_mrn", "") or "",
        )
    return resource
