"""What the front desk should hear before booking: coverage and authorization problems."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.db.models import Q, Sum
from django.utils import timezone

from medoffice.scheduling.models import AppointmentType


def for_booking(
    *, patient_id: int, appt_type: AppointmentType, start: datetime, location_id: int | None = None
) -> list[str]:
    """Coverage and authorization problems on the visit's day, the day at the visit's location."""
    from medoffice.patients.models import Coverage
    from medoffice.referrals.models import PriorAuthorization

    if location_id is not None:
        from medoffice.organization.models import Location

        zone = Location.objects.values_list("time_zone", flat=True).get(pk=location_id)
        day = start.astimezone(zoneinfo.ZoneInfo(zone)).date()
    else:
        day = timezone.localdate(start)
    found: list[str] = []
    active = Coverage.objects.filter(patient_id=patient_id, effective_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    if not active.exists():
        ended = (
            Coverage.objects.filter(patient_id=patient_id, end_date__lt=day)
            .order_by("-end_date")
            .first()
        )
        if ended:
            found.append(
                f"Insurance ended on {ended.end_date:%Y-%m-%d} ({ended.payer}): the visit may be self-pay."
            )
        else:
            found.append("No insurance is active on that date: the visit may be self-pay.")
    else:
        from medoffice.eligibility.selectors import booking_notes

        found += booking_notes(coverages=active.select_related("payer"), day=day)
    if appt_type.requires_authorization:
        auths = list(
            PriorAuthorization.objects.filter(
                patient_id=patient_id, start_date__lte=day, end_date__gte=day
            )
            .annotate(spent=Sum("uses__units"))
            .prefetch_related("appointment_types")
        )
        codes = set(appt_type.service_codes or [])
        covering = [
            a
            for a in auths
            if appt_type in a.appointment_types.all() or codes & set(a.service_codes or [])
        ]
        usable = [a for a in covering if (a.spent or 0) < a.approved_units]
        if not usable:
            found.append(
                f"{appt_type} needs a prior authorization: none is on file for that date"
                + (" (the ones on file are used up)." if covering else ".")
            )
    return found
