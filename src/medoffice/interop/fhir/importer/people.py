"""Importing who and where: Patient, Practitioner, Organization, Location, and payers with
Coverage (from Coverage resources, or the payer named on a Claim / ExplanationOfBenefit).

Decisions, kept minimal:
- A Practitioner becomes an inactive user with the clinician role and no usable password:
  encounters can name their provider, and nobody can sign in as an imported person.
- An Organization that is a payer (type pay/ins) becomes a Payer; any other (a hospital, an
  outside practice) and a Location become an inactive Location of the practice, so imported
  encounters keep where they happened without showing up among the practice's own sites.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from medoffice.interop.fhir.constants import NPI_SYSTEM
from medoffice.interop.fhir.importer.bundle import Entry
from medoffice.interop.fhir.importer.state import (
    ImportState,
    PatientRejected,
    Result,
    as_date,
    created,
    error_text,
    rejected,
    skipped,
)
from medoffice.interop.fhir.mappers.common import state_code
from medoffice.interop.fhir.mappers.coverage import RELATIONSHIP_FROM_FHIR
from medoffice.interop.fhir.mappers.patient import patient_fields

PAYER_TYPES = {"pay", "ins"}
NOT_A_PAYER = {"", "no_insurance", "none", "self pay", "self-pay", "private", "uninsured"}


def _identifier_keys(entry: Entry, systems: set[str] | None = None) -> list[tuple[str, str, str]]:
    keys = []
    for identifier in entry.model.identifier or []:
        if (
            identifier.value
            and identifier.system
            and (systems is None or identifier.system in systems)
        ):
            keys.append((identifier.system, entry.resource_type, identifier.value))
    return keys


def _earlier_by_identifier(
    state: ImportState, entry: Entry, systems: set[str] | None = None
) -> Any:
    for key in _identifier_keys(entry, systems):
        row = state.earlier(key)
        if row is not None:
            return row
    return None


def _short_code(*parts: str) -> str:
    return "ext-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


# --- Organizations and locations -----------------------------------------------------------------


def _outside_location(
    state: ImportState, entry: Entry, name: str, address: Any, phone: str
) -> Result:
    from medoffice.organization.models import Location

    if state.practice is None:
        state.remember(entry, None)
        return skipped("no practice is set up yet to attach outside locations to")
    name = (name or "Outside location").strip()[:120]
    location = Location.objects.filter(practice=state.practice, name=name).first()
    if location is None:
        lines = list(address.line or []) if address else []
        location = Location(
            practice=state.practice,
            name=name,
            code=_short_code(entry.resource_type, entry.resource_id, name),
            address_line1=(lines[0] if lines else "")[:200],
            address_line2=", ".join(lines[1:])[:200],
            city=((address.city or "") if address else "")[:100],
            state=state_code(address.state) if address else "",
            postal_code=((address.postalCode or "") if address else "")[:10],
            phone=phone[:30],
            is_active=False,
        )
        try:
            location.full_clean()
        except ValidationError:
            # An address we cannot read in US format is dropped, the facility kept.
            location.state = location.postal_code = ""
        location.save()
        result = created()
    else:
        result = skipped(f"matches the existing location {name!r}")
    state.remember(entry, location, *_identifier_keys(entry))
    return result


def _phone(resource: Any) -> str:
    return next((t.value for t in resource.telecom or [] if t.system == "phone" and t.value), "")


def _payer(name: str, phone: str = "") -> Any:
    from medoffice.patients.models import Payer

    payer = Payer.objects.filter(name__iexact=name.strip()).first()
    if payer is None:
        payer = Payer(name=name.strip()[:200], phone=phone[:30])
        payer.full_clean()
        payer.save()
    return payer


def import_organization(state: ImportState, entry: Entry) -> Result:
    org = entry.model
    earlier = state.earlier(state.key_of(entry)) or _earlier_by_identifier(state, entry)
    if earlier is not None:
        state.remember(entry, earlier)
        return skipped("already imported")
    types = {c.code for t in org.type or [] for c in t.coding or []}
    if types & PAYER_TYPES:
        if not org.name:
            state.remember(entry, None)
            return rejected("a payer organization without a name")
        state.remember(entry, _payer(org.name, _phone(org)), *_identifier_keys(entry))
        return created()
    address = (org.address or [None])[0]
    return _outside_location(state, entry, org.name or "", address, _phone(org))


def import_location(state: ImportState, entry: Entry) -> Result:
    earlier = state.earlier(state.key_of(entry)) or _earlier_by_identifier(state, entry)
    if earlier is not None:
        state.remember(entry, earlier)
        return skipped("already imported")
    loc = entry.model
    return _outside_location(state, entry, loc.name or "", loc.address, _phone(loc))


# --- Practitioners ------------------------------------------------------------------------------


def import_practitioner(state: ImportState, entry: Entry) -> Result:
    from medoffice.accounts.models import User
    from medoffice.accounts.services import roles_ensure
    from medoffice.core.permissions import RoleCode

    earlier = state.earlier(state.key_of(entry)) or _earlier_by_identifier(
        state, entry, {NPI_SYSTEM}
    )
    if earlier is not None:
        state.remember(entry, earlier)
        return skipped("already imported")
    person = entry.model
    name = (person.name or [None])[0]
    npi = next((i.value for i in person.identifier or [] if i.system == NPI_SYSTEM), "")
    username = _short_code("practitioner", npi or entry.resource_id)[:150]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            first_name=" ".join(name.given or [])[:150] if name else "",
            last_name=((name.family or "") if name else "")[:150],
            title=" ".join((name.suffix or name.prefix or []) if name else [])[:100],
            is_active=False,
            password=make_password(None),  # unusable: an imported person can never sign in
        )
        user.save()
        roles_ensure()
        user.roles.set([RoleCode.CLINICIAN])
    state.remember(entry, user, *_identifier_keys(entry, {NPI_SYSTEM}))
    return created()


# --- Patients ----------------------------------------------------------------------------------


def import_patient(state: ImportState, entry: Entry) -> Result:
    from medoffice.patients.models import Patient, PatientIdentifier
    from medoffice.patients.search_index import index_names
    from medoffice.patients.services import apply_derived_fields, new_mrns

    earlier = state.earlier(state.key_of(entry))
    if earlier is not None:
        state.remember(entry, earlier)
        return skipped("already imported")
    data, identifiers, ssn = patient_fields(entry.model)
    pairs = [(system, value) for system, value, _ in identifiers]
    match = None
    for system, value in pairs:
        match = (
            PatientIdentifier.objects.filter(system=system, value=value)
            .select_related("patient")
            .first()
        )
        if match:
            break
    if match is not None:
        state.remember(entry, match.patient)
        return skipped(f"the same person as MRN {match.patient.mrn} (identifier {match.system})")
    patient = Patient(**data, ssn=ssn)
    try:
        apply_derived_fields(patient)
        patient.mrn = "pending"
        patient.full_clean(exclude=["mrn"])
    except ValidationError as exc:
        raise PatientRejected(f"{entry.label} Patient: {error_text(exc)}") from None
    patient.mrn = new_mrns(1)[0]
    patient.save()
    index_names([patient.family_norm, patient.given_norm])
    rows = []
    for system, value, label in identifiers:
        row = PatientIdentifier(
            patient=patient, system=system[:200], value=value[:100], label=label
        )
        rows.append(row)
    PatientIdentifier.objects.bulk_create(rows, ignore_conflicts=True)
    state.patients_created.append(patient)
    state.remember(entry, patient)
    return created()


# --- Coverage and payers -----------------------------------------------------------------------


def _save_coverage(
    state: ImportState,
    entry: Entry,
    *,
    patient: Any,
    payer_name: str,
    member_id: str,
    start: Any,
    end: Any = None,
    relationship: str = "self",
    group: str = "",
    plan: str = "",
    priority: int = 1,
    payer_row: Any = None,
) -> Result:
    from medoffice.patients.models import Coverage
    from medoffice.patients.names import member_id_key

    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    if payer_row is None and payer_name.strip().lower() in NOT_A_PAYER:
        state.remember(entry, None)
        return skipped(f"payer {payer_name or '(none)'!r} is not an insurer MedOffice can bill")
    missing = [
        label for label, value in (("member id", member_id), ("start date", start)) if not value
    ]
    if missing:
        state.remember(entry, None)
        return skipped(
            f"payer {payer_name!r} named, but no {' or '.join(missing)}: no coverage created"
        )
    code = RELATIONSHIP_FROM_FHIR.get(relationship or "self")
    coverage = Coverage(
        patient=patient,
        member_id=member_id[:50],
        member_id_norm=member_id_key(member_id),
        group_number=group[:50],
        plan_name=plan[:200],
        priority=min(max(priority, 1), 3),
        relationship=code or "G8",
        effective_date=start,
        end_date=end,
        copay=Decimal("0.00"),
    )
    try:
        coverage.payer = payer_row or _payer(payer_name)
        coverage.full_clean(exclude=["member_id_norm"])
    except ValidationError as exc:
        state.remember(entry, None)
        return rejected(error_text(exc))
    existing = Coverage.objects.filter(
        patient=patient, payer=coverage.payer, member_id=coverage.member_id, effective_date=start
    ).first()
    if existing is not None:
        state.remember(entry, existing)
        return skipped("the same policy is already on file")
    coverage.save()
    state.remember(entry, coverage)
    return created()


def import_coverage(state: ImportState, entry: Entry) -> Result:
    if state.earlier(state.key_of(entry)) is not None:
        state.remember(entry, None)
        return skipped("already imported")
    cov = entry.model
    payor = (cov.payor or [None])[0]
    payer_row = state.target(payor, "Organization") if payor is not None else None
    from medoffice.patients.models import Payer

    if payer_row is not None and not isinstance(payer_row, Payer):
        payer_row = None
    relationship = next(
        (c.code for c in (cov.relationship.coding or [] if cov.relationship else []) if c.code),
        "self",
    )
    classes = {
        next((c.code for c in k.type.coding or []), ""): k
        for k in getattr(cov, "class_fhir", None) or []
    }
    return _save_coverage(
        state,
        entry,
        patient=state.target(cov.beneficiary, "Patient"),
        payer_name=(payor.display or "") if payor is not None else "",
        payer_row=payer_row,
        member_id=cov.subscriberId or next((i.value for i in cov.identifier or [] if i.value), ""),
        start=as_date(cov.period.start) if cov.period else None,
        end=as_date(cov.period.end) if cov.period else None,
        relationship=relationship,
        group=(classes["group"].value or "") if "group" in classes else "",
        plan=(classes["plan"].name or classes["plan"].value or "") if "plan" in classes else "",
        priority=cov.order or 1,
    )


def import_claim_payer(state: ImportState, entry: Entry) -> Result:
    """Claims and EOBs are not stored; the payer they name becomes a coverage when they say
    enough (a member id and a start date, in a contained Coverage)."""
    if state.earlier(state.key_of(entry)) is not None:
        state.remember(entry, None)
        return skipped("already imported")
    resource = entry.model
    contained = [c for c in resource.contained or [] if c.get_resource_type() == "Coverage"]
    insurer = getattr(resource, "insurer", None)
    names = [insurer.display or ""] if insurer is not None else []
    names += [i.coverage.display or "" for i in resource.insurance or [] if i.coverage is not None]
    for cov in contained:
        names += [p.display or "" for p in cov.payor or []]
    payer_name = next((n for n in names if n and n.strip()), "")
    if not payer_name:
        state.remember(entry, None)
        return skipped(f"{entry.resource_type} names no payer")
    cov = contained[0] if contained else None
    return _save_coverage(
        state,
        entry,
        patient=state.target(resource.patient, "Patient"),
        payer_name=payer_name,
        member_id=(cov.subscriberId or "") if cov else "",
        start=as_date(cov.period.start) if cov is not None and cov.period else None,
    )
