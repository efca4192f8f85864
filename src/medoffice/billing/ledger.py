"""Posting to the ledger: the one way money moves in MedOffice.

`post_journal` and `reverse_journal` are building blocks for other services (claims, ERA
posting, desk payments, write-offs): they validate and write, but do not authorize: the calling
service checks the actor's role first, as every service does. Both join the caller's
transaction when there is one, so a claim and its charge journal commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.billing import models as m
from medoffice.billing.models import Account, Journal, JournalKind

__all__ = [
    "Account",
    "Journal",
    "JournalKind",
    "LedgerError",
    "Posting",
    "period_is_closed",
    "post_journal",
    "reverse_journal",
]

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # what DecimalField(max_digits=12, decimal_places=2) holds


class LedgerError(ValidationError):
    """A journal the ledger refuses: unbalanced, malformed, or dated in a closed month."""


@dataclass(frozen=True)
class Posting:
    """One line of a journal to post: debit positive, credit negative."""

    account: str
    amount: Decimal
    patient_id: int | None = None
    payer_id: int | None = None
    claim_id: int | None = None
    claim_line_id: int | None = None
    location_id: int | None = None


def period_is_closed(day: date) -> bool:
    return m.AccountingPeriod.objects.filter(
        year=day.year, month=day.month, closed_at__isnull=False
    ).exists()


def _clean_amount(raw: Any, line: int) -> Decimal:
    try:
        amount = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise LedgerError(f"Line {line}: {raw!r} is not an amount.") from None
    if not amount.is_finite():
        raise LedgerError(f"Line {line}: {raw!r} is not an amount.")
    if amount != amount.quantize(CENT):
        raise LedgerError(f"Line {line}: {amount} has more than two decimal places.")
    if amount == 0:
        raise LedgerError(f"Line {line}: an amount of zero posts nothing.")
    if abs(amount) > MAX_AMOUNT:
        raise LedgerError(f"Line {line}: {amount} is more than the ledger can hold.")
    return amount.quantize(CENT)


def _validate(kind: str, postings: list[Posting], effective_date: date) -> list[Decimal]:
    if kind not in JournalKind.values:
        raise LedgerError(f"{kind!r} is not a kind of journal.")
    if not isinstance(effective_date, date):
        raise LedgerError("A journal needs an effective date.")
    if len(postings) < 2:
        raise LedgerError("A journal has at least two postings (a debit and a credit).")
    amounts = []
    for line, posting in enumerate(postings, start=1):
        if posting.account not in Account.values:
            raise LedgerError(f"Line {line}: {posting.account!r} is not a ledger account.")
        amounts.append(_clean_amount(posting.amount, line))
    total = sum(amounts, Decimal("0.00"))
    if total != 0:
        raise LedgerError(f"The postings do not balance: debits and credits differ by {total}.")
    if period_is_closed(effective_date):
        raise LedgerError(
            f"{effective_date:%B %Y} is closed: post the correction with a date in an open month."
        )
    return amounts


def _existing(idempotency_key: str | None, kind: str) -> Journal | None:
    if not idempotency_key:
        return None
    found = Journal.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None and found.kind != kind:
        raise LedgerError("This idempotency key was already used for another kind of journal.")
    return found


def _write(
    *,
    kind: str,
    postings: list[Posting],
    amounts: list[Decimal],
    effective_date: date,
    actor: Any,
    memo: str,
    source: str,
    source_id: str,
    idempotency_key: str | None,
    reverses: Journal | None = None,
) -> Journal:
    journal = Journal.objects.create(
        kind=kind,
        effective_date=effective_date,
        posted_at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        memo=(memo or "")[:300],
        source=(source or "")[:30],
        source_id=str(source_id or "")[:64],
        idempotency_key=idempotency_key or None,
        reverses=reverses,
    )
    m.Posting.objects.bulk_create(
        m.Posting(
            journal=journal,
            account=p.account,
            amount=amount,
            patient_id=p.patient_id,
            payer_id=p.payer_id,
            claim_id=p.claim_id,
            claim_line_id=p.claim_line_id,
            location_id=p.location_id,
            effective_date=effective_date,
        )
        for p, amount in zip(postings, amounts, strict=True)
    )
    patient_ids = [p.patient_id for p in postings if p.patient_id is not None]
    audit_record(
        action="create",
        actor=actor,
        object_type="journal",
        object_id=journal.pk,
        patient_id=patient_ids[0] if patient_ids else None,
        details={
            "kind": kind,
            "effective_date": effective_date.isoformat(),
            "debits": str(sum((a for a in amounts if a > 0), Decimal("0.00"))),
            "source": journal.source,
            "source_id": journal.source_id,
            "reverses": reverses.pk if reverses else None,
        },
    )
    return journal


def post_journal(
    *,
    kind: str,
    postings: list[Posting],
    effective_date: date,
    actor: Any,
    memo: str = "",
    source: str = "",
    source_id: str = "",
    idempotency_key: str | None = None,
) -> Journal:
    """Post one balanced journal and its audit entry in one transaction.

    Raises LedgerError when the postings do not sum to 0.00, an amount has more than two
    decimals (or is zero), there are fewer than two postings, or the effective date falls in a
    closed month. A repeated idempotency key returns the journal posted the first time.
    """
    postings = list(postings)
    amounts = _validate(kind, postings, effective_date)
    if idempotency_key is not None and len(idempotency_key) > 100:
        raise LedgerError("An idempotency key has at most 100 characters.")
    existing = _existing(idempotency_key, kind)
    if existing is not None:
        return existing
    try:
        # A savepoint: a duplicate key rolls back only this journal, not the caller's work.
        with transaction.atomic():
            return _write(
                kind=kind, postings=postings, amounts=amounts, effective_date=effective_date,
                actor=actor, memo=memo, source=source, source_id=source_id,
                idempotency_key=idempotency_key,
            )  # fmt: skip
    except IntegrityError:
        existing = _existing(idempotency_key, kind)
        if existing is not None:  # the same submission twice at once: the first one counts
            return existing
        raise


def _postings_of(journal: Journal) -> Iterable[m.Posting]:
    return m.Posting.objects.filter(journal=journal).order_by("pk")


def reverse_journal(
    *, journal: Journal, reason: str, actor: Any, effective_date: date | None = None
) -> Journal:
    """Post the mirror image of a journal (every amount negated, same dimensions), dated today
    (or `effective_date`) so a closed month's mistake is corrected in an open one. A journal is
    reversed at most once, and a reversal is not itself reversed (post the original again)."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise LedgerError("Say why this journal is reversed.")
    if journal.kind == JournalKind.REVERSAL:
        raise LedgerError("A reversal cannot be reversed: post the original journal again.")
    if Journal.objects.filter(reverses=journal).exists():
        raise LedgerError(f"Journal {journal.pk} has already been reversed.")
    day = effective_date or timezone.localdate()
    originals = list(_postings_of(journal))
    postings = [
        Posting(
            account=p.account,
            amount=-p.amount,
            patient_id=p.patient_id,
            payer_id=p.payer_id,
            claim_id=p.claim_id,
            claim_line_id=p.claim_line_id,
            location_id=p.location_id,
        )
        for p in originals
    ]
    amounts = _validate(JournalKind.REVERSAL, postings, day)
    try:
        with transaction.atomic():
            return _write(
                kind=JournalKind.REVERSAL, postings=postings, amounts=amounts, effective_date=day,
                actor=actor, memo=f"Reverses journal {journal.pk}: {reason}",
                source="reversal", source_id=str(journal.pk), idempotency_key=None,
                reverses=journal,
            )  # fmt: skip
    except IntegrityError:
        # Two reversals at once: the unique link lets one through.
        raise LedgerError(f"Journal {journal.pk} has already been reversed.") from None
