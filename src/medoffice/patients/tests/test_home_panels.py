"""The front desk's home panel and the registry's navigation entries."""

from __future__ import annotations

from medoffice.audit.models import AuditEvent
from medoffice.core.navigation import visible_items
from medoffice.testing.personas import persona, signed_in_client

from .conftest import make_patient


def test_front_desk_home_shows_patients_registered_today(desk):
    first = make_patient(desk)
    second = make_patient(desk, family_name="Okafor", given_name="Ben", phone_mobile="")
    page = signed_in_client(desk).get("/").content.decode()
    assert "Patients registered today" in page
    assert 'href="/patients/new/"' in page
    assert f'href="/patients/{first.pk}/"' in page and f'href="/patients/{second.pk}/"' in page
    assert page.index("Okafor") < page.index("Rivera"), "newest first"
    shown = AuditEvent.objects.filter(action="view_list", details__view="home: registered today")
    assert sorted(e.patient_id for e in shown) == sorted([first.pk, second.pk])


def test_other_roles_do_not_get_the_panel(db):
    for role in ("manager", "clinician", "hr"):
        page = signed_in_client(persona(role)).get("/").content.decode()
        assert "Patients registered today" not in page


def test_navigation_entries():
    labels = {
        role: [i.label for i in visible_items({role})]
        for role in ("frontdesk", "biller", "manager", "hr")
    }
    assert "New patient" in labels["frontdesk"]
    assert "Payers" in labels["biller"] and "Payers" in labels["manager"]
    assert "New patient" not in labels["manager"]
    assert not {"New patient", "Payers", "Patients"} & set(labels["hr"])
