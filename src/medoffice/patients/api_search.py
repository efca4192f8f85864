"""GET /api/patients/search?q=...: the search box as JSON (same matching, access and audit)."""

# No `from __future__ import annotations`: django-ninja reads the annotations at runtime.

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from medoffice.core.access import AccessRule, api_rule
from medoffice.core.permissions import Capability
from medoffice.patients.search import DEFAULT_LIMIT, MAX_LIMIT, patient_search
from medoffice.patients.views_search import patient_url

router = Router(tags=["patients"])


class PatientHit(Schema):
    id: int
    mrn: str
    family_name: str
    given_name: str
    middle_name: str
    preferred_name: str
    birth_date: date
    age: int
    phone: str
    status: str
    home_location: str | None
    matched: str
    note: str
    url: str


class SearchOut(Schema):
    query: str
    understood: list[str]
    ignored: list[str]
    count: int
    more: bool
    results: list[PatientHit]


@router.get("/search", response=SearchOut, url_name="patient_search")
@api_rule(AccessRule("capability", Capability.DEMOGRAPHICS))
def search(
    request: HttpRequest, q: str = "", limit: int = DEFAULT_LIMIT, merged: bool = False
) -> SearchOut:
    """Find patients by name (prefix, sound-alike, typo), date of birth, MRN, phone or member
    id, in one query string ("smith 1980-03-04"). Every patient returned is audited."""
    limit = max(1, min(limit, MAX_LIMIT))
    result = patient_search(
        actor=request.user, query=q, limit=limit, include_merged=merged, view="api_search"
    )
    today = timezone.localdate()
    hits = [
        PatientHit(
            id=h.patient.pk,
            mrn=h.patient.mrn,
            family_name=h.patient.family_name,
            given_name=h.patient.given_name,
            middle_name=h.patient.middle_name,
            preferred_name=h.patient.preferred_name,
            birth_date=h.patient.birth_date,
            age=h.patient.age_on(today),
            phone=h.phone,
            status=h.patient.status,
            home_location=h.patient.home_location.name if h.patient.home_location else None,
            matched=h.matched,
            note=h.note,
            url=patient_url(h.patient.pk),
        )
        for h in result.hits
    ]
    return SearchOut(
        query=result.query.text,
        understood=result.query.understood(),
        ignored=list(result.query.ignored),
        count=len(hits),
        more=result.more,
        results=hits,
    )
