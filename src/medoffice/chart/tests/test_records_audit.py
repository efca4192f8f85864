"""The records audit on a hand-built office: each check finds exactly what it should."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.chart import records_audit, services
from medoffice.chart.models import ClinicalNote, EncounterDiagnosis, EncounterStatus
from medoffice.chart.tests.conftest import cast, hours_ago, make_encounter, make_patient
from medoffice.patients.models import Consent, Coverage, Payer


@pytest.fixture
def office(db, clinician):
    today = timezone.localdate()
    desk = cast("frontdesk")
    payer = Payer.objects.create(name="Empire Health", payer_id="EMP01")
    gaps = make_patient(family_name="Gaps", given_name="Gus", phone_mobile="518-555-0111")
    tidy = make_patient(family_name="Tidy", given_name="Tess", phone_mobile="518-555-0122")
    lapsed = make_patient(family_name="Lapsed", given_name="Lou", phone_mobile="518-555-0133")
    gone = make_patient(family_name="Gone", given_name="Gil", phone_mobile="518-555-0144")
    gone.status = "inactive"
    gone.save(update_fields=["status"])
    for patient in (tidy, lapsed):
        for kind in ("npp", "treatment", "financial"):
            Consent.objects.create(patient=patient, kind=kind, signed_on=today - timedelta(days=30),
                                   recorded_by=desk)  # fmt: skip
    Consent.objects.create(patient=gaps, kind="npp", signed_on=today - timedelta(days=30),
                           recorded_by=desk)  # fmt: skip
    Consent.objects.create(patient=gaps, kind="treatment", signed_on=today - timedelta(days=400),
                           expires_on=today - timedelta(days=35), recorded_by=desk)  # fmt: skip
    Coverage.objects.create(patient=tidy, payer=payer, member_id="T1",
                            effective_date=today - timedelta(days=100))  # fmt: skip
    Coverage.objects.create(patient=lapsed, payer=payer, member_id="L1",
                            effective_date=today - timedelta(days=100),
                            end_date=today + timedelta(days=2))  # fmt: skip

    now = timezone.now()
    no_dx = make_encounter(gaps, clinician)
    coded = make_encounter(tidy, clinician)
    services.diagnosis_add(actor=clinician, encounter=coded, code="I10")
    imported = make_encounter(tidy, clinician, start=now - timedelta(days=40))
    EncounterDiagnosis.objects.create(encounter=imported, code="E11", rank=1, billable=False,
                                      description="Type 2 diabetes mellitus")  # fmt: skip
    late = services.note_create(actor=clinician, encounter=no_dx, data={"assessment": "SECRET-A"})
    ClinicalNote.objects.filter(pk=late.pk).update(created_at=hours_ago(60))
    services.note_create(actor=clinician, encounter=coded, data={"assessment": "fresh draft"})
    signed = services.note_create(actor=clinician, encounter=coded, data={"plan": "ok"})
    services.note_sign(actor=clinician, note=signed)
    ClinicalNote.objects.filter(pk=signed.pk).update(created_at=hours_ago(100))

    planned = {"status": EncounterStatus.PLANNED}
    soon_gaps = make_encounter(gaps, clinician, start=now + timedelta(days=5), **planned)
    make_encounter(tidy, clinician, start=now + timedelta(days=5), **planned)
    soon_lapsed = make_encounter(lapsed, clinician, start=now + timedelta(days=6), **planned)
    make_encounter(gaps, clinician, start=now + timedelta(days=20), **planned)
    make_encounter(gone, clinician, start=now + timedelta(days=30), **planned)
    return {
        "gaps": gaps, "tidy": tidy, "lapsed": lapsed, "gone": gone, "no_dx": no_dx,
        "imported": imported, "late": late, "soon_gaps": soon_gaps, "soon_lapsed": soon_lapsed,
    }  # fmt: skip


def keys(check: str, opts=None):
    opts = opts or records_audit.AuditOptions()
    found = next(c for c in records_audit.CHECKS if c.key == check).rows(opts)
    return {row.pk for row in found}


def test_each_check(office):
    assert keys("unsigned_notes") == {office["late"].pk}
    assert keys("unsigned_notes", records_audit.AuditOptions(hours=100)) == set()
    assert keys("no_diagnosis") == {office["no_dx"].pk}
    assert keys("non_billable") == {office["imported"].diagnoses.get().pk}
    assert keys("consents") == {office["gaps"].pk}
    assert keys("coverage") == {office["soon_gaps"].pk, office["soon_lapsed"].pk}
    assert records_audit.counts(records_audit.AuditOptions()) == {
        "unsigned_notes": 1, "no_diagnosis": 1, "non_billable": 1, "consents": 1, "coverage": 2,
    }  # fmt: skip


def test_consent_problems_say_which(office):
    row = records_audit.consents_missing_or_expired(records_audit.AuditOptions()).get()
    assert records_audit.consent_problems(row) == [
        "Consent to treat: expired or revoked", "Financial policy: missing",
    ]  # fmt: skip


def test_consents_checked_on_a_given_day(office):
    earlier = records_audit.AuditOptions(today=date.today() - timedelta(days=60))
    # Sixty days ago nobody had signed the recent consents yet.
    assert {office["tidy"].pk, office["lapsed"].pk} <= keys("consents", earlier)


@pytest.mark.parametrize("role", ["manager", "clinician", "nurse", "compliance"])
def test_page_for_completeness_roles(office, as_role, role):
    _, client = as_role(role)
    response = client.get("/chart/records-audit/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "SECRET-A" not in page  # completeness, never content
    assert 'id="count-coverage">2<' in page
    assert f"/patients/{office['gaps'].pk}/" in page
    assert f"/encounters/{office['no_dx'].pk}/coding/" in page
    note_link = f"/notes/{office['late'].pk}/"
    assert (note_link in page) == (role in {"clinician", "nurse"})
    shown = AuditEvent.objects.filter(object_type="records_audit", action="view_list")
    assert set(shown.values_list("patient_id", flat=True)) == {
        office["gaps"].pk, office["tidy"].pk, office["lapsed"].pk,
    }  # fmt: skip


@pytest.mark.parametrize("role", ["frontdesk", "biller", "admin", "hr", "purchasing"])
def test_page_refused(office, as_role, role):
    _, client = as_role(role)
    assert client.get("/chart/records-audit/").status_code == 403
    assert not AuditEvent.objects.filter(object_type="records_audit").exists()


def test_pagination(db, clinician, as_role):
    for i in range(30):
        make_encounter(make_patient(family_name=f"Pat{i:02d}", phone_mobile=f"518-555-{i:04d}"),
                       clinician)  # fmt: skip
    _, client = as_role("manager")
    first = client.get("/chart/records-audit/").content.decode()
    second = client.get("/chart/records-audit/?no_diagnosis_page=2").content.decode()

    def section(page):
        return page.split('id="no_diagnosis"')[1].split("</section>")[0]

    assert "Page 1 of 2" in section(first) and "Pat29" not in section(first)
    assert "Pat00" in section(first) and "Pat29" in section(second)


def test_command_with_csv(office, tmp_path, capsys):
    out = tmp_path / "audit.csv"
    call_command("records-audit", "--hours", "48", "--csv", str(out))
    printed = capsys.readouterr().out
    assert "2  Visits in the next 14 days" in printed
    rows = list(csv.DictReader(out.open()))
    assert sorted(r["check"] for r in rows) == sorted(
        ["unsigned_notes", "no_diagnosis", "non_billable", "consents", "coverage", "coverage"]
    )
    consent = next(r for r in rows if r["check"] == "consents")
    assert consent["fix_url"] == f"/patients/{office['gaps'].pk}/"
    assert "SECRET-A" not in out.read_text()
    assert AuditEvent.objects.filter(object_type="records_audit", action="export").exists()


def test_possible_duplicates_listed(office, as_role, tmp_path):
    twin = make_patient(family_name="Gaps", given_name="Gus", phone_mobile="518-555-0177")
    _, client = as_role("manager")
    page = client.get("/chart/records-audit/").content.decode()
    section = page.split('id="duplicates"')[1]
    assert f"/patients/{twin.pk}/" in section and f"/patients/{office['gaps'].pk}/" in section
    shown = AuditEvent.objects.filter(object_type="records_audit", action="view_list")
    assert twin.pk in set(shown.values_list("patient_id", flat=True))
    out = tmp_path / "audit.csv"
    call_command("records-audit", "--csv", str(out))
    rows = [r for r in csv.DictReader(out.open()) if r["check"] == "duplicates"]
    assert {int(r["patient_id"]) for r in rows} == {twin.pk, office["gaps"].pk}
