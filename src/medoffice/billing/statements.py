"""Patient statements: who gets one, what is on it, the run as a background job, printing.

`statements_run` (the service) checks the actor and records a `StatementRun`, then queues the
`statements_generate` job, which makes one statement per patient whose balance reaches the
threshold, skipping patients who are deceased, in collections, or on an active payment plan
whose installment is not yet due. A patient gets at most one statement a day (a database
constraint), so running again the same day makes nothing new.

A statement reports the journals since the patient's previous statement, by journal id (a late
posting dated in the past still appears once), per claim line: charges with the date of service
and code, insurance payments, adjustments and the patient's own payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, Max, Q, Sum, Value, When
from django.utils import timezone

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_record
from medoffice.billing import aging, plans
from medoffice.billing.models import (
    MONEY_IN,
    Account,
    CollectionsStatus,
    Journal,
    JournalKind,
    PatientAccount,
    PaymentPlan,
    PlanStatus,
    Posting,
    Statement,
    StatementDelivery,
    StatementLine,
    StatementRun,
    StatementStatus,
    payment_postings,
    payment_received,
)
from medoffice.billing.services import refuse_own_only
from medoffice.core import jobs
from medoffice.core.access import require_capability
from medoffice.core.permissions import Capability, Need

ZERO = Decimal("0.00")
DUE_IN_DAYS = 25
ADJUSTMENT_ACCOUNTS = (
    Account.CONTRACTUAL_ADJUSTMENT,
    Account.OTHER_ADJUSTMENT,
    Account.WRITE_OFF,
)
STATEMENT_ACCOUNTS = (Account.REVENUE, Account.AR_PAYER, Account.AR_PATIENT, *ADJUSTMENT_ACCOUNTS)
SKIP_REASONS = {
    "deceased": "Deceased",
    "collections": "In collections",
    "plan_not_due": "On a payment plan, installment not due",
}
MONEY = DecimalField(max_digits=14, decimal_places=2)


# --- Who gets a statement -----------------------------------------------------------------------


def _patient_balances(minimum: Decimal, through_journal_id: int) -> dict[int, Decimal]:
    rows = (
        Posting.objects.filter(account=Account.AR_PATIENT, journal_id__lte=through_journal_id)
        .values_list("patient_id")
        .annotate(total=Sum("amount"))
        .filter(total__gte=minimum)
        .order_by("patient_id")
    )
    # SQLite adds decimals as floats: back to cents.
    return {pid: total.quantize(ZERO) for pid, total in rows if pid is not None}


def _skips(patient_ids: list[int], as_of: date) -> dict[int, str]:
    """Why some of these patients get no statement (one reason each, the first that applies)."""
    from medoffice.patients.models import Patient

    reasons: dict[int, str] = {}
    plan_not_due = PaymentPlan.objects.filter(
        patient_id__in=patient_ids, status=PlanStatus.ACTIVE, next_due_date__gt=as_of
    ).values_list("patient_id", flat=True)
    collections = PatientAccount.objects.filter(
        patient_id__in=patient_ids, collections_status=CollectionsStatus.IN_COLLECTIONS
    ).values_list("patient_id", flat=True)
    deceased = Patient.objects.filter(
        Q(status="deceased") | Q(deceased_date__isnull=False), pk__in=patient_ids
    ).values_list("pk", flat=True)
    for reason, ids in (("plan_not_due", plan_not_due), ("collections", collections),
                        ("deceased", deceased)):  # fmt: skip
        for pid in ids:
            reasons[pid] = reason
    return reasons


# --- What is on it ------------------------------------------------------------------------------


def _amount_of(condition: Q, *, negate: bool = False) -> Sum:
    amount = -F("amount") if negate else F("amount")
    return Sum(Case(When(condition, then=amount), default=Value(ZERO), output_field=MONEY))


def activity(
    patient_id: int, after_journal_id: int, through_journal_id: int
) -> list[StatementLine]:
    """The patient's activity between two journal ids, one line per journal and claim line
    (unsaved StatementLine rows), oldest first."""
    from medoffice.claims.models import ClaimLine

    rows = list(
        Posting.objects.filter(
            patient_id=patient_id, account__in=(*STATEMENT_ACCOUNTS, *MONEY_IN),
            journal_id__gt=after_journal_id, journal_id__lte=through_journal_id,
        )
        .values("journal_id", "claim_line_id", "journal__kind", "journal__effective_date",
                "journal__memo")
        .annotate(
            charge=_amount_of(Q(account=Account.REVENUE), negate=True),
            insurance=Sum(Case(When(payment_postings((Account.AR_PAYER,)), then=payment_received()),
                               default=Value(ZERO), output_field=MONEY)),
            adjustment=_amount_of(Q(account__in=ADJUSTMENT_ACCOUNTS)),
            patient=_amount_of(Q(account=Account.AR_PATIENT)),
        )
        .order_by("journal__effective_date", "journal_id", "claim_line_id")
    )  # fmt: skip
    line_ids = {r["claim_line_id"] for r in rows if r["claim_line_id"]}
    services = {
        pk: (code, day)
        for pk, code, day in ClaimLine.objects.filter(pk__in=line_ids).values_list(
            "pk", "procedure_code", "date_of_service"
        )
    }
    lines = []
    for r in rows:
        if not (r["charge"] or r["insurance"] or r["adjustment"] or r["patient"]):
            continue
        code, day = services.get(r["claim_line_id"], ("", r["journal__effective_date"]))
        lines.append(
            StatementLine(
                journal_id=r["journal_id"],
                day=day,
                code=code,
                description=_describe(r["journal__kind"], r["journal__memo"], r),
                charge=r["charge"].quantize(ZERO),
                insurance_paid=r["insurance"].quantize(ZERO),
                adjustment=r["adjustment"].quantize(ZERO),
                patient_amount=r["patient"].quantize(ZERO),
            )
        )
    return lines


def _describe(kind: str, memo: str, row: dict[str, Any]) -> str:
    if kind == JournalKind.CHARGE:
        text = "Service"
    elif kind == JournalKind.PAYMENT:
        text = "Insurance payment" if row["insurance"] else "Payment received, thank you"
    elif kind == JournalKind.REMITTANCE:
        text = "Insurance payment" if row["insurance"] else "Processed by your insurance"
    elif kind == JournalKind.PATIENT_TRANSFER:
        text = "Your share after insurance"
    elif kind == JournalKind.ADJUSTMENT:
        text = "Insurance adjustment"
    elif kind == JournalKind.WRITE_OFF:
        text = "Balance adjusted"
    elif kind == JournalKind.REFUND:
        text = "Refund to you"
    else:
        text = "Correction"
    plain = (JournalKind.PAYMENT, JournalKind.REMITTANCE)  # their memo is the office's
    return f"{text}: {memo}"[:300] if memo and kind not in plain else text


def _mail_to(patient: Any) -> tuple[str, list[str], str, bool]:
    """(name, address lines, e-mail, is the patient) of who receives the statement."""
    from medoffice.patients.models import Guarantor

    who = Guarantor.objects.filter(patient=patient).first() or patient
    lines = [who.address_line1, who.address_line2,
             " ".join(p for p in (f"{who.city}," if who.city else "", who.state, who.postal_code) if p)]  # fmt: skip
    return (f"{who.given_name} {who.family_name}", [x for x in lines if x.strip()],
            who.email, who is patient)  # fmt: skip


def _delivery(patient: Any, address: list[str], email: str) -> str:
    if email and patient.consent_to_email and patient.preferred_contact == "email":
        return StatementDelivery.EMAIL
    return StatementDelivery.MAIL if address else StatementDelivery.PRINT


# --- Making them --------------------------------------------------------------------------------


@dataclass
class Made:
    created: bool
    statement: Statement


def statement_make(*, patient: Any, as_of: date, through_journal_id: int, run: StatementRun | None,
                   actor: Any) -> Made:  # fmt: skip
    """One patient's statement of the day (the one already made, when there is one)."""
    existing = Statement.objects.filter(patient=patient, statement_date=as_of).first()
    if existing is not None:
        return Made(False, existing)
    previous = (
        Statement.objects.filter(patient=patient)
        .exclude(status="void")
        .order_by("-through_journal_id")
        .first()
    )
    after = previous.through_journal_id if previous else 0
    lines = activity(patient.pk, after, through_journal_id)
    previous_balance = previous.balance if previous else ZERO
    balance = previous_balance + sum((ln.patient_amount for ln in lines), ZERO)
    plan = plans.active_plan(patient.pk)
    due = max(min(plan.installment_amount, balance) if plan else balance, ZERO)
    buckets = aging.patient_aging_total(aging.AgingFilter(as_of=as_of, patient_id=patient.pk))
    name, address, email, is_patient = _mail_to(patient)
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                patient=patient, run=run, statement_date=as_of,
                due_date=as_of + timedelta(days=DUE_IN_DAYS), mail_to_name=name[:210],
                mail_to_address=address, mail_to_email=email, guarantor_is_patient=is_patient,
                previous_balance=previous_balance, balance=balance, amount_due=due,
                aging=[[label, str(v)] for label, v in zip(aging.BUCKET_LABELS, buckets.buckets, strict=True)],
                through_journal_id=through_journal_id,
                delivery=_delivery(patient, address, email),
            )  # fmt: skip
            for line in lines:
                line.statement = statement
            StatementLine.objects.bulk_create(lines)
            audit_record(
                action="create", actor=actor, object_type="statement", object_id=statement.pk,
                patient_id=patient.pk,
                details={"balance": str(balance), "amount_due": str(due), "lines": len(lines),
                         "run": run.pk if run else None},
            )  # fmt: skip
    except IntegrityError:  # made at the same moment by another run
        return Made(False, Statement.objects.get(patient=patient, statement_date=as_of))
    return Made(True, statement)


def statements_run(*, actor: Any, minimum_balance: Any, as_of: date | None = None) -> StatementRun:
    """Ask for the statements of a day (default today) for every balance ≥ minimum_balance;
    the work runs as a background job whose progress the run's page shows."""
    require_capability(actor, Capability.BILLING, Need.EDIT)
    refuse_own_only(actor, Need.EDIT)
    try:
        minimum = Decimal(str(minimum_balance)).quantize(ZERO)
    except ArithmeticError:
        raise ValidationError({"minimum_balance": "Give an amount, e.g. 5.00."}) from None
    if minimum < Decimal("0.01"):
        raise ValidationError({"minimum_balance": "The minimum balance is at least $0.01."})
    day = as_of or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"as_of": "Statements are not dated in the future."})
    with transaction.atomic():
        run = StatementRun.objects.create(statement_date=day, minimum_balance=minimum, run_by=actor)
        audit_record(action="create", actor=actor, object_type="statement_run", object_id=run.pk,
                     details={"statement_date": day.isoformat(), "minimum": str(minimum)})  # fmt: skip
        job = jobs.enqueue(statements_generate_job, run.pk, actor=actor,
                           label=f"Patient statements of {day}")  # fmt: skip
        StatementRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    run.refresh_from_db()
    return run


def statements_generate(run: StatementRun, progress: Any = None) -> StatementRun:
    """Do a run's work: review payment plans, pick the patients, make their statements."""
    through = Journal.objects.aggregate(last=Max("pk"))["last"] or 0
    plans.plans_review(as_of=run.statement_date, actor=run.run_by)
    balances = _patient_balances(run.minimum_balance, through)
    skips = _skips(list(balances), run.statement_date)
    from medoffice.patients.models import Patient

    wanted = [pid for pid in balances if pid not in skips]
    created = already = 0
    for done, patient in enumerate(Patient.objects.filter(pk__in=wanted).order_by("pk"), start=1):
        made = statement_make(patient=patient, as_of=run.statement_date, through_journal_id=through,
                              run=run, actor=run.run_by)  # fmt: skip
        created, already = created + made.created, already + (not made.created)
        if progress:
            progress(done, len(wanted))
    counted: dict[str, int] = {}
    for reason in skips.values():
        counted[reason] = counted.get(reason, 0) + 1
    StatementRun.objects.filter(pk=run.pk).update(
        considered=len(balances), created=created, already_made=already, skipped=counted,
        finished_at=timezone.now(),
    )  # fmt: skip
    run.refresh_from_db()
    return run


@jobs.job("Make patient statements")
def statements_generate_job(ctx: jobs.JobContext, run_id: int) -> str:
    run = StatementRun.objects.select_related("run_by").get(pk=run_id)
    if run.finished_at is not None:
        return "This run already finished."
    run = statements_generate(run, progress=lambda done, total: ctx.progress(done, total))
    skipped = sum(run.skipped.values())
    return (
        f"{run.created} statements made, {run.already_made} already made today, {skipped} skipped"
    )


def statement_print(*, statement: Statement, actor: Any) -> bytes:
    """The statement's PDF, audited as a print (the caller checked the actor's access)."""
    from medoffice.billing.statement_pdf import statement_pdf

    pdf = statement_pdf(statement)
    with transaction.atomic():
        audit_record(action=AuditAction.PRINT, actor=actor, object_type="statement",
                     object_id=statement.pk, patient_id=statement.patient_id,
                     details={"amount_due": str(statement.amount_due)})  # fmt: skip
    return pdf


def statement_mark_sent(*, statement_id: int, actor: Any) -> Statement:
    """Record that a ready statement went out (printed and mailed, or e-mailed); once."""
    require_capability(actor, Capability.BILLING, Need.EDIT)
    refuse_own_only(actor, Need.EDIT)
    statement = Statement.objects.filter(pk=statement_id).first()
    if statement is None:
        raise ValidationError("No such statement.")
    with transaction.atomic():
        moved = Statement.objects.filter(pk=statement.pk, status=StatementStatus.READY).update(
            status=StatementStatus.SENT
        )
        if not moved:
            raise ValidationError("This statement is not waiting to be sent.")
        audit_record(action="update", actor=actor, object_type="statement", object_id=statement.pk,
                     patient_id=statement.patient_id,
                     details={"status": "sent", "delivery": statement.delivery})  # fmt: skip
    statement.refresh_from_db()
    return statement


def patient_statements(patient_id: int) -> Any:
    return Statement.objects.filter(patient_id=patient_id).order_by("-statement_date", "-pk")


def recent_runs(limit: int = 20) -> Any:
    return StatementRun.objects.select_related("run_by").order_by("-run_at")[:limit]
