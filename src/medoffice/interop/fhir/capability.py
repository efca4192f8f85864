"""The CapabilityStatement: exactly what this server supports, built from RESOURCES."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.interop.fhir.constants import FHIR_VERSION
from medoffice.interop.fhir.resources import RESOURCES

SEARCH_PARAMETER_DOCS = {
    "_id": "Logical id (types read from several tables use prefixed ids, e.g. lab-12).",
    "identifier": "system|value, or value alone.",
    "name": "Prefix of any part of the name, case- and accent-insensitive.",
    "family": "Prefix of the family name, case- and accent-insensitive.",
    "given": "Prefix of the given name, case- and accent-insensitive.",
    "birthdate": "Date with an optional prefix: eq, ne, gt, lt, ge, le.",
    "date": "Date or date-time with an optional prefix: eq, ne, gt, lt, ge, le.",
    "patient": "Patient/<id> or <id>.",
}


def capability_statement(request: HttpRequest) -> dict[str, Any]:
    from django.utils import timezone

    resources = []
    for rtype in RESOURCES.values():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        updatable = rtype.writable and rtype.updatable
        if rtype.writable:
            interactions.append({"code": "create"})
        if updatable:
            interactions.append({"code": "update"})
        versioning = "no-version"
        if rtype.writable:
            versioning = "versioned-update" if updatable else "versioned"
        docs = SEARCH_PARAMETER_DOCS | rtype.param_docs
        entry: dict[str, Any] = {
            "type": rtype.name,
            "interaction": interactions,
            "versioning": versioning,
            "readHistory": False,
            "updateCreate": False,
            "conditionalCreate": False,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            "searchParam": [
                {"name": name, "type": kind}
                | ({"documentation": docs[name]} if name in docs else {})
                for name, kind in rtype.params.items()
            ]
            + [
                {
                    "name": "_count",
                    "type": "number",
                    "documentation": "Page size, default 20, at most 100.",
                },
                {
                    "name": "_offset",
                    "type": "number",
                    "documentation": "Paging: the first result's position (see the next link).",
                },
            ],
        }
        if rtype.documentation:
            entry["documentation"] = rtype.documentation
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(),
        "publisher": "MedOffice",
        "kind": "instance",
        "software": {"name": "MedOffice"},
        "implementation": {
            "description": "MedOffice FHIR R4 API",
            "url": request.build_absolute_uri("/fhir/r4/"),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Every read and write of patient information is audited. "
                "Emergency access (break the glass) is not available through this API.",
                "security": {
                    "cors": False,
                    "description": "Personal API tokens (Authorization: Bearer <token>, from the "
                    "profile page or `medoffice token create`), or the web session. Access "
                    "follows the same role matrix as the web application.",
                },
                "resource": resources,
            }
        ],
    }
