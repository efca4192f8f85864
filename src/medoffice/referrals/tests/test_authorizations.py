"""Prior authorizations: what is entered, and units drawn down by bookings through the hooks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.core.access import AccessDenied
from medoffice.patients.models import Coverage, Payer
from medoffice.referrals import selectors
from medoffice.referrals.models import AuthorizationUse, PriorAuthorization
from medoffice.referrals.services_auth import authorization_create, authorization_update
from medoffice.scheduling.services.booking import (
    BookingRequest,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from medoffice.scheduling.services.flow import appointment_step
from medoffice.testing.personas import persona

from .conftest import auth_data, make_patient, next_weekday_at


@pytest.fixture
def hooks_run(django_capture_on_commit_callbacks):
    """Run the on-commit hooks of whatever is booked inside `with hooks_run():`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def book(clinic, patient, start, type_key="injection"):
    request = BookingRequest(patient_id=patient.pk, type=clinic[type_key], provider=clinic["providers"][0],
                             location_id=clinic["location"].pk, start=start)  # fmt: skip
    return appointment_book(actor=persona("frontdesk"), request=request)


def units(auth):
    view = selectors.authorization_views(PriorAuthorization.objects.filter(pk=auth.pk))[0]
    return view.held, view.used, view.left


def test_create_checks_codes_number_and_coverage(injections):
    desk = persona("frontdesk")
    patient = make_patient()
    auth = authorization_create(
        actor=desk, patient=patient, data=auth_data(injections, service_codes=["20610", "j3301"])
    )
    assert auth.service_codes == ["20610", "J3301"]
    other_payer = Payer.objects.create(name="Cigna Demo")
    coverage = Coverage.objects.create(
        patient=patient, payer=other_payer, member_id="X1", effective_date=date(2020, 1, 1)
    )
    for bad, field in (
        ({"service_codes": ["20610", "00000"]}, "service_codes"),
        ({"service_codes": []}, "service_codes"),  # nothing covered
        ({"coverage": coverage}, "coverage"),  # coverage with another payer
        ({"end_date": date(2019, 1, 1)}, None),
    ):
        with pytest.raises(ValidationError) as exc:
            authorization_create(
                actor=desk, patient=patient, data=auth_data(injections, auth_number="B-2", **bad)
            )
        if field:
            assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        authorization_create(actor=desk, patient=make_patient("Other"), data=auth_data(injections))
    assert "auth_number" in exc.value.message_dict, "numbers are unique per payer"
    assert PriorAuthorization.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "nurse", "compliance", "admin"])
def test_readers_cannot_enter_authorizations(injections, role):
    with pytest.raises(AccessDenied):
        authorization_create(
            actor=persona(role), patient=make_patient(), data=auth_data(injections)
        )
    assert not PriorAuthorization.objects.exists()


def test_booking_holds_a_unit_cancelling_gives_it_back(injections, hooks_run):
    patient = make_patient()
    auth = authorization_create(
        actor=persona("biller"), patient=patient, data=auth_data(injections)
    )
    with hooks_run():
        visit = book(injections, patient, next_weekday_at(10)).appointment
    assert units(auth) == (1, 0, 2)
    with hooks_run():
        moved = appointment_reschedule(
            actor=persona("frontdesk"), appointment=visit, start=next_weekday_at(11)
        ).appointment
    assert units(auth) == (1, 0, 2), "the unit moved with the visit"
    assert AuthorizationUse.objects.get().appointment == moved
    with hooks_run():
        appointment_cancel(
            actor=persona("frontdesk"),
            appointment=moved,
            reason="Feeling better",
            cancelled_by="patient",
        )
    assert units(auth) == (0, 0, 3)


def test_a_completed_visit_uses_its_unit_a_no_show_releases_it(injections, hooks_run):
    patient = make_patient()
    desk, doctor = persona("frontdesk"), injections["providers"][0].user
    auth = authorization_create(actor=desk, patient=patient, data=auth_data(injections))
    with hooks_run():
        visit = book(injections, patient, next_weekday_at(10)).appointment
    for step in ("arrive", "see", "check_out", "complete"):
        with hooks_run():
            appointment_step(
                actor=desk if step == "arrive" else doctor, appointment=visit, step=step
            )
    assert units(auth) == (0, 1, 2)
    # A visit in the past that nobody came to.
    past = timezone.now() - timedelta(days=1)
    start = timezone.localtime(past).replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() >= 5:
        start -= timedelta(days=1)
    with hooks_run():
        missed = book(injections, patient, start).appointment
    assert units(auth) == (1, 1, 1)
    with hooks_run():
        appointment_step(actor=desk, appointment=missed, step="no_show")
    assert units(auth) == (0, 1, 2)


def test_types_not_covered_draw_nothing_and_used_up_auths_are_not_overdrawn(injections, hooks_run):
    patient = make_patient()
    auth = authorization_create(
        actor=persona("frontdesk"), patient=patient, data=auth_data(injections, approved_units=1)
    )
    with hooks_run():
        book(injections, patient, next_weekday_at(9), type_key="office")
    assert units(auth) == (0, 0, 1)
    with hooks_run():
        book(injections, patient, next_weekday_at(10))
    with hooks_run():
        result = book(injections, patient, next_weekday_at(11))
    assert units(auth) == (1, 0, 0)
    assert any("used up" in w for w in result.warnings), "the booking warning says so"


def test_a_type_named_on_the_authorization_draws_without_codes(injections, hooks_run):
    patient = make_patient()
    auth = authorization_create(
        actor=persona("frontdesk"), patient=patient,
        data=auth_data(injections, service_codes=[]), type_ids=[injections["office"].pk],
    )  # fmt: skip
    with hooks_run():
        book(injections, patient, next_weekday_at(9), type_key="office")
    assert units(auth) == (1, 0, 2)


def test_approved_units_cannot_drop_below_what_is_drawn(injections, hooks_run):
    patient = make_patient()
    desk = persona("frontdesk")
    auth = authorization_create(
        actor=desk, patient=patient, data=auth_data(injections, approved_units=2)
    )
    with hooks_run():
        book(injections, patient, next_weekday_at(9))
        book(injections, patient, next_weekday_at(10))
    with pytest.raises(ValidationError) as exc:
        authorization_update(actor=desk, auth=auth, data={"approved_units": 1})
    assert "approved_units" in exc.value.message_dict
    assert PriorAuthorization.objects.get().approved_units == 2


def test_alerts_low_units_and_ending_before_the_next_visit(injections, hooks_run):
    patient = make_patient()
    desk = persona("frontdesk")
    visit_day = next_weekday_at(10, days_ahead=10)
    ends = timezone.localdate(visit_day) - timedelta(days=1)
    auth = authorization_create(
        actor=desk, patient=patient, data=auth_data(injections, approved_units=2, start_date=timezone.localdate(), end_date=ends)
    )  # fmt: skip
    with hooks_run():
        book(injections, patient, next_weekday_at(10))  # holds one of two: one left = threshold
        book(injections, patient, visit_day)  # after the authorization ends
    kinds = {(a.auth.pk, a.kind) for a in selectors.authorization_alerts()}
    assert kinds == {(auth.pk, "low"), (auth.pk, "expires")}
    expires = next(a for a in selectors.authorization_alerts() if a.kind == "expires")
    assert f"{timezone.localdate(visit_day):%Y-%m-%d}" in expires.message
    # A renewal on file that covers the later visit clears the "renew" alert.
    authorization_create(
        actor=desk, patient=patient,
        data=auth_data(injections, auth_number="A-1002", start_date=ends + timedelta(days=1), end_date=ends + timedelta(days=90)),
    )  # fmt: skip
    assert {a.kind for a in selectors.authorization_alerts(patient_ids=[patient.pk])} == {"low"}
    assert selectors.worklist_counts()["auth_alerts"] == 1
