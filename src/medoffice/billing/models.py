"""The money ledger: double-entry journals that are written once and never changed.

A `Journal` is one money event (a charge, a payment, an adjustment...); its `Posting` rows are
its lines, debits positive and credits negative, and they always sum to zero. A mistake is
corrected by a reversing journal, never by an edit: on PostgreSQL a trigger rejects UPDATE and
DELETE of both tables (migration 0002). Postings carry the patient, payer, claim and claim line
as plain ids (the claims app is separate) so balances are one indexed SUM.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, DecimalField, F, Q, When
from django.utils import timezone


class Account(models.TextChoices):
    AR_PAYER = "ar_payer", "Accounts receivable: payers"
    AR_PATIENT = "ar_patient", "Accounts receivable: patients"
    REVENUE = "revenue", "Patient service revenue"
    CONTRACTUAL_ADJUSTMENT = "contractual_adjustment", "Contractual adjustments"
    OTHER_ADJUSTMENT = "other_adjustment", "Other adjustments"
    WRITE_OFF = "write_off", "Bad debt and write-offs"
    CASH = "cash", "Cash and checks"
    CARD_CLEARING = "card_clearing", "Card clearing"
    REFUNDS_PAYABLE = "refunds_payable", "Refunds payable"
    UNAPPLIED = "unapplied", "Unapplied payments"


class JournalKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment"
    PATIENT_TRANSFER = "patient_transfer", "Transfer to patient"
    REFUND = "refund", "Refund"
    WRITE_OFF = "write_off", "Write-off"
    REVERSAL = "reversal", "Reversal"
    # An ERA's claim: the payer's payment, adjustments and the patient's share in one journal
    # (its receivable credit per line is their sum). ERAs posted before it have a payment, an
    # adjustment and a patient transfer journal per claim.
    REMITTANCE = "remittance", "Insurance remittance"


RECEIVABLES = (Account.AR_PAYER, Account.AR_PATIENT)
MONEY_IN = (Account.CASH, Account.UNAPPLIED)  # what a remittance journal's payment debits


def journal_of_kind(kind: str) -> Q:
    """Postings of journals of this kind, and of their reversals."""
    return Q(journal__kind=kind) | Q(journal__reverses__kind=kind)


def payment_postings(receivables: tuple[str, ...] = RECEIVABLES) -> Q:
    """The postings that record a payment received: a payment journal's credits to the
    receivables (the desk's receipts; an ERA's payment journal before remittance journals), and
    a remittance journal's debits to the money accounts; with their reversals. `receivables`:
    to count only payments credited to these (a remittance pays the payer's)."""
    received = Q(account__in=receivables) & journal_of_kind(JournalKind.PAYMENT)
    if Account.AR_PAYER not in receivables:
        return received
    return received | (Q(account__in=MONEY_IN) & journal_of_kind(JournalKind.REMITTANCE))


def payment_received() -> Case:
    """A payment posting's amount received (positive for money in): the money account's debit,
    or the receivable's credit negated."""
    return Case(
        When(account__in=MONEY_IN, then=F("amount")),
        default=-F("amount"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


class Journal(models.Model):
    kind = models.CharField(max_length=20, choices=JournalKind.choices)
    effective_date = models.DateField(help_text="The accounting date (its month's period)")
    posted_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who posted it (empty for automatic postings)",
        db_index=False,  # nothing looks journals up by who posted them; an ERA posts 50,000
        # Kept by the application (users are deactivated, not deleted; PROTECT is Django's):
        # PostgreSQL checked the same user row once per journal at every ERA's commit.
        db_constraint=False,
    )
    memo = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=30, blank=True, help_text='Where it came from: "era"...')
    source_id = models.CharField(max_length=64, blank=True)
    # One-to-one: a journal can be reversed once.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["effective_date", "pk"]
        indexes = [
            models.Index(fields=["effective_date"], name="journal_date_idx"),
            models.Index(fields=["source", "source_id"], name="journal_source_idx"),
        ]

    def __str__(self) -> str:
        return f"Journal {self.pk} {self.get_kind_display()} {self.effective_date}"


class Posting(models.Model):
    # No database constraint: PostgreSQL checked it for every posting at the commit (an ERA's
    # 110,000, a sixth of its commit-time checks). Postings are written with their journal by
    # the ledger services only, neither can be changed or deleted (append-only triggers;
    # PROTECT is Django's), and ledger_reconcile reports a posting whose journal is missing.
    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="postings", db_constraint=False
    )
    account = models.CharField(max_length=24, choices=Account.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Debit +, credit -")
    patient_id = models.BigIntegerField(null=True, blank=True)
    payer_id = models.BigIntegerField(null=True, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    claim_line_id = models.BigIntegerField(null=True, blank=True)
    location_id = models.BigIntegerField(null=True, blank=True)
    effective_date = models.DateField(help_text="The journal's, copied for period aggregates")

    class Meta:
        ordering = ["journal_id", "pk"]
        indexes = [
            models.Index(fields=["patient_id", "account"], name="posting_patient_idx"),
            # No (payer_id, account) index: every payer query names its account, which the
            # aging index below serves; one index fewer to keep up on each ERA's postings.
            # Amount and date included: the A/R over 90 days report sums recent claims'
            # receivables from it without reading their rows.
            models.Index(
                fields=["claim_id", "account", "effective_date", "amount"],
                name="posting_claim_idx",
            ),
            models.Index(fields=["claim_line_id", "account"], name="posting_claim_line_idx"),
            models.Index(fields=["account", "effective_date"], name="posting_account_date_idx"),
            # A/R aging (billing.aging) groups one account by claim line or by patient: these
            # cover its queries, amount included, so they read no table rows. Each holds its
            # own account's rows only (an ERA's cash and adjustment postings are not kept up in
            # them); a query uses one when its text names the account: `account__is` below.
            models.Index(
                fields=[
                    "account",
                    "payer_id",
                    "claim_id",
                    "claim_line_id",
                    "effective_date",
                    "amount",
                ],
                name="posting_aging_payer_idx",
                condition=Q(account="ar_payer"),
            ),
            models.Index(
                fields=["account", "patient_id", "effective_date", "amount"],
                name="posting_aging_patient_idx",
                condition=Q(account="ar_patient"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=Decimal("0")), name="posting_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"

    @property
    def debit(self) -> Decimal | None:
        return self.amount if self.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.amount if self.amount < 0 else None


def account_sql(account: str, column: str = "account") -> str:
    """`account = 'ar_payer'` with the account written into the statement: SQLite uses a
    partial index (the aging ones above) only when the statement's own text implies its
    condition, which a bound parameter does not. Only the ledger's accounts are accepted."""
    if account not in Account.values:
        raise ValueError(f"{account!r} is not a ledger account.")
    return f"{column} = '{account}'"


class AccountIs(models.Lookup):
    """`Posting.objects.filter(account__is=Account.AR_PAYER)`: account_sql in the ORM."""

    lookup_name = "is"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        return account_sql(str(self.rhs), lhs), list(params)


Posting._meta.get_field("account").register_lookup(AccountIs)


class AccountingPeriod(models.Model):
    """A month of the books. Months are open until closed; a closed month stays closed."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_by__isnull=False),
                name="period_closed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class AdjustmentKind(models.TextChoices):
    WRITE_OFF = "write_off", "Write-off"
    REFUND = "refund", "Refund to patient"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved and posted"
    REJECTED = "rejected", "Rejected"


class AdjustmentRequest(models.Model):
    """A write-off or refund above the approval limit, waiting for a manager."""

    kind = models.CharField(max_length=10, choices=AdjustmentKind.choices)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    patient_id = models.BigIntegerField(null=True, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    journal = models.OneToOneField(
        Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="request"
    )

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="adjreq_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="adjreq_positive"),
            models.CheckConstraint(
                condition=Q(patient_id__isnull=False) | Q(claim_id__isnull=False),
                name="adjreq_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ${self.amount} ({self.get_status_display()})"


class FeeSchedule(models.Model):
    """What the practice bills and expects for each code, per payer (none: self-pay)."""

    payer = models.ForeignKey(
        "patients.Payer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=120)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Last day; empty: open")

    class Meta:
        ordering = ["payer__name", "-effective_from"]
        indexes = [models.Index(fields=["payer", "effective_from"], name="feesched_payer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="feesched_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FeeScheduleItem(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="items")
    code = models.ForeignKey("coding.ProcedureCode", on_delete=models.PROTECT, related_name="+")
    modifier = models.CharField(max_length=2, blank=True)
    billed_amount = models.DecimalField(max_digits=12, decimal_places=2)
    expected_amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["code__code", "modifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "code", "modifier"], name="feeitem_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(billed_amount__gte=Decimal("0")) & Q(expected_amount__gte=Decimal("0")),
                name="feeitem_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_id}{'-' + self.modifier if self.modifier else ''} ${self.billed_amount}"


# --- Patient statements, payment plans, collections ----------------------------------------------


class StatementRun(models.Model):
    """One run of the statement job: who asked, the threshold, and what it made."""

    statement_date = models.DateField()
    minimum_balance = models.DecimalField(max_digits=12, decimal_places=2)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    considered = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    already_made = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict, blank=True, help_text="Reason -> count")

    class Meta:
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"Statements of {self.statement_date} (≥ ${self.minimum_balance})"


class StatementDelivery(models.TextChoices):
    PRINT = "print", "Print in the office"
    MAIL = "mail", "Mail"
    EMAIL = "email", "E-mail"


class StatementStatus(models.TextChoices):
    READY = "ready", "Ready to send"
    SENT = "sent", "Sent"
    VOID = "void", "Voided"


class Statement(models.Model):
    """What a patient (or their guarantor) is told they owe, as of one day. Written once."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(
        StatementRun, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    statement_date = models.DateField()
    due_date = models.DateField()
    mail_to_name = models.CharField(max_length=210)
    mail_to_address = models.JSONField(default=list, help_text="Address lines as printed")
    mail_to_email = models.CharField(max_length=254, blank=True)
    guarantor_is_patient = models.BooleanField(default=True)
    previous_balance = models.DecimalField(max_digits=12, decimal_places=2)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    amount_due = models.DecimalField(max_digits=12, decimal_places=2)
    aging = models.JSONField(default=list, help_text="The balance per bucket: [label, amount]")
    through_journal_id = models.BigIntegerField(help_text="The last journal it reports")
    delivery = models.CharField(max_length=5, choices=StatementDelivery.choices)
    status = models.CharField(
        max_length=5, choices=StatementStatus.choices, default=StatementStatus.READY
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-statement_date", "-pk"]
        indexes = [models.Index(fields=["patient", "statement_date"], name="statement_patient_idx")]
        constraints = [
            # Running the statements twice on one day makes each patient's statement once.
            models.UniqueConstraint(
                fields=["patient", "statement_date"], name="statement_once_a_day"
            ),
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="statement_due_positive"),
        ]

    def __str__(self) -> str:
        return f"Statement {self.pk} of {self.statement_date}: ${self.amount_due} due"


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    journal_id = models.BigIntegerField()
    day = models.DateField()
    description = models.CharField(max_length=300)
    code = models.CharField(max_length=12, blank=True)
    charge = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    insurance_paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    adjustment = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    patient_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"),
        help_text="The change of what the patient owes (payments negative)",
    )  # fmt: skip

    class Meta:
        ordering = ["day", "journal_id", "pk"]

    def __str__(self) -> str:
        return f"{self.day} {self.description}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DEFAULTED = "defaulted", "Defaulted"
    CANCELLED = "cancelled", "Cancelled"


class PaymentPlan(models.Model):
    """A patient pays their balance in monthly installments."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    installment_amount = models.DecimalField(max_digits=12, decimal_places=2)
    frequency = models.CharField(max_length=10, choices=[("monthly", "Monthly")], default="monthly")
    start_date = models.DateField()
    first_due_date = models.DateField()
    next_due_date = models.DateField()
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="active"), name="plan_one_active"
            ),
            models.CheckConstraint(
                condition=Q(installment_amount__gt=0) & Q(installment_amount__lte=F("total")),
                name="plan_installment_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"${self.installment_amount}/month toward ${self.total} ({self.status})"


class CollectionsStatus(models.TextChoices):
    NONE = "none", "Not in collections"
    IN_COLLECTIONS = "collections", "In collections"


class PatientAccount(models.Model):
    """The billing office's standing of a patient's account (collections)."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="billing_account"
    )
    collections_status = models.CharField(
        max_length=12, choices=CollectionsStatus.choices, default=CollectionsStatus.NONE
    )
    agency = models.CharField(max_length=120, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(collections_status="none") | (~Q(agency="") & Q(sent_on__isnull=False)),
                name="account_collections_has_agency",
            ),
        ]

    def __str__(self) -> str:
        return self.get_collections_status_display()
