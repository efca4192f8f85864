"""Offering freed time to waiting patients: match, offer to a few at once, first to accept
gets it, and move on when offers expire or are declined.

Who books? The patient, through the signed link in the offer: the link is the authorization
(no staff role is involved, and no stand-in "portal" user is invented). The booking goes
through scheduling's `appointment_book_for_patient`, the same rules as the front desk's;
its audit entry has no staff actor and says "waitlist offer", and the appointment's
`booked_by` is the staff member who put the patient on the waitlist. The database decides a
race: the occupancy rows (and one accepted offer per time) let exactly one acceptance commit.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.messaging import conf, links, texts
from medoffice.messaging.models import LinkPurpose, Message, MessageStatus, Purpose
from medoffice.messaging.reminders import contact_for, outside_quiet_hours, practice_name
from medoffice.messaging.services import message_queue
from medoffice.waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

VIA = "waitlist offer"
# Offers close this long before the visit, so the practice and patient can prepare.
CLOSE_BEFORE_START = timedelta(hours=1)
# An offer shorter than this is not worth sending.
MIN_OFFER_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Slot:
    provider_id: int
    location_id: int
    start: datetime
    end: datetime
    freed_appointment_id: int | None = None

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def time_of_day(hour: int) -> str:
    return "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"


def _patient_busy(patient_id: int, start: datetime, end: datetime) -> bool:
    from medoffice.scheduling.models import Occupancy

    return Occupancy.objects.filter(
        resource=f"patient:{patient_id}", slot__gte=start, slot__lt=end
    ).exists()


def _provider_busy(provider_id: int, start: datetime, end: datetime) -> bool:
    from medoffice.scheduling.models import Occupancy

    return Occupancy.objects.filter(
        resource=f"provider:{provider_id}", slot__gte=start, slot__lt=end, layer=0
    ).exists()


def matching_entries(
    slot: Slot, *, exclude_entry_ids: set[int] | None = None
) -> list[WaitlistEntry]:
    """Active entries this time suits, longest waiting first: same provider (or any), same
    location (or any), a visit type that fits the time and that provider, the date within the
    patient's range, their weekdays and time of day, and a patient we can message who is free."""
    from medoffice.organization.models import Location

    zone = zoneinfo.ZoneInfo(Location.objects.get(pk=slot.location_id).time_zone)
    local = slot.start.astimezone(zone)
    day = local.date()
    candidates = (
        WaitlistEntry.objects.filter(status=EntryStatus.ACTIVE, earliest_date__lte=day)
        .filter(Q(latest_date__isnull=True) | Q(latest_date__gte=day))
        .filter(Q(provider__isnull=True) | Q(provider_id=slot.provider_id))
        .filter(Q(location__isnull=True) | Q(location_id=slot.location_id))
        .filter(
            appointment_type__is_active=True,
            appointment_type__duration_minutes__lte=slot.minutes,
        )
        .filter(
            Q(appointment_type__allowed_providers__isnull=True)
            | Q(appointment_type__allowed_providers=slot.provider_id)
        )
        .exclude(pk__in=exclude_entry_ids or set())
        .select_related("patient", "appointment_type")
        .distinct()
        .order_by("created_at", "pk")
    )
    found = []
    for entry in candidates:
        if entry.weekdays and local.weekday() not in entry.weekdays:
            continue
        if entry.times_of_day and time_of_day(local.hour) not in entry.times_of_day:
            continue
        end = slot.start + timedelta(minutes=entry.appointment_type.duration_minutes)
        if contact_for(entry.patient) is None or _patient_busy(entry.patient_id, slot.start, end):
            continue
        found.append(entry)
    return found


def offers_for_freed_appointment(appointment_id: int) -> int:
    """A visit was cancelled or moved: offer its time to the waitlist."""
    from medoffice.scheduling.models import Appointment

    appt = Appointment.objects.filter(pk=appointment_id).first()
    if appt is None or appt.status not in ("cancelled", "rescheduled"):
        return 0
    slot = Slot(appt.provider_id, appt.location_id, appt.start, appt.end, appt.pk)
    return offers_send_for_slot(slot)


def offers_send_for_slot(slot: Slot) -> int:
    """Bring the open offers for this time up to MEDOFFICE_WAITLIST_OFFERS_AT_ONCE."""
    now = timezone.now()
    deadline = slot.start - CLOSE_BEFORE_START
    if deadline - now < MIN_OFFER_WINDOW:
        return 0
    same_time = WaitlistOffer.objects.filter(provider_id=slot.provider_id, slot_start=slot.start)
    if same_time.filter(status=OfferStatus.ACCEPTED).exists():
        return 0
    wanted = (
        int(conf.get("MEDOFFICE_WAITLIST_OFFERS_AT_ONCE"))
        - same_time.filter(status=OfferStatus.SENT).count()
    )
    if wanted <= 0:
        return 0
    already = set(same_time.values_list("entry_id", flat=True))
    made = 0
    for entry in matching_entries(slot, exclude_entry_ids=already):
        end = slot.start + timedelta(minutes=entry.appointment_type.duration_minutes)
        if _provider_busy(slot.provider_id, slot.start, end):
            continue  # someone booked (part of) the time meanwhile
        if offer_make(entry, slot) is not None:
            made += 1
            if made >= wanted:
                break
    return made


def offer_make(entry: WaitlistEntry, slot: Slot) -> WaitlistOffer | None:
    """Offer the time to one entry: the offer, its link and its message, all or nothing."""
    from medoffice.organization.models import Location

    contact = contact_for(entry.patient)
    if contact is None:
        return None
    location = Location.objects.get(pk=slot.location_id)
    now = timezone.now()
    deadline = slot.start - CLOSE_BEFORE_START
    send_at = now
    if contact.channel == "sms":
        send_at = outside_quiet_hours(now, location.time_zone, latest=deadline)
    if send_at < now or deadline - send_at < MIN_OFFER_WINDOW:
        return None  # quiet hours leave no time to answer
    expires = min(
        send_at + timedelta(minutes=int(conf.get("MEDOFFICE_WAITLIST_OFFER_MINUTES"))), deadline
    )
    try:
        with transaction.atomic():
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=EntryStatus.ACTIVE).update(
                status=EntryStatus.OFFERED
            ):
                return None
            link, token = links.link_create(
                purpose=LinkPurpose.OFFER, patient_id=entry.patient_id, expires_at=expires
            )
            offer = WaitlistOffer.objects.create(
                entry=entry, slot_start=slot.start, slot_end=slot.end, provider_id=slot.provider_id,
                location_id=slot.location_id, appointment_type_id=entry.appointment_type_id,
                freed_appointment_id=slot.freed_appointment_id, token_id=link.nonce,
                sent_at=send_at, expires_at=expires,
            )  # fmt: skip
            street = ", ".join(p for p in [location.address_line1, location.city] if p)
            visit = texts.Visit(
                first_name=texts.first_name_of(entry.patient), start=slot.start, zone=location.time_zone,
                place=f"{location.name} ({street})" if street else location.name, practice=practice_name(),
            )  # fmt: skip
            text = texts.compose(
                Purpose.WAITLIST_OFFER, contact.channel, visit,
                link=links.url_for_token(LinkPurpose.OFFER, token),
                expires=texts.when(expires, location.time_zone),
                opt_out=links.opt_out_link(patient_id=entry.patient_id, channel=contact.channel)
                if contact.channel == "email" else "",
            )  # fmt: skip
            message = message_queue(
                patient_id=entry.patient_id, channel=contact.channel, to_address=contact.address,
                purpose=Purpose.WAITLIST_OFFER, subject=text.subject, body=text.body,
                scheduled_for=send_at, dedupe_key=f"offer:{offer.pk}",
            )  # fmt: skip
            WaitlistOffer.objects.filter(pk=offer.pk).update(message=message)
            audit_record(
                action="create", actor=None, object_type="waitlist_offer", object_id=offer.pk,
                patient_id=entry.patient_id,
                details={"start": slot.start.isoformat(), "provider": slot.provider_id, "expires": expires.isoformat()},
            )  # fmt: skip
    except IntegrityError:
        return None  # offered this time already, or another offer is open: leave it
    return offer


def _reopen_entries(offer_ids: list[int]) -> None:
    """Entries whose offer closed without a booking wait again; their unsent texts stay unsent."""
    offers = WaitlistOffer.objects.filter(pk__in=offer_ids)
    WaitlistEntry.objects.filter(
        pk__in=offers.values("entry_id"), status=EntryStatus.OFFERED
    ).update(status=EntryStatus.ACTIVE)
    Message.objects.filter(
        pk__in=offers.exclude(message__isnull=True).values("message_id"),
        status=MessageStatus.QUEUED,
    ).update(status=MessageStatus.CANCELLED, last_error="The offer closed before it was sent.")


def _slot_of(offer: WaitlistOffer) -> Slot:
    return Slot(
        offer.provider_id,
        offer.location_id,
        offer.slot_start,
        offer.slot_end,
        offer.freed_appointment_id,
    )


def offers_due_to_expire() -> QuerySet[WaitlistOffer]:
    return WaitlistOffer.objects.filter(status=OfferStatus.SENT, expires_at__lte=timezone.now())


def offers_expire() -> int:
    """Close the offers whose time ran out and offer their times to the next entries."""
    expired = 0
    slots: dict[tuple[int, datetime], Slot] = {}
    for offer in list(offers_due_to_expire()):
        with transaction.atomic():
            if not WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.SENT).update(
                status=OfferStatus.EXPIRED
            ):
                continue
            _reopen_entries([offer.pk])
        expired += 1
        slots[(offer.provider_id, offer.slot_start)] = _slot_of(offer)
    for slot in slots.values():
        offers_send_for_slot(slot)
    return expired


@dataclass(frozen=True)
class OfferOutcome:
    ok: bool
    message: str


@dataclass(frozen=True)
class OfferView:
    first_name: str
    when: str
    place: str
    start: datetime
    expires: str
    is_open: bool
    state_message: str


STATE_MESSAGES = {
    OfferStatus.ACCEPTED: "You accepted this offer: the appointment is yours.",
    OfferStatus.DECLINED: "You declined this offer. You are still on the waiting list.",
    OfferStatus.EXPIRED: "This offer has expired. You are still on the waiting list.",
    OfferStatus.WITHDRAWN: "Sorry, this time was taken by another patient. You are still on the waiting list.",
}


def _offer(nonce: str) -> WaitlistOffer:
    offer = (
        WaitlistOffer.objects.select_related("entry__patient", "entry__created_by", "location", "provider", "appointment_type")
        .filter(token_id=nonce)
        .first()
    )  # fmt: skip
    if offer is None:
        raise links.LinkError("This offer is no longer on file.", status=410)
    return offer


def offer_view(*, nonce: str) -> OfferView:
    offer = _offer(nonce)
    zone = offer.location.time_zone
    street = ", ".join(p for p in [offer.location.address_line1, offer.location.city] if p)
    is_open = offer.status == OfferStatus.SENT and offer.expires_at > timezone.now()
    state = STATE_MESSAGES.get(OfferStatus(offer.status), "") if not is_open else ""
    if offer.status == OfferStatus.SENT and not is_open:
        state = STATE_MESSAGES[OfferStatus.EXPIRED]
    audit_record(
        action="view", actor=None, object_type="waitlist_offer", object_id=offer.pk,
        patient_id=offer.entry.patient_id, details={"via": VIA},
    )  # fmt: skip
    return OfferView(
        first_name=texts.first_name_of(offer.entry.patient), when=texts.when(offer.slot_start, zone),
        place=f"{offer.location.name} ({street})" if street else offer.location.name,
        start=offer.slot_start, expires=texts.when(offer.expires_at, zone), is_open=is_open,
        state_message=state,
    )  # fmt: skip


class _OfferClosed(Exception):
    pass


def offer_accept(*, nonce: str) -> OfferOutcome:
    """The patient takes the offered time. Exactly one acceptance of a time can commit."""
    from medoffice.scheduling.services.booking import (
        BookingConflict,
        BookingRequest,
        appointment_book_for_patient,
    )

    offer = _offer(nonce)
    if offer.status == OfferStatus.ACCEPTED:
        return OfferOutcome(True, STATE_MESSAGES[OfferStatus.ACCEPTED])
    now = timezone.now()
    request = BookingRequest(
        patient_id=offer.entry.patient_id, type=offer.appointment_type, provider=offer.provider,
        location_id=offer.location_id, start=offer.slot_start, front_desk_note="Booked from the waitlist",
    )  # fmt: skip
    if offer.status != OfferStatus.SENT or offer.expires_at <= now:
        state = (
            OfferStatus.EXPIRED if offer.status == OfferStatus.SENT else OfferStatus(offer.status)
        )
        return OfferOutcome(False, STATE_MESSAGES[state])
    try:
        with transaction.atomic():
            # Book first: the occupancy rows make a second acceptance of the time wait for the
            # first and then fail, before it has locked any offer row (no deadlock between two
            # acceptances on PostgreSQL).
            result = appointment_book_for_patient(
                request=request, via=VIA, booked_by=offer.entry.created_by
            )
            appointment = result.appointment
            if not WaitlistOffer.objects.filter(
                pk=offer.pk, status=OfferStatus.SENT, expires_at__gt=now
            ).update(status=OfferStatus.ACCEPTED, responded_at=now, appointment=appointment):
                raise _OfferClosed  # withdrawn or expired meanwhile: the booking rolls back
            WaitlistEntry.objects.filter(pk=offer.entry_id).update(
                status=EntryStatus.BOOKED, booked_appointment=appointment
            )
            others = list(
                WaitlistOffer.objects.filter(
                    provider_id=offer.provider_id,
                    slot_start=offer.slot_start,
                    status=OfferStatus.SENT,
                ).values_list("pk", flat=True)
            )
            WaitlistOffer.objects.filter(pk__in=others).update(
                status=OfferStatus.WITHDRAWN, responded_at=now
            )
            _reopen_entries(others)
            audit_record(
                action="update", actor=None, object_type="waitlist_offer", object_id=offer.pk,
                patient_id=offer.entry.patient_id,
                details={"status": "accepted", "appointment": appointment.pk, "via": VIA, "withdrawn": others},
            )  # fmt: skip
    except _OfferClosed:
        offer.refresh_from_db()
        state = (
            OfferStatus.EXPIRED if offer.status == OfferStatus.SENT else OfferStatus(offer.status)
        )
        return OfferOutcome(offer.status == OfferStatus.ACCEPTED, STATE_MESSAGES[state])
    except (BookingConflict, IntegrityError):
        offer.refresh_from_db()
        if offer.status == OfferStatus.ACCEPTED:  # a second click of the same patient
            return OfferOutcome(True, STATE_MESSAGES[OfferStatus.ACCEPTED])
        _offer_lost(offer)
        return OfferOutcome(
            False, "Sorry, this time was just taken. You are still on the waiting list."
        )
    except ValidationError:
        _offer_lost(offer)
        return OfferOutcome(
            False, "Sorry, this time can no longer be booked online. Please call the office."
        )
    return OfferOutcome(True, "Done: the appointment is yours. We will send you a confirmation.")


def _offer_lost(offer: WaitlistOffer) -> None:
    with transaction.atomic():
        if WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.SENT).update(
            status=OfferStatus.WITHDRAWN, responded_at=timezone.now()
        ):
            _reopen_entries([offer.pk])
            audit_record(
                action="update", actor=None, object_type="waitlist_offer", object_id=offer.pk,
                patient_id=offer.entry.patient_id, details={"status": "withdrawn", "via": VIA, "lost_race": True},
            )  # fmt: skip


def offer_decline(*, nonce: str) -> OfferOutcome:
    offer = _offer(nonce)
    with transaction.atomic():
        if not WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.SENT).update(
            status=OfferStatus.DECLINED, responded_at=timezone.now()
        ):
            offer.refresh_from_db()
            return OfferOutcome(False, STATE_MESSAGES.get(OfferStatus(offer.status), ""))
        _reopen_entries([offer.pk])
        audit_record(
            action="update", actor=None, object_type="waitlist_offer", object_id=offer.pk,
            patient_id=offer.entry.patient_id, details={"status": "declined", "via": VIA},
        )  # fmt: skip
        slot = _slot_of(offer)
        transaction.on_commit(lambda: _refill_soon(slot))
    return OfferOutcome(True, STATE_MESSAGES[OfferStatus.DECLINED])


def _refill_soon(slot: Slot) -> None:
    from medoffice.core.jobs import enqueue_system
    from medoffice.waitlist.tasks import refill_slot

    enqueue_system(
        refill_slot, slot.provider_id, slot.location_id, slot.start.isoformat(), slot.end.isoformat(),
        slot.freed_appointment_id, idempotency_key=f"waitlist:refill:{slot.provider_id}:{slot.start.isoformat()}",
    )  # fmt: skip
