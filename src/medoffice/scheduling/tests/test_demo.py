"""The demo calendar: conflict-free, inside the providers' hours, realistic rates, an encounter
for every visit, occupancy where booking needs it, and the same calendar for the same seed."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from medoffice.chart.models import Encounter
from medoffice.referrals.models import AuthorizationUse, PriorAuthorization, Referral
from medoffice.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AvailabilityBlock,
    Occupancy,
    Provider,
    validate_npi,
)
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.scheduling.tests.conftest import next_weekday_at
from medoffice.testing.personas import persona

S = AppointmentStatus


def _overlapping(field: str, **only: object) -> int:
    """Active appointments that overlap another active one of the same provider/patient/room."""
    active = Appointment.objects.filter(status__in=ACTIVE_STATUSES, **only)
    other = active.filter(
        **{field: OuterRef(field)}, start__lt=OuterRef("end"), end__gt=OuterRef("start")
    ).exclude(pk=OuterRef("pk"))
    return active.filter(Exists(other)).count()


def _build(seed: int) -> None:
    call_command("demo", "--size", "small", "--seed", str(seed), "--quiet")


def _fingerprint() -> dict[str, object]:
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = Appointment.objects.values_list(
        "provider__npi", "start", "type__code", "patient__mrn", "status"
    )
    return {
        # Today's statuses follow the clock; everything before today is settled.
        "appointments": sorted((*r[:4], r[4] if r[1] < midnight else "") for r in rows),
        "referrals": sorted(Referral.objects.values_list("patient__mrn", "reason", "status")),
        "authorizations": sorted(
            PriorAuthorization.objects.values_list("patient__mrn", "approved_units", "start_date")
        ),
    }


def _check_calendar() -> None:
    assert Appointment.objects.count() > 1000
    for npi in Provider.objects.values_list("npi", flat=True):
        validate_npi(npi)
    # No double booking: providers (deliberate overbookings aside), patients, rooms, devices.
    assert _overlapping("provider", overbooked=False) == 0
    assert _overlapping("patient") == 0
    assert _overlapping("room", room__isnull=False) == 0
    assert Appointment.objects.filter(overbooked=True, status__in=ACTIVE_STATUSES).exists()
    through = Appointment.equipment.through.objects.filter(appointment__status__in=ACTIVE_STATUSES)
    clash = through.filter(
        Exists(
            through.filter(
                equipment_id=OuterRef("equipment_id"),
                appointment__start__lt=OuterRef("appointment__end"),
                appointment__end__gt=OuterRef("appointment__start"),
            ).exclude(appointment_id=OuterRef("appointment_id"))
        )
    )
    assert not clash.exists()
    # Every active appointment lies inside one of its provider's blocks at its location, and a
    # reserved block holds only its reserved types.
    blocks = defaultdict(list)
    for block in AvailabilityBlock.objects.select_related("template").prefetch_related(
        "template__reserved_types"
    ):
        reserved = {t.pk for t in block.template.reserved_types.all()}
        blocks[(block.provider_id, block.location_id)].append(
            (block.start, block.end, block.kind, reserved)
        )
    for appt in Appointment.objects.filter(status__in=ACTIVE_STATUSES):
        inside = [
            b
            for b in blocks[(appt.provider_id, appt.location_id)]
            if b[0] <= appt.start and appt.end <= b[1]
        ]
        assert inside, f"{appt} is outside its provider's hours"
        assert inside[0][2] == "open" or appt.type_id in inside[0][3]
        assert appt.start.minute % 5 == 0 and appt.created_at < appt.start
    # New-patient visits only for patients without a completed visit in the three years before.
    seen_before = Appointment.objects.filter(
        patient=OuterRef("patient"),
        status=S.COMPLETED,
        start__lt=OuterRef("start"),
        start__gte=OuterRef("start") - timedelta(days=3 * 365),
    )
    new_visits = Appointment.objects.filter(type__code="new", status__in=ACTIVE_STATUSES)
    assert new_visits.exists() and not new_visits.filter(Exists(seen_before)).exists()
    # Flow timestamps in order; cancellations before the start; moves point to the new booking.
    done = Appointment.objects.filter(status=S.COMPLETED)
    assert not done.filter(arrived_at__isnull=True).exists()
    assert not done.filter(checked_out_at__lt=F("arrived_at")).exists()
    assert not done.filter(completed_at__lt=F("checked_out_at")).exists()
    assert not done.filter(provider_at__lt=F("roomed_at")).exists()
    assert not Appointment.objects.filter(status=S.CANCELLED, cancelled_at__gte=F("start")).exists()
    moved = Appointment.objects.filter(status=S.RESCHEDULED)
    assert moved.exists()
    assert moved.filter(rescheduled_to__isnull=False).count() == moved.count()


def _check_rates() -> None:
    now = timezone.now()
    past = Appointment.objects.filter(start__lt=now - timedelta(days=1))
    completed = past.filter(status=S.COMPLETED).count()
    no_shows = past.filter(status=S.NO_SHOW).count()
    assert 0.05 <= no_shows / (completed + no_shows) <= 0.20
    total = Appointment.objects.exclude(status=S.RESCHEDULED).count()
    cancelled = Appointment.objects.filter(status=S.CANCELLED)
    assert 0.05 <= cancelled.count() / total <= 0.15
    late = [
        a for a, c in cancelled.values_list("start", "cancelled_at") if a - c < timedelta(hours=24)
    ]
    assert late, "some cancellations come in under 24 hours"

    def rate(queryset) -> float:
        shows = queryset.filter(status=S.COMPLETED).count()
        missed = queryset.filter(status=S.NO_SHOW).count()
        return missed / (shows + missed)

    lead = F("start") - F("created_at")
    short = past.alias(lead=lead).filter(lead__lte=timedelta(days=3))
    long_ = past.alias(lead=lead).filter(lead__gt=timedelta(days=30))
    assert rate(short) < rate(long_), "booked long ahead, missed more often"
    upcoming = Appointment.objects.filter(start__gt=now + timedelta(days=1))
    assert (
        upcoming.filter(status__in=[S.SCHEDULED, S.CONFIRMED]).count()
        == upcoming.filter(status__in=ACTIVE_STATUSES).count()
    )


def _check_encounters_and_occupancy() -> None:
    visited = Appointment.objects.filter(status__in=[S.COMPLETED, S.CHECKED_OUT])
    assert not visited.filter(encounter__isnull=True).exists()
    assert Encounter.objects.count() == Appointment.objects.filter(encounter__isnull=False).count()
    assert not visited.exclude(encounter__start=F("start")).exists()
    assert not visited.exclude(encounter__provider_id=F("provider__user_id")).exists()
    assert not visited.exclude(encounter__patient_id=F("patient_id")).exists()
    # Occupancy only for active appointments from 30 days ago; complete for those.
    since = timezone.now() - timedelta(days=30)
    assert not Occupancy.objects.filter(appointment__start__lt=since).exists()
    assert not Occupancy.objects.exclude(appointment__status__in=ACTIVE_STATUSES).exists()
    recent = Appointment.objects.filter(status__in=ACTIVE_STATUSES, start__gte=since)
    for appt in recent.prefetch_related("occupancy"):
        slots = (appt.end - appt.start) // timedelta(minutes=5)
        keys = {(o.resource, o.layer) for o in appt.occupancy.all()}
        assert (f"patient:{appt.patient_id}", 0) in keys
        assert (f"provider:{appt.provider_id}", 1 if appt.overbooked else 0) in keys
        assert appt.occupancy.count() == slots * len(keys)


def _book_after_the_demo() -> None:
    """The demo wrote ids itself: the next booking and encounter still get fresh ones, and
    find-first-available offers only time the booking rules accept."""
    from medoffice.scheduling.models import AppointmentType
    from medoffice.scheduling.services.find import first_available
    from medoffice.scheduling.tests.conftest import make_patient

    office = AppointmentType.objects.get(code="office")
    today = timezone.localdate()
    slots = first_available(
        appt_type=office,
        date_from=today + timedelta(days=1),
        date_to=today + timedelta(days=30),
        limit=3,
    )
    assert slots
    patient = make_patient(family="Afterdemo")
    for slot in slots:
        booked = appointment_book(
            actor=persona("frontdesk"),
            request=BookingRequest(
                patient_id=make_patient(family="Afterdemo").pk,
                type=office,
                provider=Provider.objects.get(pk=slot.provider_id),
                location_id=slot.location_id,
                start=slot.start,
            ),
        ).appointment
        assert booked.pk > Appointment.objects.exclude(pk=booked.pk).order_by("-pk")[0].pk
    Encounter.objects.create(patient=patient, start=timezone.now())
    call_command("flush", "--no-input", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_demo_calendar_is_consistent_realistic_and_deterministic(monkeypatch):
    monkeypatch.setenv("MEDOFFICE_DEMO_PASSWORD", "a fine demo password")
    _build(3)
    _check_calendar()
    _check_rates()
    _check_encounters_and_occupancy()
    assert Referral.objects.filter(status="received", appointment__isnull=True).exists()
    assert AuthorizationUse.objects.filter(state="used").exists()
    first = _fingerprint()
    _book_after_the_demo()
    _build(3)
    assert _fingerprint() == first


def test_prune_occupancy_keeps_recent_and_future_bookings(clinic, capsys):
    frontdesk = persona("frontdesk")
    from medoffice.scheduling.tests.conftest import make_patient

    booked = [
        appointment_book(
            actor=frontdesk,
            request=BookingRequest(
                patient_id=make_patient(given=f"P{i}").pk,
                type=clinic["office"],
                provider=clinic["providers"][0],
                location_id=clinic["location"].pk,
                start=next_weekday_at(9 + i),
            ),
        ).appointment
        for i in range(3)
    ]
    # Pretend the first visit was six weeks ago and the second 20 days ago.
    for appt, days in ((booked[0], 42), (booked[1], 20)):
        Appointment.objects.filter(pk=appt.pk).update(
            start=F("start") - timedelta(days=days), end=F("end") - timedelta(days=days)
        )
    kept = {b.pk: Occupancy.objects.filter(appointment=b).count() for b in booked}
    call_command("scheduling", "prune-occupancy", "--days", "30", "--dry-run")
    assert f"{kept[booked[0].pk]} occupancy rows" in capsys.readouterr().out
    assert Occupancy.objects.filter(appointment=booked[0]).count() == kept[booked[0].pk]
    call_command("scheduling", "prune-occupancy", "--days", "30")
    assert not Occupancy.objects.filter(appointment=booked[0]).exists()
    for appt in booked[1:]:
        assert Occupancy.objects.filter(appointment=appt).count() == kept[appt.pk]
