from __future__ import annotations

from medoffice.organization.models import Location, Practice


def practice_current() -> Practice | None:
    """The practice this installation runs (MedOffice serves one group per database)."""
    return Practice.objects.order_by("pk").first()


def locations_active() -> list[Location]:
    return list(Location.objects.filter(is_active=True).order_by("name"))
