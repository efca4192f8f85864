"""FHIR R4 endpoints: metadata, and for each resource type search/create and read/update.

Thin views: the access rule comes from fhir_view, reading from engine, writing from writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from medoffice.core.access import AccessRule
from medoffice.interop.fhir import engine, writes, writes_scheduling
from medoffice.interop.fhir.capability import capability_statement
from medoffice.interop.fhir.http import FhirError, fhir_response, fhir_view, read_json_body
from medoffice.interop.fhir.mappers.coverage import coverage_to_fhir
from medoffice.interop.fhir.mappers.patient import patient_to_fhir, version_id
from medoffice.interop.fhir.resources import RESOURCES
from medoffice.interop.fhir.search import parse_search, searchset_bundle
from medoffice.interop.fhir.types import ResourceType

PUBLIC = AccessRule("public")


@fhir_view(PUBLIC)
def metadata(request: HttpRequest) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        raise FhirError(405, "metadata is read-only (GET).", code="not-supported")
    return fhir_response(capability_statement(request))


def _not_allowed(rtype: ResourceType, what: str, allowed: str) -> HttpResponse:
    response = fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": "not-supported",
                    "diagnostics": f"{rtype.name}: {what} is not supported.",
                }
            ],
        },
        status=405,
    )
    response["Allow"] = allowed
    return response


def _written(request: HttpRequest, resource: dict[str, Any], status: int) -> HttpResponse:
    version = resource.get("meta", {}).get("versionId", "1")
    location = request.build_absolute_uri(
        f"/fhir/r4/{resource['resourceType']}/{resource['id']}/_history/{version}"
    )
    return fhir_response(resource, status=status, Location=location, ETag=f'W/"{version}"')


def _create(request: HttpRequest, rtype: ResourceType) -> HttpResponse:
    body = read_json_body(request)  # bad input is a 400 before the edit check (a 403)
    resource = writes.parse_resource(body, rtype.name)
    if rtype.name == "Appointment":
        created, outcome = writes_scheduling.fhir_appointment_create(
            actor=request.user, resource=resource
        )
        response = _written(request, created, 201)
        if "return=operationoutcome" in request.headers.get("Prefer", "").lower():
            # The booking's warnings (coverage, authorization), as FHIR's Prefer asks.
            response.content = fhir_response(outcome).content
        return response
    if rtype.name == "Patient":
        patient = writes.fhir_patient_create(actor=request.user, resource=resource)
        patient.refresh_from_db()
        return _written(request, patient_to_fhir(patient), 201)
    coverage = writes.fhir_coverage_create(actor=request.user, resource=resource)
    coverage.refresh_from_db()
    return _written(request, coverage_to_fhir(coverage), 201)


def _update(request: HttpRequest, rtype: ResourceType, resource_id: str) -> HttpResponse:
    body = read_json_body(request)
    resource = writes.parse_resource(body, rtype.name)
    _, row = engine.find(rtype, request.user, resource_id)
    if_match = request.headers.get("If-Match")
    if rtype.name == "Patient":
        patient = writes.fhir_patient_update(
            actor=request.user, patient_id=row.pk, resource=resource, if_match=if_match
        )
        patient.refresh_from_db()
        return _written(request, patient_to_fhir(patient), 200)
    coverage = writes.fhir_coverage_update(
        actor=request.user, coverage_id=row.pk, resource=resource, if_match=if_match
    )
    coverage.refresh_from_db()
    return _written(request, coverage_to_fhir(coverage), 200)


def type_view(rtype: ResourceType) -> Callable[..., Any]:
    allowed = "GET, POST" if rtype.writable else "GET"

    @fhir_view(rtype.rule)
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            search = parse_search(request.GET, rtype.params, rtype.name)
            page = engine.run_search(request, request.user, rtype, search)
            bundle = searchset_bundle(
                request, page.resources, total=page.total, search=search, more=page.more
            )
            return fhir_response(bundle)
        if request.method == "POST" and rtype.writable:
            return _create(request, rtype)
        return _not_allowed(rtype, request.method or "", allowed)

    view.__name__ = f"{rtype.name.lower()}_type"
    return view


def instance_view(rtype: ResourceType) -> Callable[..., Any]:
    updatable = rtype.writable and rtype.updatable
    allowed = "GET, PUT" if updatable else "GET"

    @fhir_view(rtype.rule)
    def view(request: HttpRequest, resource_id: str) -> HttpResponse:
        if request.method == "GET":
            resource = engine.read(request, request.user, rtype, resource_id)
            headers = {}
            if "versionId" in resource.get("meta", {}):
                headers["ETag"] = f'W/"{resource["meta"]["versionId"]}"'
            return fhir_response(resource, **headers)
        if request.method == "PUT" and updatable:
            return _update(request, rtype, resource_id)
        return _not_allowed(rtype, request.method or "", allowed)

    view.__name__ = f"{rtype.name.lower()}_instance"
    return view


TYPE_VIEWS = {name: type_view(rtype) for name, rtype in RESOURCES.items()}
INSTANCE_VIEWS = {name: instance_view(rtype) for name, rtype in RESOURCES.items()}
__all__ = ["INSTANCE_VIEWS", "TYPE_VIEWS", "metadata", "version_id"]
