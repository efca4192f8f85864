"""The search page, its live results and the JSON API."""

import pytest

from medoffice.accounts.services import api_token_create
from medoffice.audit.models import AuditEvent
from medoffice.core.permissions import Capability, roles_allow
from medoffice.patients.tests.search_support import make_patient
from medoffice.testing.personas import ALL_STAFF_ROLES, persona, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def smith():
    return make_patient(
        "Smith", "John", "1980-03-04", preferred_name="Jack", phone_mobile="518-555-0142"
    )


def test_search_page_finds_a_misspelled_name(smith):
    client = signed_in_client(persona("frontdesk"))
    response = client.get("/patients/", {"q": "smtih"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="patient-q"' in page and 'value="smtih"' in page
    assert f'href="/patients/{smith.pk}/"' in page
    assert "Smith, John" in page and "Jack" in page and smith.mrn in page
    assert "03/04/1980" in page and "518-555-0142" in page
    assert "similar spelling" in page
    assert AuditEvent.objects.filter(action="view_list", patient_id=smith.pk).count() == 1


def test_empty_page_asks_for_a_query_and_audits_nothing(smith):
    client = signed_in_client(persona("nurse"))
    page = client.get("/patients/").content.decode()
    assert "Type at least a few letters" in page
    assert not AuditEvent.objects.filter(action="view_list").exists()


def test_live_results_are_a_partial_and_keep_the_address(smith):
    client = signed_in_client(persona("frontdesk"))
    response = client.get(
        "/patients/search/results/", {"q": "smith 3/4/80"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="patient-results"' in body
    assert response["HX-Replace-Url"] == "/patients/?q=smith+3%2F4%2F80"
    response = client.get("/patients/search/results/", {"q": ""})
    assert response["HX-Replace-Url"] == "/patients/"


def test_no_match_says_what_was_looked_for_with_hints(smith):
    client = signed_in_client(persona("frontdesk"))
    page = client.get("/patients/", {"q": "zzyzx 1/2/1999 ##"}).content.decode()
    assert "No patient matches" in page
    assert "name zzyzx; date of birth 01/02/1999" in page
    assert "Not understood: ##" in page
    assert "Register a new patient" in page  # the front desk may register


def test_only_the_front_desk_is_offered_to_register(smith):
    page = signed_in_client(persona("biller")).get("/patients/", {"q": "zzz"}).content.decode()
    assert "No patient matches" in page and "Register a new patient" not in page


def test_merged_records_on_request(smith):
    old = make_patient("Smith", "Jon", status="merged")
    client = signed_in_client(persona("compliance"))
    assert old.mrn not in client.get("/patients/", {"q": "smith"}).content.decode()
    page = client.get("/patients/", {"q": "smith", "merged": "1"}).content.decode()
    assert old.mrn in page and "Merged into another record" in page


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_page_for_each_role(smith, role):
    client = signed_in_client(persona(role))
    response = client.get("/patients/", {"q": "smith"})
    if roles_allow({role}, Capability.DEMOGRAPHICS):
        assert response.status_code == 200 and smith.mrn in response.content.decode()
    else:
        assert response.status_code == 403  # administrators too: no lists, only break-the-glass
        assert not AuditEvent.objects.filter(action="view_list").exists()


def test_search_accepts_only_get(smith):
    client = signed_in_client(persona("frontdesk"))
    assert client.post("/patients/", {"q": "smith"}).status_code == 405


# --- API ------------------------------------------------------------------------------------


def api_client(role):
    from django.test import Client

    user = persona(role)
    _, raw = api_token_create(actor=user, user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_api_search(smith):
    response = api_client("clinician").get("/api/patients/search", {"q": "jhon smith"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1 and data["more"] is False
    hit = data["results"][0]
    assert hit["id"] == smith.pk and hit["mrn"] == smith.mrn
    assert hit["birth_date"] == "1980-03-04" and hit["phone"] == "518-555-0142"
    assert hit["url"] == f"/patients/{smith.pk}/" and hit["matched"] == "similar spelling"
    assert data["understood"] == ["name jhon smith"]
    entry = AuditEvent.objects.get(action="view_list")
    assert entry.patient_id == smith.pk and entry.details == {"view": "api_search"}


def test_api_limits_and_bad_input(smith):
    client = api_client("frontdesk")
    make_patient("Smith", "Jane")
    data = client.get("/api/patients/search", {"q": "smith", "limit": 1}).json()
    assert data["count"] == 1 and data["more"] is True
    assert client.get("/api/patients/search", {"q": "smith", "limit": 10_000}).status_code == 200
    response = client.get("/api/patients/search", {"q": "smith", "limit": "many"})
    assert response.status_code == 422 and "detail" in response.json()
    assert client.get("/api/patients/search").json()["count"] == 0


@pytest.mark.parametrize("role", ["admin", "hr", "purchasing"])
def test_api_refuses_roles_without_demographics(smith, role):
    response = api_client(role).get("/api/patients/search", {"q": "smith"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="view_list").exists()
