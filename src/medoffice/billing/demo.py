"""Demo billing: fee schedules per payer (before the charges), then, after the claims are paid,
the patients' side: payments for part of what they owe, small-balance write-offs, payment plans,
one account in collections and a statement run (see claims/demo.py for charges, claims, 837P
batches and ERAs)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from medoffice.billing.fees import fee_schedule_create
from medoffice.billing.models import FeeSchedule, FeeScheduleItem, Journal, Posting
from medoffice.coding.models import ProcedureCode
from medoffice.core.demo import DemoContext, DemoStep, clock_at

CENT = Decimal("0.01")
# What Medicare allows for the codes the demo visits bill (national, non-facility, rounded).
MEDICARE_RATE = {
    "99211": "23.00", "99212": "56.00", "99213": "90.00", "99214": "128.00", "99203": "110.00",
    "99204": "165.00", "99395": "118.00", "99396": "126.00", "99397": "135.00", "90471": "17.00",
    "93000": "17.00", "94010": "30.00", "20610": "62.00", "11102": "98.00",
}  # fmt: skip
CHARGEMASTER = Decimal("2.3")  # the practice's price is about 2.3 times Medicare
# Contracted rate over Medicare by filing indicator: Medicaid lowest, commercial highest.
CONTRACT = {"MB": "1.00", "MC": "0.78", "CH": "1.03", "HM": "1.15", "BL": "1.32", "CI": "1.42"}
STATEMENTS_AT_MOST = 3000  # per demo statement run (see create_patient_payments)
SELF_PAY_PRICE = Decimal("1.6")  # the cash price (times Medicare); expected: 80 % collected


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def history_start(ctx: DemoContext) -> date:
    return timezone.localdate() - timedelta(days=366 * ctx.size.years_of_history + 31)


def create_fee_schedules(ctx: DemoContext) -> str:
    """One schedule per payer and one for self-pay, from before the first visit, open-ended:
    billed at the practice's price, expected at the payer's contracted rate."""
    rng, biller = ctx.rng, ctx.shared["users"]["biller"]
    codes = {c.code: c for c in ProcedureCode.objects.filter(code__in=MEDICARE_RATE)}
    start = history_start(ctx)
    items = []
    for payer in [*ctx.shared["payers"], None]:
        name = f"{payer.name} contract" if payer else "Self-pay prices"
        schedule = fee_schedule_create(
            payer_id=payer.pk if payer else None, name=name, effective_from=start,
            effective_to=None, actor=biller,
        )  # fmt: skip
        factor = Decimal(CONTRACT.get(payer.filing_indicator, "1.30")) if payer else None
        if factor is not None and factor > 1:  # each commercial contract a little different
            factor += Decimal(rng.randrange(-6, 7)) / 100
        for code, rate in sorted(MEDICARE_RATE.items()):
            if code not in codes:
                continue
            medicare = Decimal(rate)
            if payer is None:
                billed = _money(medicare * SELF_PAY_PRICE)
                expected = _money(billed * Decimal("0.8"))
            else:
                billed = _money(medicare * CHARGEMASTER)
                expected = min(billed, _money(medicare * factor))  # type: ignore[operator]
            items.append(
                FeeScheduleItem(
                    schedule=schedule, code=codes[code], billed_amount=billed,
                    expected_amount=expected,
                )
            )  # fmt: skip
    FeeScheduleItem.objects.bulk_create(items)
    ctx.shared["fee_start"] = start
    return f"{FeeSchedule.objects.count()} fee schedules, {len(items)} lines"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _patient_balances() -> dict[int, Decimal]:
    rows = (
        Posting.objects.filter(account="ar_patient", patient_id__isnull=False)
        .values("patient_id")
        .annotate(total=Sum("amount"))
        .order_by("patient_id")
    )
    # SQLite adds decimals as floats (19.000000000000004): back to cents, or the payment of
    # the whole balance is refused for its decimals.
    totals = ((r["patient_id"], _money(r["total"])) for r in rows)
    return {patient_id: total for patient_id, total in totals if total > 0}


def _last_patient_charge_days() -> dict[int, date]:
    """The day each patient's share last grew (a self-pay charge or a PR from an ERA)."""
    found: dict[int, date] = {}
    rows = (
        Posting.objects.filter(account="ar_patient", amount__gt=0)
        .values_list("patient_id", "effective_date")
        .order_by("patient_id", "effective_date")
    )
    for patient_id, day in rows:
        found[patient_id] = day
    return found


def create_patient_payments(ctx: DemoContext) -> str:
    """Patients pay part of what they owe (by mail or at the desk, some weeks after the
    insurance paid), small leftovers are written off, a few agree payment plans, the oldest
    large balance goes to collections, and a statement run covers the last month."""
    from medoffice.billing.plans import collections_set, plan_create
    from medoffice.billing.services import payment_post, writeoff_request
    from medoffice.billing.statements import statements_generate, statements_run

    rng, biller = ctx.rng, ctx.shared["users"]["biller"]
    today = timezone.localdate()
    locations = [loc.pk for loc in ctx.shared["locations"]]
    balances = _patient_balances()
    grew = _last_patient_charge_days()
    counts: dict[str, Any] = defaultdict(int)
    paid_total = Decimal("0.00")
    # Larger practices: the same behaviour on a sample, enough for every page and report.
    limit = 600 if ctx.size.name == "small" else 6000
    chosen = sorted(balances)
    if len(chosen) > limit:
        chosen = sorted(rng.sample(chosen, limit))
    for patient_id in chosen:
        owed = balances[patient_id]
        last = grew.get(patient_id, today)
        if rng.random() < 0.35 or last > today - timedelta(days=10):
            continue  # has not paid yet (or just got the bill)
        day = min(today, last + timedelta(days=rng.randrange(10, 45)))
        amount = owed if rng.random() < 0.7 else _money(owed * Decimal(rng.choice(["0.5", "0.25"])))
        if amount < CENT:
            continue
        by_mail = rng.random() < 0.6
        with clock_at(_at(day, rng.randrange(9, 17))):
            payment_post(
                patient_id=patient_id, amount=amount, method="check" if by_mail else "cash",
                reference=f"{rng.randrange(1000, 9999)}" if by_mail else "", actor=biller,
                location_id=None if by_mail else rng.choice(locations),
                idempotency_key=f"demo-payment-{patient_id}",
            )  # fmt: skip
        counts["mail" if by_mail else "desk"] += 1
        paid_total += amount
        balances[patient_id] = owed - amount
    small = [p for p, owed in balances.items() if Decimal("0.00") < owed < Decimal("20.00")]
    for patient_id in small[:8]:
        day = today - timedelta(days=rng.randrange(1, 20))
        with clock_at(_at(day, 15)):
            writeoff_request(
                patient_id=patient_id, amount=balances[patient_id],
                reason="Small balance write-off", actor=biller,
            )  # fmt: skip
        balances[patient_id] = Decimal("0.00")
        counts["write-offs"] += 1
    large = sorted(
        (p for p, owed in balances.items() if owed >= Decimal("150.00")),
        key=lambda p: (-balances[p], p),
    )
    for patient_id in large[:4]:
        owed = balances[patient_id]
        installment = max(Decimal("25.00"), _money(owed / 6))
        plan_create(
            patient_id=patient_id, total=owed, installment_amount=min(installment, owed),
            first_due_date=today + timedelta(days=rng.randrange(7, 28)), actor=biller,
            note="Agreed on the phone",
        )  # fmt: skip
        counts["payment plans"] += 1
    if len(large) > 4:
        oldest = min(large[4:], key=lambda p: (grew.get(p, today), p))
        collections_set(
            patient_id=oldest, agency="Capital Region Recovery Services",
            sent_on=today - timedelta(days=rng.randrange(5, 30)), actor=biller,
        )  # fmt: skip
        counts["in collections"] += 1
    # The large practice's run stops at the few thousand largest balances: making every
    # statement of 150,000 patients (one per patient, about 15 ms each) would take most of an
    # hour of the build, and the pages need only a realistic run.
    minimum = Decimal("10.00")
    owed = sorted((b for b in balances.values() if b >= minimum), reverse=True)
    if len(owed) > STATEMENTS_AT_MOST:
        minimum = max(minimum, owed[STATEMENTS_AT_MOST - 1])
    run = statements_run(actor=biller, minimum_balance=minimum, as_of=today)
    run = statements_generate(run)
    journals = Journal.objects.filter(kind="payment", source="payment").count()
    return (
        f"{counts['mail']} mailed checks and {counts['desk']} desk payments (${_money(paid_total)}; "
        f"{journals} payment journals), {counts['write-offs']} small-balance write-offs, "
        f"{counts['payment plans']} payment plans, {counts['in collections']} account in "
        f"collections, statement run of {run.statement_date}: {run.created} statements"
    )


STEPS = [
    DemoStep("fee schedules", 45, create_fee_schedules),
    DemoStep("patient payments and statements", 56, create_patient_payments),
]
