"""Documents as FHIR DocumentReference: the metadata and a link to the access-checked download
page of the web application (the file itself never travels in the FHIR answer)."""

from __future__ import annotations

from typing import Any

from medoffice.interop.fhir.constants import DOCUMENT_CATEGORY_SYSTEM
from medoffice.interop.fhir.mappers.common import day, drop_empty, instant, ref
from medoffice.interop.fhir.mappers.patient import meta


def document_download_path(document: Any) -> str:
    # The registry's download view: /patients/<id>/documents/<doc_id>/ (audited there).
    return f"/patients/{document.patient_id}/documents/{document.pk}/"


def document_to_fhir(document: Any, base_url: str = "") -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "DocumentReference",
            "id": str(document.pk),
            "meta": meta(document.updated_at),
            "status": "current",
            "type": {
                "coding": [
                    {
                        "system": DOCUMENT_CATEGORY_SYSTEM,
                        "code": document.category,
                        "display": document.get_category_display(),
                    }
                ],
                "text": document.get_category_display(),
            },
            "category": [
                {"coding": [{"system": DOCUMENT_CATEGORY_SYSTEM, "code": document.category}]}
            ],
            "subject": ref("Patient", document.patient_id),
            "date": instant(document.created_at),
            "description": document.title,
            "content": [
                {
                    "attachment": drop_empty(
                        {
                            "contentType": document.content_type,
                            "url": base_url.rstrip("/") + document_download_path(document),
                            "size": document.size,
                            "title": document.title,
                            "creation": day(document.document_date),
                        }
                    )
                }
            ],
            "context": {"period": {"start": day(document.document_date)}},
        }
    )
