"""Background jobs of the waitlist: offer freed time, close expired offers, offer again."""

from __future__ import annotations

from datetime import datetime

from medoffice.core.jobs import JobContext, job


@job("Offer a freed time to the waitlist")
def offer_freed_time(ctx: JobContext, appointment_id: int) -> str:
    from medoffice.waitlist.offers import offers_for_freed_appointment

    return f"{offers_for_freed_appointment(appointment_id)} offer(s) sent"


@job("Close expired waitlist offers and offer their times again")
def expire_offers(ctx: JobContext) -> str:
    from medoffice.waitlist.offers import offers_expire

    return f"{offers_expire()} offer(s) expired"


@job("Offer a declined time to the next patients on the waitlist")
def refill_slot(
    ctx: JobContext, provider_id: int, location_id: int, start: str, end: str, freed_id: int | None
) -> str:
    from medoffice.waitlist.offers import Slot, offers_send_for_slot

    slot = Slot(
        provider_id,
        location_id,
        datetime.fromisoformat(start),
        datetime.fromisoformat(end),
        freed_id,
    )
    return f"{offers_send_for_slot(slot)} offer(s) sent"
