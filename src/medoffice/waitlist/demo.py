"""Demo data: patients waiting for earlier appointments (after the appointments are built)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from medoffice.core.demo import DemoContext, DemoStep
from medoffice.waitlist.models import TimeOfDay, WaitlistEntry


def create_waitlist(ctx: DemoContext) -> str:
    from medoffice.organization.models import Location
    from medoffice.patients.models import Patient
    from medoffice.scheduling.models import AppointmentType, Provider

    types = list(AppointmentType.objects.filter(is_active=True, patient_kind="any").order_by("pk"))
    providers = list(Provider.objects.filter(is_active=True).order_by("pk"))
    locations = list(Location.objects.filter(is_active=True).order_by("pk"))
    creator = ctx.shared["users"]["frontdesk"]
    if not (types and providers and locations):
        return "no waitlist (no bookable practice)"
    count = 12 if ctx.size.name == "small" else 60
    patient_ids = list(
        Patient.objects.filter(status="active", merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: count * 20]
    )
    chosen = ctx.rng.sample(patient_ids, min(count, len(patient_ids)))
    today = timezone.localdate()
    times = list(TimeOfDay.values)
    rows, waited = [], []
    for patient_id in chosen:
        provider = ctx.rng.choice(providers) if ctx.rng.random() < 0.6 else None
        location = ctx.rng.choice(locations) if ctx.rng.random() < 0.5 else None
        if provider is not None and location is not None:
            location = None  # the provider's own locations, whichever
        rows.append(
            WaitlistEntry(
                patient_id=patient_id,
                appointment_type=ctx.rng.choice(types),
                provider=provider,
                location=location,
                earliest_date=today,
                latest_date=today + timedelta(days=ctx.rng.randint(14, 60))
                if ctx.rng.random() < 0.7
                else None,
                weekdays=sorted(ctx.rng.sample(range(5), ctx.rng.randint(2, 5)))
                if ctx.rng.random() < 0.5
                else [],
                times_of_day=[ctx.rng.choice(times)] if ctx.rng.random() < 0.4 else [],
                note=ctx.rng.choice(
                    ["", "", "Can come at short notice", "Needs a ride: a day's notice"]
                ),
                created_by=creator,
            )
        )
        waited.append(ctx.rng.randint(1, 45))
    made = WaitlistEntry.objects.bulk_create(rows)
    now = timezone.now()
    for entry, days in zip(made, waited, strict=True):
        # auto_now_add stamped them all now; spread the waiting times out.
        WaitlistEntry.objects.filter(pk=entry.pk).update(created_at=now - timedelta(days=days))
    return f"{len(made)} patients on the waitlist"


STEPS = [DemoStep("waitlist", 38, create_waitlist)]
