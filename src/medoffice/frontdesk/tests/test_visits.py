"""Check-in, rooming, the provider step and checkout, through the pages and the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.chart.models import Encounter
from medoffice.core.access import AccessDenied
from medoffice.frontdesk import services
from medoffice.frontdesk.models import DeskPayment, VisitRoom
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.models import AppointmentStatus as S
from medoffice.testing.personas import ALL_STAFF_ROLES, signed_in_client

from .conftest import make_patient, visit


def _status(appt):
    return Appointment.objects.get(pk=appt.pk).status


def _pay(amount, method="cash", **fields):
    data = {"pay-amount": amount, "pay-method": method, "pay-kind": "copay",
            "pay-idempotency_key": fields.pop("key", "")}  # fmt: skip
    data.update({f"pay-{k}": v for k, v in fields.items()})
    return data


# --- Check-in -----------------------------------------------------------------------------------


def test_check_in_page_shows_what_to_verify(today_visit, staff):
    client = signed_in_client(staff("frontdesk"))
    response = client.get(f"/frontdesk/visits/{today_visit.pk}/check-in/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check in: Grace Okafor" in html and "(goes by Gigi)" in html
    assert "Acme Health" in html and "XK12345" in html and "$25.00" in html
    assert "Privacy notice" in html or "not on file" in html  # consents missing
    assert f"/patients/{today_visit.patient_id}/edit/" in html
    assert 'value="25.00"' in html, "the copay on file is filled in"
    assert AuditEvent.objects.filter(
        action="view", object_type="patient", patient_id=today_visit.patient_id,
        details__view="check-in",
    ).exists()  # fmt: skip


def test_check_in_with_a_card_copay(today_visit, staff):
    client = signed_in_client(staff("frontdesk"))
    response = client.post(
        f"/frontdesk/visits/{today_visit.pk}/check-in/",
        _pay("25.00", "card", card_last4="4242", key="k-1"),
    )
    assert response.status_code == 302
    assert _status(today_visit) == S.ARRIVED
    payment = DeskPayment.objects.get()
    assert payment.amount == Decimal("25.00") and isinstance(payment.amount, Decimal)
    assert payment.kind == "copay" and payment.method == "card"
    assert payment.reference == "4242" and payment.card_authorization.startswith("TEST-")
    assert payment.appointment_id == today_visit.pk
    assert payment.location_id == today_visit.location_id
    # The same form sent again records nothing more.
    client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", _pay("25.00", "card", key="k-1"))
    assert DeskPayment.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "0.00", "-5", "abc", "1.001"])
def test_check_in_refuses_a_bad_amount_and_changes_nothing(today_visit, staff, amount):
    client = signed_in_client(staff("frontdesk"))
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", _pay(amount))
    assert response.status_code == 400
    assert _status(today_visit) == S.SCHEDULED
    assert not DeskPayment.objects.exists()


def test_check_in_with_a_check_needs_its_number(today_visit, staff):
    client = signed_in_client(staff("frontdesk"))
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", _pay("20", "check"))
    assert response.status_code == 400
    assert "Give the check number" in response.content.decode()
    assert _status(today_visit) == S.SCHEDULED
    client.post(
        f"/frontdesk/visits/{today_visit.pk}/check-in/", _pay("20", "check", check_number="1042")
    )
    assert DeskPayment.objects.get().reference == "1042"


def test_check_in_without_collecting(today_visit, staff):
    client = signed_in_client(staff("frontdesk"))
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", _pay(""))
    assert response.status_code == 302
    assert _status(today_visit) == S.ARRIVED
    assert not DeskPayment.objects.exists()


def test_a_nurse_checks_in_but_takes_no_money(today_visit, staff, clinic):
    client = signed_in_client(staff("nurse"))
    response = client.get(f"/frontdesk/visits/{today_visit.pk}/check-in/")
    assert "Amount collected" not in response.content.decode()
    client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", _pay("25.00"))
    assert _status(today_visit) == S.ARRIVED
    assert not DeskPayment.objects.exists()
    with pytest.raises(AccessDenied):
        services.visit_check_in(
            actor=staff("nurse"), appointment=visit(clinic, start=today_visit.start, provider=1),
            payment=services.PaymentInput(amount="5", method="cash", kind="copay"),
        )  # fmt: skip


@pytest.mark.parametrize("role", ["nurse", "clinician"])
def test_clinical_staff_check_in_and_out_with_forms_without_payment_fields(
    today_visit, staff, role
):
    client = signed_in_client(staff(role))
    assert client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", {}).status_code == 302
    assert _status(today_visit) == S.ARRIVED
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.WITH_PROVIDER)
    assert client.post(f"/frontdesk/visits/{today_visit.pk}/check-out/", {}).status_code == 302
    assert _status(today_visit) == S.COMPLETED


def test_an_amount_needs_a_method(today_visit, staff):
    client = signed_in_client(staff("frontdesk"))
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-in/", {"pay-amount": "5"})
    assert response.status_code == 400 and _status(today_visit) == S.SCHEDULED


def test_a_cancelled_visit_is_not_checked_in(today_visit, staff):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.CANCELLED)
    today_visit.refresh_from_db()
    with pytest.raises(ValidationError):
        services.visit_check_in(
            actor=staff("frontdesk"), appointment=today_visit,
            payment=services.PaymentInput(amount="25", method="cash", kind="copay"),
        )  # fmt: skip
    assert not DeskPayment.objects.exists()


# --- Each step, each role -----------------------------------------------------------------------


STEP_ROLES = {"frontdesk", "clinician", "nurse"}


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_the_arrive_step_per_role(today_visit, staff, role):
    response = signed_in_client(staff(role)).post(
        f"/frontdesk/visits/{today_visit.pk}/step/", {"step": "arrive"}
    )
    if role in STEP_ROLES:
        assert response.status_code == 302
        assert _status(today_visit) == S.ARRIVED
    else:
        assert response.status_code == 403
        assert _status(today_visit) == S.SCHEDULED


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_rooming_per_role(today_visit, staff, clinic, role):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED)
    response = signed_in_client(staff(role)).post(
        f"/frontdesk/visits/{today_visit.pk}/room/", {"room": clinic["rooms"][0].pk}
    )
    if role in {"clinician", "nurse"}:
        assert response.status_code == 302
        assert _status(today_visit) == S.ROOMED
    else:
        assert response.status_code == 403
        assert _status(today_visit) == S.ARRIVED
        assert not Encounter.objects.exists() and not VisitRoom.objects.exists()


def test_front_desk_cannot_room_through_the_service(today_visit, staff, clinic):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED)
    today_visit.refresh_from_db()
    with pytest.raises(AccessDenied):
        services.visit_room(
            actor=staff("frontdesk"), appointment=today_visit, room=clinic["rooms"][0]
        )
    assert _status(today_visit) == S.ARRIVED
    assert not Encounter.objects.exists()


def test_htmx_step_answers_with_the_board(today_visit, staff):
    response = signed_in_client(staff("frontdesk")).post(
        f"/frontdesk/visits/{today_visit.pk}/step/", {"step": "check_out"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and 'id="board"' in html
    assert "cannot be marked checked out" in html and 'role="alert"' in html
    assert _status(today_visit) == S.SCHEDULED


# --- Rooming and the encounter ------------------------------------------------------------------


def test_rooming_opens_the_encounter_once(today_visit, staff, clinic):
    nurse = staff("nurse")
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED)
    client = signed_in_client(nurse)
    page = client.get(f"/frontdesk/visits/{today_visit.pk}/room/")
    assert page.status_code == 200 and "Exam 1" in page.content.decode()
    client.post(f"/frontdesk/visits/{today_visit.pk}/room/", {"room": clinic["rooms"][0].pk})
    appt = Appointment.objects.get(pk=today_visit.pk)
    assert appt.status == S.ROOMED and appt.roomed_at is not None
    encounter = Encounter.objects.get()
    assert appt.encounter_id == encounter.pk
    assert encounter.patient_id == appt.patient_id
    assert encounter.provider_id == clinic["providers"][0].user_id
    assert encounter.location_id == appt.location_id
    assert encounter.status == "in-progress" and encounter.type == "office"
    assert VisitRoom.objects.get(appointment=appt).room == clinic["rooms"][0]
    assert AuditEvent.objects.filter(action="create", object_type="encounter").count() == 1
    # Moved to another room: same encounter, new room.
    client.post(f"/frontdesk/visits/{today_visit.pk}/room/", {"room": clinic["rooms"][1].pk})
    assert Encounter.objects.count() == 1
    assert VisitRoom.objects.get(appointment=appt).room == clinic["rooms"][1]
    # The provider step does not make another one either.
    services.visit_step(actor=staff("clinician"), appointment=appt, step="see")
    assert Encounter.objects.count() == 1


def test_rooming_when_an_encounter_is_already_linked(today_visit, staff, clinic):
    from django.utils import timezone

    existing = Encounter.objects.create(patient=today_visit.patient, start=timezone.now())
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED, encounter=existing)
    today_visit.refresh_from_db()
    services.visit_room(actor=staff("nurse"), appointment=today_visit, room=clinic["rooms"][0])
    assert Encounter.objects.count() == 1


def test_a_room_elsewhere_is_refused(today_visit, staff):
    from medoffice.scheduling.models import Room
    from medoffice.testing.factories import LocationFactory

    far = Room.objects.create(location=LocationFactory(code="far"), name="Far 1")
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED)
    today_visit.refresh_from_db()
    with pytest.raises(ValidationError):
        services.visit_room(actor=staff("nurse"), appointment=today_visit, room=far)
    assert _status(today_visit) == S.ARRIVED


def test_seen_straight_from_the_lobby(today_visit, staff, clinic):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED)
    today_visit.refresh_from_db()
    services.visit_step(actor=staff("frontdesk"), appointment=today_visit, step="see")
    assert _status(today_visit) == S.WITH_PROVIDER
    assert not Encounter.objects.exists(), "the front desk does not open charts"
    other = visit(clinic, start=today_visit.start, provider=1, status=S.ARRIVED)
    services.visit_step(actor=staff("clinician"), appointment=other, step="see")
    assert Appointment.objects.get(pk=other.pk).encounter_id is not None


def test_encounter_type_mapping(clinic):
    from django.utils import timezone

    from medoffice.scheduling.models import AppointmentType

    appt = visit(clinic, start=timezone.now())
    for fields, expected in [
        ({"telehealth": True}, "telehealth"),
        ({"code": "wellness"}, "wellness"),
        ({"patient_kind": "new", "code": "np"}, "new"),
        ({"code": "annual-physical", "name": "Annual physical"}, "wellness"),
        ({"code": "nurse-bp", "name": "BP check"}, "nurse"),
        ({"code": "follow", "name": "Follow-up"}, "office"),
    ]:
        kind = AppointmentType(name=fields.pop("name", "Visit"), code="x", duration_minutes=20)
        for k, v in fields.items():
            setattr(kind, k, v)
        appt.type = kind
        assert services.encounter_type_for(appt) == expected, fields


# --- Checkout -----------------------------------------------------------------------------------


def test_checkout_page_and_balance(today_visit, staff):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.WITH_PROVIDER)
    client = signed_in_client(staff("frontdesk"))
    page = client.get(f"/frontdesk/visits/{today_visit.pk}/check-out/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/schedule/day/?date=" in html and f"patient={today_visit.patient_id}" in html
    assert f"provider={today_visit.provider_id}" in html and "In 3 months" in html
    data = _pay("40.00", "cash")
    data["pay-kind"] = "prior_balance"
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-out/", data)
    assert response.status_code == 302
    appt = Appointment.objects.get(pk=today_visit.pk)
    assert appt.status == S.COMPLETED and appt.checked_out_at and appt.completed_at
    payment = DeskPayment.objects.get()
    assert payment.kind == "prior_balance" and payment.amount == Decimal("40.00")


def test_checkout_after_ready_for_checkout(today_visit, staff):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.WITH_PROVIDER)
    today_visit.refresh_from_db()
    services.visit_step(actor=staff("clinician"), appointment=today_visit, step="check_out")
    assert _status(today_visit) == S.CHECKED_OUT
    signed_in_client(staff("frontdesk")).post(
        f"/frontdesk/visits/{today_visit.pk}/check-out/", _pay("")
    )
    assert _status(today_visit) == S.COMPLETED
    assert not DeskPayment.objects.exists()


def test_checkout_refuses_a_visit_not_yet_seen_and_a_bad_amount(today_visit, staff):
    client = signed_in_client(staff("frontdesk"))
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-out/", _pay(""))
    assert response.status_code == 400 and _status(today_visit) == S.SCHEDULED
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.WITH_PROVIDER)
    response = client.post(f"/frontdesk/visits/{today_visit.pk}/check-out/", _pay("-3"))
    assert response.status_code == 400 and _status(today_visit) == S.WITH_PROVIDER
    assert not DeskPayment.objects.exists()


@pytest.mark.parametrize("role", ["manager", "biller", "hr", "compliance"])
def test_checkout_refused_roles_change_nothing(today_visit, staff, role):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.WITH_PROVIDER)
    response = signed_in_client(staff(role)).post(
        f"/frontdesk/visits/{today_visit.pk}/check-out/", _pay("10")
    )
    assert response.status_code == 403
    assert _status(today_visit) == S.WITH_PROVIDER and not DeskPayment.objects.exists()


def test_patient_of_another_visit(today_visit, staff):
    other = make_patient(family="Other")
    with pytest.raises(ValidationError):
        services.desk_payment_record(
            actor=staff("frontdesk"), patient_id=other.pk, appointment=today_visit,
            payment=services.PaymentInput(amount="5", method="cash", kind="copay"),
        )  # fmt: skip
