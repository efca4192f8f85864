"""A/R over 90 days for the huddle, from billing.aging, served from its last computation.

The aging reads every ar_payer and ar_patient posting (1.5-2 s on the large ledger, see
bench `ar_aging`): far over the huddle's 300 ms. So the huddle page never computes it; a
fragment the page loads after it (htmx) shows the last figure computed for the location and
day, computing it once when there is none yet. The figure says when it was computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from medoffice.billing import aging

# A/R moves with postings during the day; an hour-old figure is good enough for a huddle.
CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class OverNinety:
    as_of: date
    location_id: int
    payers: Decimal
    patients: Decimal
    computed_at: datetime
    from_cache: bool = False

    @property
    def total(self) -> Decimal:
        return self.payers + self.patients


def _key(location_id: int, as_of: date) -> str:
    return f"huddle:ar90:{location_id}:{as_of.isoformat()}"


def cached(location_id: int, as_of: date) -> OverNinety | None:
    found = cache.get(_key(location_id, as_of))
    if found is None:
        return None
    payers, patients, computed_at = found
    return OverNinety(as_of, location_id, payers, patients, computed_at, from_cache=True)


def compute(location_id: int, as_of: date) -> OverNinety:
    """The payers' and the patients' balances over 90 days old at the location, stored for
    the next huddle."""
    flt = aging.AgingFilter(as_of=as_of, location_id=location_id)
    payers = aging.payer_aging_total(flt).over_90
    patients = aging.patient_aging_total(flt).over_90
    now = timezone.now()
    cache.set(_key(location_id, as_of), (payers, patients, now), CACHE_SECONDS)
    return OverNinety(as_of, location_id, payers, patients, now)


def over_90(location_id: int, as_of: date) -> OverNinety:
    return cached(location_id, as_of) or compute(location_id, as_of)
