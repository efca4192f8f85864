"""Revenue KPIs about what payers pay and how fast the office works their answers:
underpayments against the contracted amounts, the payer mix of charges, denial follow-up and
payment posting timeliness (kpis.md "Revenue cycle").

The database groups the rows; Python only shapes the grouped rows. The two timeliness KPIs
count business days (Monday to Friday; the practice's holidays are not a stored calendar the
ledger knows) between two local days, so the database groups by those days (a few hundred
distinct pairs) and Python applies the calendar to each pair.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from medoffice.billing.models import Account, Posting
from medoffice.core.permissions import Capability
from medoffice.reports.kpi import (
    Column,
    Filter,
    Kpi,
    KpiResult,
    ReportFilters,
    Section,
    Target,
    Unit,
    register,
)
from medoffice.reports.kpis_access_common import practice_zone, range_bounds
from medoffice.reports.kpis_revenue_common import (
    ZERO,
    as_date,
    claim_scope,
    money,
    percent,
    period_start,
    periods,
    posting_scope,
    series_of,
    trunc,
    url,
)

TOP_PAYERS = 5
TOP_UNDERPAID_ROWS = 20
SELF_PAY = "Self-pay"
FOLLOW_UP_DAYS = 10  # business days to record an action on a denial
POSTING_DAYS = 4  # business days to post an ERA's money


def business_days_after(start: date, end: date) -> int:
    """Weekdays in (start, end]: 0 when `end` is `start` (or earlier), 1 the next weekday..."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    for offset in range(1, extra + 1):  # at most six days: the calendar, not the rows
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


# --- Underpayments ----------------------------------------------------------------------------


def _patient_share() -> Coalesce:
    """What the payer left to the patient on a line (PR adjustments): with the payment, the
    allowed amount the posting compared with the fee schedule (remittance.posting)."""
    from medoffice.remittance.models import RemittanceAdjustment

    shares = (
        RemittanceAdjustment.objects.filter(line_id=OuterRef("pk"), group="PR")
        .order_by()
        .values("line_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(shares, output_field=DecimalField()), ZERO, output_field=DecimalField()
    )


def underpayments(flt: ReportFilters) -> KpiResult:
    from medoffice.remittance.models import ItemStatus, RemittanceLine

    remittance = "remittance_claim__remittance__"
    lines = (
        RemittanceLine.objects.filter(
            claim_scope(flt, "remittance_claim__claim__"),
            underpaid=True,
            remittance_claim__status__in=[ItemStatus.POSTED, ItemStatus.RESOLVED],
            **{
                f"{remittance}payment_date__gte": flt.start,
                f"{remittance}payment_date__lte": flt.end,
            },
        )
        .annotate(
            short=F("expected") - F("paid") - _patient_share(),
        )
        .filter(short__gt=0)
    )
    grouped = (
        lines.annotate(period=trunc(f"{remittance}payment_date", flt.grain))
        .values("period")
        .annotate(amount=Sum("short"), lines=Count("pk"))
        .order_by()
    )
    per = {as_date(r["period"]): (money(r["amount"]), r["lines"]) for r in grouped}
    payer = "remittance_claim__claim__payer__name"
    top = (
        lines.values(payer, "procedure_code")
        .annotate(amount=Sum("short"), lines=Count("pk"), expected=Sum("expected"))
        .order_by("-amount", payer, "procedure_code")[:TOP_UNDERPAID_ROWS]
    )
    rows = [
        {
            "payer": r[payer],
            "code": r["procedure_code"],
            "lines": r["lines"],
            "expected": money(r["expected"]),
            "amount": money(r["amount"]),
        }
        for r in top
    ]
    return KpiResult(
        headline=sum((amount for amount, _ in per.values()), ZERO) if per else None,
        series=[series_of("Underpaid", flt, {p: amount for p, (amount, _) in per.items()})],
        columns=[
            Column("payer", "Payer"),
            Column("code", "Procedure"),
            Column("lines", "Lines underpaid", Unit.COUNT),
            Column("expected", "Expected", Unit.MONEY),
            Column("amount", "Underpaid", Unit.MONEY),
        ],
        rows=rows,
        drilldown_url=None,  # no list of underpaid lines exists (only each ERA file's page)
        notes=[
            "By the remittance's payment date. Underpaid: the fee schedule's expected amount "
            "less what the payer allowed (paid plus the patient's share), on lines the ERA "
            "posting flagged (denied lines are worked as denials).",
            f"The {TOP_UNDERPAID_ROWS} largest payer and procedure pairs.",
        ],
    )


# --- Payer mix --------------------------------------------------------------------------------


def payer_mix(flt: ReportFilters) -> KpiResult:
    """Each payer's share of gross charges: the revenue postings carry the claim's payer, and a
    self-pay charge (posted without a claim, to the patient) carries none."""
    from medoffice.patients.models import Payer

    rows = Posting.objects.filter(
        posting_scope(flt),
        account=Account.REVENUE,
        effective_date__gte=flt.start,
        effective_date__lte=flt.end,
    )
    grouped = (
        rows.annotate(period=trunc("effective_date", flt.grain))
        .values("period", "payer_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    per: dict[date, dict[int | None, Decimal]] = defaultdict(dict)
    totals: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for r in grouped:  # one row per period and payer
        amount = -money(r["total"])  # revenue is credited
        per[as_date(r["period"])][r["payer_id"]] = amount
        totals[r["payer_id"]] += amount
    names = dict(Payer.objects.filter(pk__in=[k for k in totals if k]).values_list("pk", "name"))
    gross = sum(totals.values(), ZERO)
    ranked = sorted(totals, key=lambda k: (-totals[k], names.get(k, SELF_PAY) if k else ""))
    top, rest = ranked[:TOP_PAYERS], set(ranked[TOP_PAYERS:])

    def label(payer_id: int | None) -> str:
        return names.get(payer_id, f"Payer {payer_id}") if payer_id else SELF_PAY

    def share_of(payer_ids: set[int | None]) -> dict[date, Decimal | None]:
        return {
            p: percent(sum((v for k, v in by.items() if k in payer_ids), ZERO), sum(by.values()))
            for p, by in per.items()
        }

    series = [series_of(label(k), flt, share_of({k})) for k in top]
    if rest:
        series.append(series_of("Other", flt, share_of(rest)))
    return KpiResult(
        headline=percent(totals[ranked[0]], gross) if gross else None,
        series=series,
        columns=[
            Column("payer", "Payer"),
            Column("charges", "Charges", Unit.MONEY),
            Column("share", "Share", Unit.PERCENT),
        ],
        rows=[
            {"payer": label(k), "charges": totals[k], "share": percent(totals[k], gross)}
            for k in ranked
        ],
        drilldown_url=url("billing:ar_report", as_of=flt.end.isoformat(), location=flt.location_id),
        notes=[
            "Gross charges by posting date, net of reversed charges, by the claim's payer; "
            "self-pay charges are their own row. The headline is the largest payer's share.",
        ],
    )


# --- Denial follow-up -------------------------------------------------------------------------


def _first_action() -> Case:
    """When a denial was first acted on: its first update on the denials worklist (owner, due
    date, note or status: DenialWork keeps no time, the audit trail does) or the first appeal
    letter covering it, whichever came first. Reads the annotations "first_update" and
    "first_letter" (FIRST_ACTION_PARTS)."""
    # The earlier of two times either of which may be missing (SQLite's MIN(a, b) is NULL
    # when one is; PostgreSQL's LEAST skips NULLs): each missing one stands in for the other.
    return Case(
        When(first_update__isnull=True, then=F("first_letter")),
        When(Q(first_letter__isnull=True) | Q(first_update__lte=F("first_letter")),
             then=F("first_update")),
        default=F("first_letter"),
    )  # fmt: skip


def _first_action_parts() -> dict[str, Subquery]:
    from medoffice.audit.models import AuditEvent
    from medoffice.remittance.models import AppealLetter

    updated = (
        AuditEvent.objects.filter(
            object_type="denial_work",
            object_id=Cast(OuterRef("pk"), CharField()),
            action="update",
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    covered = AppealLetter.covered.through.objects.filter(denialwork_id=OuterRef("pk"))
    appealed = covered.order_by("appealletter__created_at").values("appealletter__created_at")[:1]
    return {"first_update": Subquery(updated), "first_letter": Subquery(appealed)}


def _files_days(file_ids: set[int]) -> dict[int, date]:
    """Each ERA file's local upload day (files are few: one query, shaped in Python)."""
    from medoffice.remittance.models import RemittanceFile

    zone = practice_zone()
    return {
        pk: timezone.localtime(at, zone).date()
        for pk, at in RemittanceFile.objects.filter(pk__in=file_ids).values_list(
            "pk", "uploaded_at"
        )
    }


def _in_time_result(
    flt: ReportFilters, per: dict[date, list[Any]], *, unit: Unit, series_label: str,
    columns: tuple[str, str, str, str, str], drilldown: str | None, notes: list[str],
) -> KpiResult:  # fmt: skip
    """A "done within N business days" KPI from per-period [measured, in time, not yet due]
    (counts or dollars): the rate of in time over measured, per period and for the range."""
    key, measured_label, on_time_label, waiting_label, rate_label = columns
    measured = sum((v[0] for v in per.values()), 0)
    on_time = sum((v[1] for v in per.values()), 0)
    return KpiResult(
        headline=percent(on_time, measured),
        series=[series_of(series_label, flt, {p: percent(v[1], v[0]) for p, v in per.items()})],
        columns=[
            Column("period", "Period"),
            Column(key, measured_label, unit),
            Column("on_time", on_time_label, unit),
            Column("waiting", waiting_label, unit),
            Column("rate", rate_label, Unit.PERCENT),
        ],
        rows=[
            {
                "period": p,
                key: per[p][0],
                "on_time": per[p][1],
                "waiting": per[p][2],
                "rate": percent(per[p][1], per[p][0]),
            }
            for p in periods(flt)
            if p in per
        ],
        drilldown_url=drilldown,
        notes=notes,
    )


def denial_follow_up(flt: ReportFilters) -> KpiResult:
    """Denied lines by the day their ERA was imported (when they reached the worklist)."""
    from medoffice.remittance.models import DenialWork

    zone = practice_zone()
    since, until = range_bounds(flt, zone)
    file_at = "line__remittance_claim__remittance__file__uploaded_at"
    grouped = (
        DenialWork.objects.filter(
            claim_scope(flt, "line__remittance_claim__claim__"),
            **{f"{file_at}__gte": since, f"{file_at}__lt": until},
        )
        .annotate(**_first_action_parts())
        .annotate(acted=_first_action())
        .annotate(acted_day=TruncDate("acted", tzinfo=zone))
        .values("line__remittance_claim__remittance__file_id", "acted_day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    grouped = list(grouped)
    received = _files_days({r["line__remittance_claim__remittance__file_id"] for r in grouped})
    today = timezone.localdate(timezone=zone)
    # period -> [denials measured, acted on in time, still waiting within their window]
    per: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in grouped:  # one row per ERA file and day of first action
        day = received[r["line__remittance_claim__remittance__file_id"]]
        acted = as_date(r["acted_day"]) if r["acted_day"] is not None else None
        counts = per[period_start(day, flt.grain)]
        if acted is not None and business_days_after(day, acted) <= FOLLOW_UP_DAYS:
            counts[1] += r["n"]
        elif acted is None and business_days_after(day, today) <= FOLLOW_UP_DAYS:
            counts[2] += r["n"]
            continue  # its window is still open: neither on time nor late yet
        counts[0] += r["n"]
    return _in_time_result(
        flt, per, unit=Unit.COUNT, series_label="Denials acted on in time",
        columns=("denials", "Denials",
                 f"Acted on within {FOLLOW_UP_DAYS} business days", "Not yet due",
                 "Follow-up rate"),
        drilldown=url("remittance:denials"),
        notes=[
            "Denied lines by the day their ERA was imported. An action is the first update of "
            "the denial on the worklist (owner, due date, note or status, as the audit trail "
            "dates it) or an appeal letter; business days are Monday to Friday.",
            "Denials without an action whose 10 business days have not yet passed are left out "
            "of the rate (not yet due).",
        ],
    )  # fmt: skip


# --- Payment posting timeliness ---------------------------------------------------------------


def posting_timeliness(flt: ReportFilters) -> KpiResult:
    """ERA claim payments by payment date (BPR16): posted when imported (the import posts in
    the same transaction) or, for a claim the import could not match, when a biller resolved
    it; still unmatched: not posted."""
    from medoffice.remittance.models import ItemStatus, RemittanceClaim

    zone = practice_zone()
    scope = claim_scope(ReportFilters(**{**flt.__dict__, "payer_id": None}), "claim__")
    if flt.payer_id is not None:
        scope &= Q(remittance__payer_id=flt.payer_id)
    grouped = (
        RemittanceClaim.objects.filter(
            scope,
            paid__gt=0,
            status__in=[ItemStatus.POSTED, ItemStatus.RESOLVED, ItemStatus.UNMATCHED],
            remittance__payment_date__gte=flt.start,
            remittance__payment_date__lte=flt.end,
        )
        .annotate(
            resolved_day=Case(
                When(status=ItemStatus.RESOLVED, then=TruncDate("resolved_at", tzinfo=zone)),
                default=Value(None),
            )
        )
        .values("remittance__payment_date", "remittance__file_id", "status", "resolved_day")
        .annotate(dollars=Sum("paid"))
        .order_by()
    )
    grouped = list(grouped)
    uploaded = _files_days({r["remittance__file_id"] for r in grouped})
    today = timezone.localdate(timezone=zone)
    # period -> [dollars measured, posted in time, unmatched and still within their window]
    per: dict[date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for r in grouped:  # one row per payment date, file, status and day resolved
        paid_on, dollars = as_date(r["remittance__payment_date"]), money(r["dollars"])
        if r["status"] == ItemStatus.POSTED:
            posted = uploaded[r["remittance__file_id"]]
        elif r["status"] == ItemStatus.RESOLVED and r["resolved_day"] is not None:
            posted = as_date(r["resolved_day"])
        else:
            posted = None
        sums = per[period_start(paid_on, flt.grain)]
        if posted is not None and business_days_after(paid_on, posted) <= POSTING_DAYS:
            sums[1] += dollars
        elif posted is None and business_days_after(paid_on, today) <= POSTING_DAYS:
            sums[2] += dollars
            continue
        sums[0] += dollars
    return _in_time_result(
        flt, per, unit=Unit.MONEY, series_label="ERA dollars posted in time",
        columns=("dollars", "ERA dollars", f"Posted within {POSTING_DAYS} business days",
                 "Unmatched, not yet due", "Posted in time"),
        drilldown=url("remittance:file_list"),
        notes=[
            "Receipt is the ERA's payment date (BPR16): the office stores no time the 835 "
            "reached the clearinghouse. Posted: the day the file was imported, or the day an "
            "unmatched claim was resolved; business days are Monday to Friday.",
            "Claim payments (not provider-level adjustments); unmatched claims whose window "
            "has not yet passed are left out of the rate.",
        ],
    )  # fmt: skip


R = Capability.REPORTS_REVENUE
NO_PAYER = frozenset({Filter.LOCATION, Filter.DEPARTMENT, Filter.PROVIDER})

for kpi in (
    Kpi("underpayments", "Underpayments", Section.REVENUE, R, Unit.MONEY,
        "Expected (contracted) allowed - paid allowed, summed where positive, by payment date.",
        underpayments, frozenset(Filter), Target(Decimal("0"), "lower", "→ $0"), 60),
    Kpi("payer_mix", "Payer mix", Section.REVENUE, R, Unit.PERCENT,
        "Each payer's share of gross charges (self-pay its own row), by posting date.",
        payer_mix, NO_PAYER, None, 61),
    Kpi("denial_follow_up", "Denial follow-up", Section.REVENUE, R, Unit.PERCENT,
        "Denials with an action recorded within 10 business days ÷ denials.", denial_follow_up,
        frozenset(Filter), Target(Decimal("95"), "higher", "≥ 95%"), 62),
    Kpi("posting_timeliness", "Payment posting timeliness", Section.REVENUE, R, Unit.PERCENT,
        "ERA dollars posted within 4 business days of receipt ÷ ERA dollars.",
        posting_timeliness, frozenset(Filter), Target(Decimal("95"), "higher", "≥ 95%"), 63),
):  # fmt: skip
    register(kpi)
