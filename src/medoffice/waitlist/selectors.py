"""Reads for the waitlist page and the front desk's home panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from medoffice.core.access import own_only
from medoffice.core.permissions import Capability
from medoffice.waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

OPEN = [EntryStatus.ACTIVE, EntryStatus.OFFERED]


@dataclass(frozen=True)
class EntryFilter:
    status: str = "open"
    appointment_type_id: int | None = None
    provider_id: int | None = None
    location_id: int | None = None


def waitlist_entries(*, actor: Any, flt: EntryFilter) -> QuerySet[WaitlistEntry]:
    qs = WaitlistEntry.objects.select_related(
        "patient", "appointment_type", "provider__user", "location", "created_by"
    ).prefetch_related(
        Prefetch(
            "offers", queryset=WaitlistOffer.objects.order_by("-sent_at"), to_attr="recent_offers"
        )
    )
    if flt.status == "open":
        qs = qs.filter(status__in=OPEN)
    elif flt.status:
        qs = qs.filter(status=flt.status)
    if flt.appointment_type_id:
        qs = qs.filter(appointment_type_id=flt.appointment_type_id)
    if flt.provider_id:
        qs = qs.filter(Q(provider_id=flt.provider_id) | Q(provider__isnull=True))
    if flt.location_id:
        qs = qs.filter(Q(location_id=flt.location_id) | Q(location__isnull=True))
    if own_only(actor, Capability.SCHEDULE):
        qs = qs.filter(Q(provider__user_id=actor.pk) | Q(provider__isnull=True))
    return qs.order_by("created_at", "pk")


def waitlist_counts() -> dict[str, int]:
    return {
        "waiting": WaitlistEntry.objects.filter(status=EntryStatus.ACTIVE).count(),
        "offers_out": WaitlistOffer.objects.filter(status=OfferStatus.SENT).count(),
    }
