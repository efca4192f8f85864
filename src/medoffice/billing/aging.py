"""Accounts receivable aging and the revenue-cycle figures built on it (reads only).

Every figure is one SQL aggregate over `billing_posting`; Python only shapes the grouped rows.

- Payers: each claim line's open balance (the sum of its ar_payer postings as of the date, when
  not zero) falls in one bucket, aged from the line's oldest charge (its first debit's
  effective date). Claim-level amounts without a line are their own group.
- Patients: a patient's open ar_patient balance is split first-in-first-out: their credits
  (payments, adjustments) pay the oldest debits first, and what is left of each debit ages from
  that debit's effective date (computed without ordering rows: see _patient_balances_sql). A patient whose credits exceed their debits has a credit
  balance, shown apart and never aged.

The queries read the (account, payer_id, claim_line_id, effective_date, amount) and (account,
patient_id, effective_date, amount) indexes, which cover them; each holds its account's rows
only (migration 0005), so the statements name the account in their text (account_sql).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from medoffice.billing.models import (
    Account,
    Posting,
    account_sql,
    payment_postings,
    payment_received,
)

ZERO = Decimal("0.00")
# (label, first day old, last day old); the last bucket is open-ended.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("120+", 121, None),
)
BUCKET_LABELS = tuple(label for label, _, _ in BUCKETS)


def _money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: round to cents through str so 0.1 + 0.2 shows 0.30.
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(ZERO)


@dataclass(frozen=True)
class AgingFilter:
    as_of: date
    location_id: int | None = None
    payer_id: int | None = None
    patient_id: int | None = None


@dataclass
class AgingRow:
    """One payer or patient (or the total): the balance in each bucket."""

    key: int | None
    buckets: list[Decimal]
    credit: Decimal = ZERO
    name: str = ""
    ref: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO) + self.credit

    @property
    def over_90(self) -> Decimal:
        return self.buckets[3] + self.buckets[4]


def _bucket_sql(date_column: str, amount_column: str, as_of: date) -> tuple[list[str], list[Any]]:
    """SUM(CASE ...) per bucket, comparing dates (portable) rather than subtracting them."""
    parts, params = [], []
    for _, first, last in BUCKETS:
        newest = as_of - timedelta(days=first)
        if last is None:
            parts.append(f"SUM(CASE WHEN {date_column} <= %s THEN {amount_column} ELSE 0 END)")
            params.append(newest)
        else:
            oldest = as_of - timedelta(days=last)
            parts.append(
                f"SUM(CASE WHEN {date_column} <= %s AND {date_column} >= %s "
                f"THEN {amount_column} ELSE 0 END)"
            )
            params += [newest, oldest]
    return parts, params


def _where(account: str, flt: AgingFilter, *, payer: bool) -> tuple[str, list[Any]]:
    # The account in the statement's text: the aging indexes hold one account each.
    clauses, params = [account_sql(account), "effective_date <= %s"], [flt.as_of]
    if flt.location_id is not None:
        clauses.append("location_id = %s")
        params.append(flt.location_id)
    if payer and flt.payer_id is not None:
        clauses.append("payer_id = %s")
        params.append(flt.payer_id)
    if flt.patient_id is not None:
        clauses.append("patient_id = %s")
        params.append(flt.patient_id)
    return " AND ".join(clauses), params


def _payer_lines_sql(flt: AgingFilter) -> tuple[str, list[Any]]:
    where, params = _where(Account.AR_PAYER, flt, payer=True)
    sql = f"""
        SELECT payer_id, SUM(amount) AS open_amount,
               COALESCE(MIN(CASE WHEN amount > 0 THEN effective_date END), MIN(effective_date))
                   AS aged_from
        FROM billing_posting
        WHERE {where}
        GROUP BY payer_id, claim_id, claim_line_id
        HAVING SUM(amount) <> 0
    """  # noqa: S608 (values are parameters)
    return sql, params


def _patient_balances_sql(flt: AgingFilter) -> tuple[str, list[Any]]:
    """Each patient's net balance and how much of it is newer than each bucket's oldest day.

    First in, first out: credits pay the oldest debits first, so what stays open is the newest
    debits adding up to the net balance. The part open on or after a day is therefore the lesser
    of the (positive) net and the debits dated on or after that day: one grouped pass over the
    covering index, with no ordering of a patient's rows (a window over 370 k rows sorted per
    patient was most of the A/R page on PostgreSQL)."""
    where, params = _where(Account.AR_PATIENT, flt, payer=False)
    newer, newer_params = [], []
    for i, (_, _, last) in enumerate(BUCKETS[:-1]):
        newer.append(
            f"SUM(CASE WHEN amount > 0 AND effective_date >= %s THEN amount ELSE 0 END) AS d{i}"
        )
        newer_params.append(flt.as_of - timedelta(days=last or 0))
    open_since = ", ".join(
        f"CASE WHEN d{i} < owed THEN d{i} ELSE owed END AS o{i}" for i in range(len(newer))
    )
    sql = f"""
        WITH balances AS (
            SELECT patient_id, SUM(amount) AS net, {", ".join(newer)}
            FROM billing_posting WHERE {where}
            GROUP BY patient_id HAVING SUM(amount) <> 0
        ), owing AS (
            SELECT balances.*, CASE WHEN net > 0 THEN net ELSE 0 END AS owed FROM balances
        ), open_since AS (
            SELECT patient_id, net, owed, {open_since} FROM owing
        )
    """  # noqa: S608 (values are parameters)
    return sql, newer_params + params


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one aging aggregate. On PostgreSQL with more sort memory for its statement: the
    patients' window and the per-line grouping sort a few hundred thousand rows, which at the
    server's default 4 MB spill to disk (settings.REPORT_WORK_MEM_MB)."""
    if connection.vendor != "postgresql":
        # No transaction on SQLite: ours begin IMMEDIATE, which takes the write lock, and a
        # read needs none.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{int(settings.REPORT_WORK_MEM_MB)}MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def payer_aging(flt: AgingFilter) -> list[AgingRow]:
    """A/R by payer, largest balance first, with the payers' names."""
    from medoffice.patients.models import Payer

    inner, params = _payer_lines_sql(flt)
    buckets, bucket_params = _bucket_sql("aged_from", "open_amount", flt.as_of)
    sql = (
        f"SELECT payer_id, {', '.join(buckets)} FROM ({inner}) AS open_lines "  # noqa: S608 (values are parameters)
        "GROUP BY payer_id ORDER BY SUM(open_amount) DESC, payer_id"
    )
    rows = [
        AgingRow(key=row[0], buckets=[_money(v) for v in row[1:]])
        for row in _fetch(sql, bucket_params + params)
    ]
    names = dict(Payer.objects.filter(pk__in=[r.key for r in rows]).values_list("pk", "name"))
    for row in rows:
        row.name = names.get(row.key, "No payer" if row.key is None else f"Payer {row.key}")
    return rows


def payer_total(rows: list[AgingRow]) -> AgingRow:
    """The total of payer_aging's rows (one per payer, already summed by the database)."""
    buckets = [sum((r.buckets[i] for r in rows), ZERO) for i in range(len(BUCKETS))]
    return AgingRow(key=None, buckets=buckets, name="All payers")


def payer_aging_total(flt: AgingFilter) -> AgingRow:
    return payer_total(payer_aging(flt))


def patient_aging_report(
    flt: AgingFilter, *, limit: int | None = 25
) -> tuple[list[AgingRow], AgingRow]:
    """The largest patient balances (all with limit=None), with name and MRN, and the total
    over every patient, from one query: the total is a window over the per-patient rows,
    computed before the LIMIT."""
    from medoffice.patients.models import Patient

    head, params = _patient_balances_sql(flt)
    last = len(BUCKETS) - 1
    # Bucket i is what is open since its oldest day less what is open since the next newer one.
    parts = ["o0"] + [f"o{i} - o{i - 1}" for i in range(1, last)] + [f"owed - o{last - 1}"]
    columns = [f"b{i}" for i in range(len(BUCKETS))]
    named = ", ".join(f"{part} AS {name}" for part, name in zip(parts, columns, strict=True))
    totals = ", ".join(f"SUM({c}) OVER ()" for c in ("net", *columns))
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    sql = (
        f"{head}, per_patient AS (SELECT patient_id, net, {named} FROM open_since) "  # noqa: S608 (values are parameters)
        f"SELECT patient_id, net, {', '.join(columns)}, {totals} FROM per_patient "
        f"ORDER BY net DESC, patient_id{tail}"
    )
    found = _fetch(sql, params)
    width = len(BUCKETS)
    rows = [_patient_row(r[0], r[1], r[2 : 2 + width]) for r in found]
    total = (
        _patient_row(None, found[0][2 + width], found[0][3 + width :])
        if found
        else AgingRow(key=None, buckets=[ZERO] * width)
    )
    total.name = "All patients"
    people = {
        pk: (f"{family}, {given}", mrn)
        for pk, family, given, mrn in Patient.objects.filter(
            pk__in=[r.key for r in rows]
        ).values_list("pk", "family_name", "given_name", "mrn")
    }
    for row in rows:
        row.name, row.ref = people.get(row.key, (f"Patient {row.key}", ""))
    return rows, total


def _patient_row(key: int | None, net: Any, buckets: Any) -> AgingRow:
    amounts = [_money(v) for v in buckets]
    return AgingRow(key=key, buckets=amounts, credit=_money(net) - sum(amounts, ZERO))


def patient_aging(flt: AgingFilter, *, limit: int | None = 25) -> list[AgingRow]:
    """Patients' balances by bucket, the largest first (the top `limit`), with name and MRN."""
    return patient_aging_report(flt, limit=limit)[0]


def patient_aging_total(flt: AgingFilter) -> AgingRow:
    return patient_aging_report(flt, limit=1)[1]


# --- Revenue-cycle figures ----------------------------------------------------------------------


@dataclass
class Figures:
    as_of: date
    period_start: date
    total_ar: Decimal
    over_90: Decimal
    charges_90_days: Decimal
    period_charges: Decimal
    period_payments: Decimal
    period_contractual: Decimal

    @property
    def average_daily_charges(self) -> Decimal:
        return (self.charges_90_days / 90).quantize(ZERO)

    @property
    def days_in_ar(self) -> Decimal | None:
        """Total A/R / average daily charges over the last 90 days (None without charges)."""
        if self.charges_90_days <= 0:
            return None
        return (self.total_ar * 90 / self.charges_90_days).quantize(Decimal("0.1"))

    @property
    def net_collection_rate(self) -> Decimal | None:
        """Payments / (charges - contractual adjustments), in percent, for the period."""
        expected = self.period_charges - self.period_contractual
        if expected <= 0:
            return None
        return (self.period_payments * 100 / expected).quantize(Decimal("0.1"))

    @property
    def share_over_90(self) -> Decimal | None:
        if self.total_ar <= 0:
            return None
        return (self.over_90 * 100 / self.total_ar).quantize(Decimal("0.1"))


def _sum(rows: Any, *, negate: bool = False) -> Decimal:
    total = rows.aggregate(total=Sum("amount"))["total"]
    return _money(-total if negate and total is not None else total)


def charges_between(start: date, end: date, location_id: int | None = None) -> Decimal:
    """Net charges (revenue credited, less reversed charges) dated start..end inclusive."""
    rows = Posting.objects.filter(
        account=Account.REVENUE, effective_date__gte=start, effective_date__lte=end
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return _sum(rows, negate=True)


def payments_between(start: date, end: date, location_id: int | None = None) -> Decimal:
    """Payments received on the receivables (payers' and patients'), less reversed payments."""
    rows = Posting.objects.filter(
        payment_postings(), effective_date__gte=start, effective_date__lte=end
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return _money(rows.aggregate(total=Sum(payment_received()))["total"])


def contractual_between(start: date, end: date, location_id: int | None = None) -> Decimal:
    rows = Posting.objects.filter(
        account=Account.CONTRACTUAL_ADJUSTMENT, effective_date__gte=start, effective_date__lte=end
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return _sum(rows)


def ar_figures(
    flt: AgingFilter,
    *,
    period_start: date | None = None,
    payers: AgingRow | None = None,
    patients: AgingRow | None = None,
) -> Figures:
    """Days in A/R, net collection rate (period_start..as_of, default: the as-of month) and the
    share of A/R over 90 days, for the filter's location (payer and patient filters ignored).
    A caller that has the location's payer and patient totals already passes them."""
    scope = AgingFilter(as_of=flt.as_of, location_id=flt.location_id)
    payers = payers or payer_aging_total(scope)
    patients = patients or patient_aging_total(scope)
    start = period_start or flt.as_of.replace(day=1)
    return Figures(
        as_of=flt.as_of,
        period_start=start,
        total_ar=payers.total + patients.total,
        over_90=payers.over_90 + patients.over_90,
        charges_90_days=charges_between(flt.as_of - timedelta(days=89), flt.as_of, flt.location_id),
        period_charges=charges_between(start, flt.as_of, flt.location_id),
        period_payments=payments_between(start, flt.as_of, flt.location_id),
        period_contractual=contractual_between(start, flt.as_of, flt.location_id),
    )
