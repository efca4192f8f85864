"""The initiative pages per role: the manager writes; a role sees an initiative only when it may
see the goal metric (its chart included); everyone else gets 403 and changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from medoffice.quality.models import Initiative, PdsaCycle
from medoffice.quality.services import initiative_create, pdsa_cycle_add
from medoffice.quality.tests.fakes import ACCESS_KEY, REVENUE_KEY, fake_kpis, visits  # noqa: F401
from medoffice.testing.personas import persona, signed_in_client

pytestmark = pytest.mark.usefixtures("fake_kpis")


def make(kpi_key: str) -> Initiative:
    manager = persona("manager")
    initiative = initiative_create(
        actor=manager, title=f"Improve {kpi_key}", problem="Too many missed visits.",
        kpi_key=kpi_key, baseline_start=date(2025, 1, 1), baseline_end=date(2025, 3, 31),
        target_value=Decimal("12"), owner=manager, start_date=date(2025, 4, 1),
    )  # fmt: skip
    pdsa_cycle_add(actor=manager, initiative=initiative, plan="Reminder texts",
                   start_date=date(2025, 4, 7))  # fmt: skip
    return initiative


def test_the_manager_starts_an_initiative_and_adds_a_cycle(db):
    visits(date(2025, 1, 1), 10, 2)
    visits(date(2025, 2, 1), 10, 2)
    manager = persona("manager")
    client = signed_in_client(manager)
    assert client.get("/quality/new/").status_code == 200
    response = client.post("/quality/new/", {
        "title": "Fewer no-shows", "problem": "One in five missed.", "kpi_key": ACCESS_KEY,
        "grain": "month", "baseline_start": "2025-01-01", "baseline_end": "2025-02-28",
        "baseline_value": "", "target_value": "12", "owner": manager.pk,
        "start_date": "2025-03-01",
    })  # fmt: skip
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.baseline_value == Decimal("20.00")
    response = client.post(f"/quality/{initiative.pk}/cycles/new/", {
        "start_date": "2025-03-03", "plan": "Text reminders 48 hours ahead", "do": "", "study": "",
        "act": "", "result_notes": "", "end_date": "",
    })  # fmt: skip
    assert response.status_code == 302
    cycle = PdsaCycle.objects.get()
    page = client.get(f"/quality/{initiative.pk}/").content.decode()
    assert "Did it work?" in page and 'class="qi-marker" data-period="2025-03-01"' in page
    assert "Text reminders 48 hours ahead" in page and "Baseline 20%" in page
    response = client.post(f"/quality/{initiative.pk}/cycles/{cycle.pk}/edit/", {
        "start_date": "2025-03-03", "end_date": "2025-03-31", "plan": cycle.plan, "do": "Sent",
        "study": "Fewer missed", "act": "Adopt", "result_notes": "",
    })  # fmt: skip
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.act == "Adopt"
    response = client.post(f"/quality/{initiative.pk}/edit/", {
        "title": "Fewer no-shows", "problem": "p", "status": "completed", "baseline_value": "20",
        "target_value": "10", "owner": manager.pk, "start_date": "2025-03-01",
    })  # fmt: skip
    assert response.status_code == 302
    assert Initiative.objects.get().status == "completed"


@pytest.mark.parametrize(
    ("role", "sees_access", "sees_revenue"),
    [
        ("manager", True, True),
        ("frontdesk", True, False),
        ("compliance", True, False),
        ("biller", False, True),
    ],
)
def test_an_initiative_shows_to_roles_that_may_see_its_metric(db, role, sees_access, sees_revenue):
    access, revenue = make(ACCESS_KEY), make(REVENUE_KEY)
    client = signed_in_client(persona(role))
    listing = client.get("/quality/").content.decode()
    for initiative, sees in ((access, sees_access), (revenue, sees_revenue)):
        response = client.get(f"/quality/{initiative.pk}/")
        assert response.status_code == (200 if sees else 403), initiative.kpi_key
        assert (initiative.title in listing) is sees
        if sees:
            assert "<svg" in response.content.decode()


def test_a_clinician_with_a_provider_sees_their_own_figures(db):
    from medoffice.scheduling.models import Provider

    clinician = persona("clinician")
    Provider.objects.create(user=clinician, npi="1234567893")
    initiative = make(ACCESS_KEY)
    page = signed_in_client(clinician).get(f"/quality/{initiative.pk}/").content.decode()
    assert "Your own figures" in page


@pytest.mark.parametrize("role", ["nurse", "hr", "purchasing", "admin"])
def test_roles_without_reports_are_refused_everywhere(db, role):
    initiative = make(ACCESS_KEY)
    client = signed_in_client(persona(role))
    for path in ("/quality/", f"/quality/{initiative.pk}/"):
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["frontdesk", "biller", "clinician", "compliance", "nurse"])
def test_writes_by_other_roles_are_refused_and_change_nothing(db, role):
    initiative = make(ACCESS_KEY)
    client = signed_in_client(persona(role))
    owner = initiative.owner_id
    assert client.post("/quality/new/", {"title": "x", "kpi_key": ACCESS_KEY}).status_code == 403
    edit = {"title": "Hijacked", "problem": "p", "status": "abandoned", "target_value": "1",
            "owner": owner, "start_date": "2025-04-01"}  # fmt: skip
    assert client.post(f"/quality/{initiative.pk}/edit/", edit).status_code == 403
    cycle = {"start_date": "2025-05-01", "plan": "x"}
    assert client.post(f"/quality/{initiative.pk}/cycles/new/", cycle).status_code == 403
    assert Initiative.objects.count() == 1 and PdsaCycle.objects.count() == 1
    initiative.refresh_from_db()
    assert initiative.title == f"Improve {ACCESS_KEY}" and initiative.status == "active"
