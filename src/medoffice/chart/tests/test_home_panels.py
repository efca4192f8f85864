"""Home panels: a clinician's unsigned notes and today's visits; the manager's records audit."""

from __future__ import annotations

from django.utils import timezone

from medoffice.chart import services
from medoffice.chart.models import EncounterStatus
from medoffice.chart.tests.conftest import make_encounter


def test_clinician_home(encounter, clinician, as_role):
    note = services.note_create(actor=clinician, encounter=encounter, data={"plan": "x"})
    make_encounter(
        encounter.patient, clinician, start=timezone.now(), status=EncounterStatus.PLANNED,
        reason="Today's visit",
    )  # fmt: skip
    _, client = as_role("clinician")
    page = client.get("/").content.decode()
    assert "Your unsigned notes" in page and f"/notes/{note.pk}/" in page
    assert "Today&#x27;s encounters" in page and "Okafor, Grace" in page
    assert 'href="/chart/records-audit/"' in page  # navigation entry


def test_manager_home_counts_without_content(encounter, clinician, as_role):
    services.note_create(actor=clinician, encounter=encounter, data={"plan": "SECRET-PLAN"})
    _, client = as_role("manager")
    page = client.get("/").content.decode()
    assert "Finished visits without a diagnosis" in page
    assert "Your unsigned notes" not in page and "SECRET-PLAN" not in page


def test_front_desk_home_has_no_chart_panels(as_role, db):
    _, client = as_role("frontdesk")
    page = client.get("/").content.decode()
    assert "Records audit" not in page and "unsigned notes" not in page
