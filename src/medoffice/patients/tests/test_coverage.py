"""Coverage pages and services: validation, priorities, card images, ending, payers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.patients.models import Coverage, Payer
from medoffice.patients.services_coverage import coverage_create, coverage_end
from medoffice.testing.personas import persona, signed_in_client

from .conftest import image_bytes, pdf_bytes, stored_files, upload


def _form(payer, **fields):
    return {
        "payer": payer.pk,
        "plan_name": "Gold PPO",
        "member_id": "xk9-1234 56",
        "group_number": "G-77",
        "priority": "1",
        "relationship": "18",
        "effective_date": "2024-01-01",
        "end_date": "",
        "copay": "25.00",
        **fields,
    }


def _url(patient, rest="coverages/new/"):
    return f"/patients/{patient.pk}/{rest}"


@pytest.mark.parametrize("role", ["frontdesk", "biller"])
def test_front_desk_and_billing_add_coverage_with_card_images(
    patient, payer, desk, media_root, role
):
    client = signed_in_client(desk if role == "frontdesk" else persona(role))
    front, back = image_bytes("JPEG"), pdf_bytes("card back")
    response = client.post(
        _url(patient),
        {
            **_form(payer),
            "card_front": upload("front.jpg", front),
            "card_back": upload("back.pdf", back),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    coverage = Coverage.objects.get()
    assert coverage.member_id == "xk9-1234 56" and coverage.member_id_norm == "XK912345 6".replace(
        " ", ""
    )
    assert str(coverage.copay) == "25.00"
    assert coverage.card_front.name.endswith(".jpg") and coverage.card_back.name.endswith(".pdf")
    assert (media_root / coverage.card_front.name).read_bytes() == front
    entry = AuditEvent.objects.get(action="create", object_type="coverage")
    assert entry.patient_id == patient.pk and entry.details == {"cards": ["back", "front"]}

    viewer = signed_in_client(persona("nurse"))
    card = viewer.get(_url(patient, f"coverages/{coverage.pk}/card/front/"))
    assert card.status_code == 200 and card["Content-Type"] == "image/jpeg"
    assert b"".join(card.streaming_content) == front
    opened = AuditEvent.objects.get(action="view", object_type="coverage_card")
    assert opened.details == {"side": "front", "disposition": "inline"}
    assert viewer.get(_url(patient, f"coverages/{coverage.pk}/card/side/")).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field_message"),
    [
        ({"end_date": "2023-12-31"}, "The coverage ends before it starts."),
        (
            {"relationship": "01"},
            "When the patient is not the subscriber, give the subscriber&#x27;s last name.",
        ),
        (
            {"relationship": "19", "subscriber_family_name": "Rivera"},
            "give the subscriber&#x27;s date of birth",
        ),
        ({"member_id": "AB#12"}, "A member id has only letters, digits and dashes."),
        ({"member_id": ""}, "This field is required."),
        ({"copay": "-5"}, "Ensure this value is greater than or equal to 0"),
        ({"effective_date": "01/02/2024x"}, "Enter a valid date."),
        (
            {"medicare_secondary_type": "12"},
            "Only a Medicare plan has a Medicare secondary payer type",
        ),
    ],
)
def test_invalid_coverage_shows_field_errors_and_saves_nothing(
    patient, payer, desk, fields, field_message
):
    response = signed_in_client(desk).post(_url(patient), _form(payer, **fields))
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not Coverage.objects.exists()


def test_subscriber_other_than_self_is_accepted_with_details(patient, payer, desk):
    response = signed_in_client(desk).post(
        _url(patient),
        _form(
            payer,
            relationship="01",
            subscriber_family_name="Rivera",
            subscriber_given_name="Marco",
            subscriber_birth_date="1980-01-01",
            subscriber_state="ny",
        ),
    )
    assert response.status_code == 302
    coverage = Coverage.objects.get()
    assert coverage.subscriber_given_name == "Marco" and coverage.subscriber_state == "NY"


def test_bad_card_image_is_refused_and_nothing_stored(patient, payer, desk, media_root):
    response = signed_in_client(desk).post(
        _url(patient),
        {**_form(payer), "card_front": upload("card.png", image_bytes("PNG", (200, 120))[:300])},
    )
    assert response.status_code == 400
    assert "PNG image is damaged or incomplete" in response.content.decode()
    assert not Coverage.objects.exists() and stored_files(media_root) == []
    response = signed_in_client(desk).post(
        _url(patient), {**_form(payer), "card_back": upload("card.tif", image_bytes("TIFF"))}
    )
    assert "only PNG, JPEG or PDF is accepted" in response.content.decode()


def test_two_coverages_cannot_share_a_priority_over_the_same_dates(patient, payer, desk):
    coverage_create(
        actor=desk,
        patient=patient,
        data={"payer": payer, "member_id": "A1", "effective_date": date(2024, 1, 1)},
    )
    with pytest.raises(ValidationError) as exc:
        coverage_create(
            actor=desk,
            patient=patient,
            data={"payer": payer, "member_id": "B2", "effective_date": date(2024, 6, 1)},
        )
    assert "already has primary coverage" in exc.value.message_dict["priority"][0]
    coverage_create(
        actor=desk,
        patient=patient,
        data={"payer": payer, "member_id": "B2", "effective_date": date(2024, 6, 1), "priority": 2},
    )
    assert Coverage.objects.count() == 2


def test_same_policy_twice_is_refused(patient, payer, desk):
    data = {"payer": payer, "member_id": "A1", "effective_date": date(2024, 1, 1)}
    coverage_create(actor=desk, patient=patient, data=data)
    with pytest.raises(ValidationError):
        coverage_create(actor=desk, patient=patient, data={**data, "priority": 2})
    assert Coverage.objects.count() == 1


def test_edit_replaces_a_card_and_records_changed_fields(
    patient, payer, desk, media_root, django_capture_on_commit_callbacks
):
    client = signed_in_client(desk)
    client.post(_url(patient), {**_form(payer), "card_front": upload("a.png", image_bytes("PNG"))})
    coverage = Coverage.objects.get()
    old_card = coverage.card_front.name
    page = client.get(_url(patient, f"coverages/{coverage.pk}/edit/")).content.decode()
    assert 'value="Gold PPO"' in page and "End this coverage" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(patient, f"coverages/{coverage.pk}/edit/"),
            {
                **_form(payer, plan_name="Silver"),
                "card_front": upload("b.png", image_bytes("PNG", (50, 30))),
            },
        )
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.plan_name == "Silver" and coverage.card_front.name != old_card
    assert not (media_root / old_card).exists(), "the replaced image is removed"
    entry = AuditEvent.objects.filter(action="update", object_type="coverage").last()
    assert entry.details == {"fields": ["plan_name", "card_front"]}


def test_end_a_coverage(patient, payer, desk):
    coverage = coverage_create(
        actor=desk,
        patient=patient,
        data={"payer": payer, "member_id": "A1", "effective_date": date(2024, 1, 1)},
    )
    client = signed_in_client(desk)
    url = _url(patient, f"coverages/{coverage.pk}/end/")
    response = client.post(url, {"end_date": "2023-01-01"})
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.end_date is None
    assert client.post(url, {"end_date": "2024-12-31"}).status_code == 302
    coverage.refresh_from_db()
    assert coverage.end_date == date(2024, 12, 31)
    assert AuditEvent.objects.filter(action="update", object_type="coverage").get().details["ended"]
    with pytest.raises(ValidationError):
        coverage_end(actor=desk, coverage=coverage, end_date=date(2020, 1, 1))


@pytest.mark.parametrize("role", ["manager", "clinician", "nurse", "compliance", "hr", "admin"])
def test_other_roles_cannot_write_coverage(patient, payer, desk, role):
    coverage = coverage_create(
        actor=desk,
        patient=patient,
        data={"payer": payer, "member_id": "A1", "effective_date": date(2024, 1, 1)},
    )
    client = signed_in_client(persona(role))
    assert client.post(_url(patient), _form(payer, member_id="Z9")).status_code == 403
    edit = _url(patient, f"coverages/{coverage.pk}/edit/")
    assert client.post(edit, _form(payer, plan_name="Hacked")).status_code == 403
    end = _url(patient, f"coverages/{coverage.pk}/end/")
    assert client.post(end, {"end_date": "2024-02-01"}).status_code == 403
    coverage.refresh_from_db()
    assert Coverage.objects.count() == 1 and coverage.plan_name == "" and coverage.end_date is None


def test_inactive_payers_are_not_offered_for_new_coverage(patient, desk):
    gone = Payer.objects.create(name="Gone Health", is_active=False)
    page = signed_in_client(desk).get(_url(patient)).content.decode()
    assert "Gone Health" not in page and "No payers yet" in page
    with pytest.raises(ValidationError, match="no longer active"):
        coverage_create(
            actor=desk,
            patient=patient,
            data={"payer": gone, "member_id": "A1", "effective_date": date(2024, 1, 1)},
        )


# --- Medicare as secondary payer (837P SBR05) ------------------------------------------------


@pytest.fixture
def medicare(db) -> Payer:
    return Payer.objects.create(name="Medicare Part B", payer_id="MCRB1", filing_indicator="MB")


def test_medicare_secondary_type_is_refused_on_a_plan_not_medicare(patient, payer, medicare):
    data = {"member_id": "A1", "effective_date": date(2024, 1, 1), "priority": 2}
    commercial = Coverage(patient=patient, payer=payer, medicare_secondary_type="12", **data)
    with pytest.raises(ValidationError) as exc:
        commercial.clean()
    assert "Only a Medicare plan" in exc.value.message_dict["medicare_secondary_type"][0]
    Coverage(patient=patient, payer=medicare, medicare_secondary_type="12", **data).clean()
    Coverage(patient=patient, payer=payer, **data).clean()  # empty: any plan
    with pytest.raises(ValidationError):
        coverage_create(
            actor=persona("biller"),
            patient=patient,
            data={"payer": payer, "medicare_secondary_type": "15", **data},
        )
    assert not Coverage.objects.exists()


@pytest.mark.parametrize("role", ["frontdesk", "biller"])
def test_the_coverage_form_records_why_medicare_pays_second(patient, medicare, desk, role):
    client = signed_in_client(desk if role == "frontdesk" else persona(role))
    page = client.get(_url(patient)).content.decode()
    assert "Why Medicare pays second (837P SBR05); only for Medicare as secondary" in page
    form = _form(medicare, priority="2", medicare_secondary_type="43")
    assert client.post(_url(patient), form).status_code == 302
    coverage = Coverage.objects.get()
    assert coverage.medicare_secondary_type == "43"
    detail = signed_in_client(desk).get(f"/patients/{patient.pk}/").content.decode()
    assert "Medicare pays second: Disability, large employer group health plan (43)" in detail
    edit = _url(patient, f"coverages/{coverage.pk}/edit/")
    assert '<option value="43" selected>' in client.get(edit).content.decode()
    assert client.post(edit, {**form, "medicare_secondary_type": "12"}).status_code == 302
    coverage.refresh_from_db()
    assert coverage.medicare_secondary_type == "12"
    entry = AuditEvent.objects.filter(action="update", object_type="coverage").last()
    assert entry.details == {"fields": ["medicare_secondary_type"]}


# --- Payers ---------------------------------------------------------------------------------


PAYER = {
    "name": "  Hudson   Valley Care ",
    "payer_id": "hvc01",
    "filing_indicator": "CI",
    "timely_filing_days": "180",
    "phone": "800-555-0100",
    "address_line1": "1 Claims Way",
    "city": "Troy",
    "state": "ny",
    "postal_code": "12180",
    "is_active": "on",
}


def test_billing_manages_payers(db):
    client = signed_in_client(persona("biller"))
    assert client.post("/patients/payers/new/", PAYER).status_code == 302
    payer = Payer.objects.get()
    assert payer.name == "Hudson Valley Care" and payer.payer_id == "HVC01" and payer.state == "NY"
    assert AuditEvent.objects.filter(action="create", object_type="payer").exists()
    response = client.post(
        f"/patients/payers/{payer.pk}/edit/", {**PAYER, "timely_filing_days": "90"}
    )
    assert response.status_code == 302
    payer.refresh_from_db()
    assert payer.timely_filing_days == 90
    page = client.get("/patients/payers/").content.decode()
    assert "Hudson Valley Care" in page and "90 days" in page and "Commercial insurance" in page


def test_payer_ids_are_unique_and_fields_checked(db):
    Payer.objects.create(name="First", payer_id="HVC01")
    client = signed_in_client(persona("biller"))
    response = client.post("/patients/payers/new/", {**PAYER, "postal_code": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Use a 5-digit ZIP code" in page and "payer id" in page.lower()
    assert Payer.objects.count() == 1


def test_managers_see_payers_but_do_not_edit(db):
    client = signed_in_client(persona("manager"))
    assert client.get("/patients/payers/").status_code == 200
    assert b"Add a payer" not in client.get("/patients/payers/").content
    assert client.post("/patients/payers/new/", PAYER).status_code == 403
    assert not Payer.objects.exists()
    assert signed_in_client(persona("hr")).get("/patients/payers/").status_code == 403
