"""Demo referrals and prior authorizations, drawn from the demo appointments.

- Incoming referrals to the specialists (cardiology, dermatology) behind many of their
  new-patient visits, in the status their visit implies (scheduled, seen, report sent,
  closed); plus recent referrals nobody has scheduled yet, some past their due date (the
  worklist).
- Outgoing referrals written at some completed visits, to outside specialists.
- Prior authorizations for the joint-injection series: one per patient and episode, the
  completed injections drawing units (AuthorizationUse "used"), booked ones holding them; a
  few running low, a few expiring before the next booked visit, and a few series with no
  authorization on file (the booking warning).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from medoffice.core.demo import DemoContext
from medoffice.core.sequences import luhn_check_digit
from medoffice.patients.models import Coverage, Payer
from medoffice.referrals.models import AuthorizationUse, PriorAuthorization, Referral
from medoffice.scheduling.demo_insert import keep_timestamps
from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

S = AppointmentStatus
BATCH = 2000
# Why specialists get referrals (reason, ICD-10-CM), and where our providers send patients.
INCOMING = {
    "CARD": [("Atrial fibrillation: evaluate", "I48.91"), ("Palpitations", "R00.2"), ("Chest pain: evaluate", "R07.9"),
             ("Coronary artery disease: management", "I25.10"), ("Abnormal ECG", "R94.31")],
    "DERM": [("Changing mole", "D22.9"), ("Actinic keratosis", "L57.0"), ("Persistent rash", "L30.9"),
             ("Acne not responding to treatment", "L70.0"), ("Seborrheic keratosis, irritated", "L82.1")],
}  # fmt: skip
OUTGOING = [("Orthopedics", "Knee osteoarthritis: consider surgery", "M17.11"), ("Gastroenterology", "Reflux despite treatment", "K21.9"),
            ("Neurology", "Migraine: specialist review", "G43.909"), ("ENT", "Recurrent ear infections", "H66.90"),
            ("Urology", "Recurrent urinary infections", "N39.0"), ("Ophthalmology", "Cataract", "H25.9"),
            ("Endocrinology", "Thyroid nodule", "E04.1"), ("Pulmonology", "COPD: pulmonary rehab", "J44.9")]  # fmt: skip
OUTSIDE_PRACTICES = ["Capital Region Orthopedics", "Albany Gastroenterology", "Hudson Valley Neurology", "Troy ENT Associates",
                     "Northeast Urology", "Eye Care of Saratoga", "Upstate Endocrine Group", "Mohawk Pulmonary",
                     "Albany Med Urgent Care", "St. Peter's Primary Care", "Clifton Park Family Practice"]  # fmt: skip


def _npi(ctx: DemoContext) -> str:
    first_nine = "1" + "".join(str(ctx.rng.randrange(10)) for _ in range(8))
    return first_nine + luhn_check_digit("80840" + first_nine)


def _outside(ctx: DemoContext, practice: str) -> dict[str, str]:
    return {
        "outside_provider_name": f"Dr. {ctx.fake.first_name()} {ctx.fake.last_name()}",
        "outside_provider_npi": _npi(ctx),
        "outside_practice": practice,
        "outside_phone": f"518-555-{ctx.rng.randrange(2000, 9999)}",
        "outside_fax": f"518-555-{ctx.rng.randrange(2000, 9999)}",
    }


def _stamp(ctx: DemoContext, row: Referral, changed: datetime) -> Referral:
    """When it was recorded (the day it came in or was written) and when its status last moved."""
    now = ctx.shared["scheduling"].now
    local = datetime.combine(row.received_on, time(9), tzinfo=timezone.get_current_timezone())
    row.created_at = min(local + timedelta(minutes=ctx.rng.randrange(480)), now)
    row.status_changed_at = row.updated_at = min(max(changed, row.created_at), now)
    return row


def _referrals(ctx: DemoContext, today: date) -> list[Referral]:
    rng = ctx.rng
    demo = ctx.shared["scheduling"]
    creator = ctx.shared["users"]["frontdesk"].pk
    specialists = {p.pk: p.department_code for p in demo.providers if p.department_code in INCOMING}
    rows: list[Referral] = []
    new_visits = (
        Appointment.objects.filter(type__code="new", provider_id__in=list(specialists))
        .order_by("pk")
        .values_list("pk", "patient_id", "provider_id", "start", "status", "created_at")
    )
    for pk, patient, provider, start, status, created in new_visits:
        if rng.random() > 0.6:
            continue  # self-referred, or the referral came by phone and was not recorded
        reason, dx = rng.choice(INCOMING[specialists[provider]])
        received = timezone.localdate(created) - timedelta(days=rng.randrange(0, 10))
        urgent = rng.random() < 0.15
        visit_day = timezone.localdate(start)
        linked: int | None = pk
        changed = created  # booked
        age = (today - visit_day).days
        if status == S.COMPLETED and age >= 10 and (age < 60 or rng.random() < 0.3):
            state, changed = "report_sent", start + timedelta(days=rng.randrange(2, 10))
        elif status == S.COMPLETED:
            state = "seen" if age < 10 else "closed"
            changed = (
                start + timedelta(hours=2)
                if age < 10
                else start + timedelta(days=rng.randrange(15, 60))
            )
        elif status in ACTIVE_STATUSES:
            state = "scheduled"  # booked, or in the office today
        else:  # cancelled or missed: back on the worklist, or given up on long ago
            linked, changed = None, start
            if age >= 45:
                state, changed = "closed", start + timedelta(days=45)
            else:
                state = "received"
        row = _stamp(ctx, Referral(
            patient_id=patient, direction="in", status=state, our_provider_id=provider,
            specialty={"CARD": "Cardiology", "DERM": "Dermatology"}[specialists[provider]], reason=reason,
            diagnosis_code=dx, urgency="urgent" if urgent else "routine", received_on=received,
            due_by=received + timedelta(days=7 if urgent else 30), appointment_id=linked, created_by_id=creator,
            notes="Patient did not reschedule." if state == "closed" and linked is None else "",
            **_outside(ctx, rng.choice(OUTSIDE_PRACTICES[-3:])),
        ), changed)  # fmt: skip
        rows.append(row)
    # Received lately and not scheduled yet: the worklist, a share of it overdue.
    patient_ids = ctx.shared["patient_ids"]
    for _ in range(max(8, len(demo.providers) * 3)):
        provider = rng.choice(list(specialists) or [p.pk for p in demo.providers])
        code = specialists.get(provider, "CARD")
        reason, dx = rng.choice(INCOMING[code])
        received = today - timedelta(days=rng.randrange(0, 60))
        urgent = rng.random() < 0.2
        row = Referral(
            patient_id=rng.choice(patient_ids), direction="in", status="received", our_provider_id=provider,
            specialty={"CARD": "Cardiology", "DERM": "Dermatology"}[code], reason=reason, diagnosis_code=dx,
            urgency="urgent" if urgent else "routine", received_on=received,
            due_by=received + timedelta(days=7 if urgent else 30), created_by_id=creator,
            **_outside(ctx, rng.choice(OUTSIDE_PRACTICES[-3:])),
        )  # fmt: skip
        rows.append(_stamp(ctx, row, datetime.min.replace(tzinfo=UTC)))
    # Outgoing: written at a small share of completed primary-care visits.
    primary = [p.pk for p in demo.providers if p.department_code in ("FM", "IM")]
    visits = (
        Appointment.objects.filter(status=S.COMPLETED, type__code__in=["office", "physical"], provider_id__in=primary)
        .order_by("pk")
        .values_list("patient_id", "provider_id", "start")
    )  # fmt: skip
    for patient, provider, start in visits.iterator(chunk_size=BATCH):
        if rng.random() > 0.015:
            continue
        index = rng.randrange(len(OUTGOING))
        specialty, reason, dx = OUTGOING[index]
        written = timezone.localdate(start)
        age = (today - written).days
        state = ("received" if age < 7 else "scheduled" if age < 30 else
                 rng.choice(["seen", "report_sent", "report_sent", "closed"]))  # fmt: skip
        moved_after = {"received": 0, "scheduled": 5, "seen": 25, "report_sent": 35, "closed": 60}[
            state
        ]
        row = Referral(
            patient_id=patient, direction="out", status=state, our_provider_id=provider, specialty=specialty,
            reason=reason, diagnosis_code=dx, received_on=written, due_by=written + timedelta(days=45),
            created_by_id=creator, **_outside(ctx, OUTSIDE_PRACTICES[index]),
        )  # fmt: skip
        changed = start + timedelta(days=moved_after + rng.randrange(0, 10) if moved_after else 0)
        rows.append(_stamp(ctx, row, changed))
    with keep_timestamps(Referral):
        Referral.objects.bulk_create(rows, batch_size=BATCH)
    return rows


def _authorizations(ctx: DemoContext, today: date) -> tuple[int, int, int, int, int]:
    rng = ctx.rng
    demo = ctx.shared["scheduling"]
    injection = demo.types["injection"]
    creator = ctx.shared["users"]["frontdesk"].pk
    visits = (
        Appointment.objects.filter(type=injection)
        .order_by("patient_id", "start")
        .values_list("pk", "patient_id", "start", "status")
    )
    episodes: dict[int, list[list[tuple[int, date, str]]]] = defaultdict(list)
    for pk, patient, start, status in visits:
        day = timezone.localdate(start)
        series = episodes[patient]
        if not series or (day - series[-1][-1][1]).days > 120:
            series.append([])
        series[-1].append((pk, day, status))
    coverage = {
        patient: (payer, cov)
        for patient, payer, cov in Coverage.objects.filter(
            patient_id__in=list(episodes), priority=1
        )
        .order_by("patient_id", "effective_date")
        .values_list("patient_id", "payer_id", "pk")
    }
    payers = list(Payer.objects.order_by("pk").values_list("pk", flat=True))
    auths: list[PriorAuthorization] = []
    uses: list[list[tuple[int, str]]] = []
    missing = low = expiring = 0
    for patient in sorted(episodes):
        for series in episodes[patient]:
            if rng.random() < 0.05:
                missing += 1  # never obtained: booking these visits warns
                continue
            first, last = series[0][1], series[-1][1]
            start = first - timedelta(days=rng.randrange(3, 21))
            end = max(start + timedelta(days=180), last + timedelta(days=rng.randrange(5, 30)))
            upcoming = [v for v in series if v[1] >= today]
            if upcoming and rng.random() < 0.25:
                end = upcoming[0][1] - timedelta(
                    days=rng.randrange(1, 8)
                )  # lapses before the next visit
                expiring += 1
            drawn = [(pk, "used" if status == S.COMPLETED else "held") for pk, day, status in series
                     if status in ACTIVE_STATUSES and start <= day <= end]  # fmt: skip
            spare = rng.choice([0, 0, 1, 2, 3])
            low += spare <= 1 and end >= today
            payer, cov = coverage.get(patient, (rng.choice(payers), None))
            auths.append(PriorAuthorization(
                patient_id=patient, payer_id=payer, coverage_id=cov, auth_number=f"PA{start:%y}{len(auths) + 1:06d}",
                service_codes=["20610"], approved_units=max(1, len(drawn) + spare), start_date=start,
                end_date=max(end, start), created_by_id=creator,
                notes="Hyaluronic acid series, one knee" if rng.random() < 0.5 else "",
            ))  # fmt: skip
            uses.append(drawn)
            asked = start - timedelta(days=rng.randrange(1, 10))  # approved before it starts
            auths[-1].created_at = auths[-1].updated_at = min(
                datetime.combine(asked, time(10), tzinfo=timezone.get_current_timezone()), demo.now
            )
    with keep_timestamps(PriorAuthorization):
        PriorAuthorization.objects.bulk_create(auths, batch_size=BATCH)
    through = PriorAuthorization.appointment_types.through
    through.objects.bulk_create(
        [through(priorauthorization_id=a.pk, appointmenttype_id=injection.pk) for a in auths],
        batch_size=BATCH,
    )
    rows = [AuthorizationUse(authorization_id=a.pk, appointment_id=pk, units=1, state=state)
            for a, drawn in zip(auths, uses, strict=True) for pk, state in drawn]  # fmt: skip
    AuthorizationUse.objects.bulk_create(rows, batch_size=BATCH)
    return len(auths), len(rows), low, expiring, missing


def create_referrals_and_authorizations(ctx: DemoContext) -> str:
    today = timezone.localdate(ctx.shared["scheduling"].now)
    referrals = _referrals(ctx, today)
    worklist = [r for r in referrals if r.direction == "in" and r.status == "received"]
    overdue = sum(1 for r in worklist if r.due_by and r.due_by < today)
    auths, uses, low, expiring, missing = _authorizations(ctx, today)
    incoming = sum(1 for r in referrals if r.direction == "in")
    return (
        f"{len(referrals)} referrals ({incoming} in, {len(referrals) - incoming} out; {len(worklist)} "
        f"not scheduled, {overdue} overdue), {auths} prior authorizations ({uses} visits drawing units, "
        f"{low} running low, {expiring} lapsing before the next visit, {missing} series without one)"
    )
