"""Posting to the ledger: the one way money moves in MedOffice.

`post_journal` and `reverse_journal` are building blocks for other services (claims, ERA
posting, desk payments, write-offs): they validate and write, but do not authorize: the calling
service checks the actor's role first, as every service does. Both join the caller's
transaction when there is one, so a claim and its charge journal commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record, audit_record_many
from medoffice.billing import models as m
from medoffice.billing.models import Account, Journal, JournalKind
from medoffice.core import registry
from medoffice.core.fastinsert import insert_rows

__all__ = [
    "Account",
    "Journal",
    "JournalKind",
    "JournalSpec",
    "LedgerError",
    "Posting",
    "period_is_closed",
    "post_journal",
    "post_journals",
    "reverse_journal",
]

CENT = Decimal("0.01")
_KINDS = frozenset(JournalKind.values)  # the enums build these lists on every access
_ACCOUNTS = frozenset(Account.values)
MAX_AMOUNT = Decimal("9999999999.99")  # what DecimalField(max_digits=12, decimal_places=2) holds


class LedgerError(ValidationError):
    """A journal the ledger refuses: unbalanced, malformed, or dated in a closed month."""


class Posting(NamedTuple):
    """One line of a journal to post: debit positive, credit negative. A named tuple, not a
    model instance or dataclass: bulk posters build one per row (an ERA's hundred thousand)."""

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


def _validate(
    kind: str, postings: list[Posting], effective_date: date, *, check_period: bool = True
) -> list[Decimal]:
    if kind not in _KINDS:
        raise LedgerError(f"{kind!r} is not a kind of journal.")
    if not isinstance(effective_date, date):
        raise LedgerError("A journal needs an effective date.")
    if len(postings) < 2:
        raise LedgerError("A journal has at least two postings (a debit and a credit).")
    amounts = []
    for line, posting in enumerate(postings, start=1):
        if posting.account not in _ACCOUNTS:
            raise LedgerError(f"Line {line}: {posting.account!r} is not a ledger account.")
        amounts.append(_clean_amount(posting.amount, line))
    total = sum(amounts, Decimal("0.00"))
    if total != 0:
        raise LedgerError(f"The postings do not balance: debits and credits differ by {total}.")
    if check_period and period_is_closed(effective_date):
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


@dataclass(frozen=True)
class JournalSpec:
    """One journal for `post_journals`: what `post_journal` takes, less the actor."""

    kind: str
    postings: Sequence[Posting]
    effective_date: date
    memo: str = ""
    source: str = ""
    source_id: str = ""
    idempotency_key: str | None = None


def _closed_months(days: Iterable[date]) -> list[tuple[int, int]]:
    months = {(day.year, day.month) for day in days}
    if not months:
        return []
    closed = m.AccountingPeriod.objects.filter(
        year__in={year for year, _ in months}, closed_at__isnull=False
    ).values_list("year", "month")
    return sorted(months & set(closed))


def _journals_by_key(keys: list[str]) -> dict[str, Journal]:
    found: dict[str, Journal] = {}
    for start in range(0, len(keys), 500):  # SQLite's limit on query parameters
        for journal in Journal.objects.filter(idempotency_key__in=keys[start : start + 500]):
            found[journal.idempotency_key] = journal
    return found


def _validate_many(specs: list[JournalSpec]) -> list[list[Decimal]]:
    amounts = []
    for n, spec in enumerate(specs, start=1):
        try:
            amounts.append(
                _validate(spec.kind, list(spec.postings), spec.effective_date, check_period=False)
            )
            if spec.idempotency_key is not None and len(spec.idempotency_key) > 100:
                raise LedgerError("An idempotency key has at most 100 characters.")
        except LedgerError as exc:
            what = spec.memo or spec.kind
            raise LedgerError(f"Journal {n} ({what}): {'; '.join(exc.messages)}") from None
    closed = _closed_months(spec.effective_date for spec in specs)
    if closed:
        year, month = closed[0]
        raise LedgerError(
            f"{date(year, month, 1):%B %Y} is closed: post the correction with a date in an "
            "open month."
        )
    keys = [spec.idempotency_key for spec in specs if spec.idempotency_key]
    if len(set(keys)) != len(keys):
        raise LedgerError("Two journals of one batch have the same idempotency key.")
    return amounts


def _write_many(
    specs: list[JournalSpec], amounts: list[list[Decimal]], actor: Any, audit: bool
) -> list[int]:
    now = timezone.now()
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    ids = insert_rows(
        Journal,
        ["kind", "effective_date", "posted_at", "actor_id", "memo", "source", "source_id",
         "idempotency_key", "reverses_id"],
        [(spec.kind, spec.effective_date, now, user_id, (spec.memo or "")[:300],
          (spec.source or "")[:30], str(spec.source_id or "")[:64],
          spec.idempotency_key or None, None)
         for spec in specs],
        returning=True,
    )  # fmt: skip
    insert_rows(
        m.Posting,
        ["journal_id", "account", "amount", "patient_id", "payer_id", "claim_id",
         "claim_line_id", "location_id", "effective_date"],
        [(pk, p.account, amount, p.patient_id, p.payer_id, p.claim_id, p.claim_line_id,
          p.location_id, spec.effective_date)
         for pk, spec, spec_amounts in zip(ids, specs, amounts, strict=True)
         for p, amount in zip(spec.postings, spec_amounts, strict=True)],
    )  # fmt: skip
    if audit:
        _audit_many(ids, specs, amounts, actor)
    return ids


def _audit_many(
    ids: list[int], specs: list[JournalSpec], amounts: list[list[Decimal]], actor: Any
) -> None:
    # One audit entry per patient, listing that patient's journals (a journal counts for the
    # first patient it posts to, as post_journal's entry does).
    by_patient: dict[int | None, list[tuple[int, JournalSpec, list[Decimal]]]] = {}
    for pk, spec, spec_amounts in zip(ids, specs, amounts, strict=True):
        patient = next((p.patient_id for p in spec.postings if p.patient_id is not None), None)
        by_patient.setdefault(patient, []).append((pk, spec, spec_amounts))
    refs = registry.patient_refs([pid for pid in by_patient if pid is not None])
    audit_record_many(
        {
            "action": "create", "actor": actor, "object_type": "journal",
            "object_id": items[0][0], "patient_id": patient,
            "patient_ref": refs.get(patient, "") if patient is not None else "",
            "resolve_ref": False,
            "details": {
                "journals": [pk for pk, _, _ in items],
                "kinds": sorted({spec.kind for _, spec, _ in items}),
                "debits": str(sum((a for _, _, amts in items for a in amts if a > 0), CENT * 0)),
                "sources": sorted({f"{spec.source}:{spec.source_id}" for _, spec, _ in items})[:50],
            },
        }
        for patient, items in by_patient.items()
    )  # fmt: skip


def post_journals(
    journals: Sequence[JournalSpec], actor: Any, *, audit: bool = True, keys_are_new: bool = False
) -> list[int]:
    """Post many balanced journals at once (an ERA's thousands), in the caller's transaction.

    Each journal is validated as `post_journal` validates it (the closed months are looked up
    once for the batch); journals and then their postings are written with bulk inserts, with
    one audit entry per patient listing that patient's journals. All or nothing: one journal the
    ledger refuses raises LedgerError naming it, and nothing is written. Returns the journals'
    ids in the order of `journals`; a journal whose idempotency key was used before is not
    posted again: the earlier journal's id takes its place. With `audit=False` the caller
    writes the audit entries in the same transaction (an ERA: one per patient for all it did).
    `keys_are_new`: the caller's keys cannot have been used (they name rows it inserted in this
    transaction), so they are not looked up first; the unique constraint still holds.
    """
    specs = list(journals)
    if not specs:
        return []
    amounts = _validate_many(specs)
    if not connection.features.can_return_rows_from_bulk_insert:  # postings need the ids
        return [
            post_journal(kind=s.kind, postings=list(s.postings), effective_date=s.effective_date,
                         actor=actor, memo=s.memo, source=s.source, source_id=s.source_id,
                         idempotency_key=s.idempotency_key).pk
            for s in specs
        ]  # fmt: skip
    existing = (
        {}
        if keys_are_new
        else _journals_by_key([s.idempotency_key for s in specs if s.idempotency_key])
    )
    for spec in specs:
        found = existing.get(spec.idempotency_key or "")
        if found is not None and found.kind != spec.kind:
            raise LedgerError("This idempotency key was already used for another kind of journal.")
    new = [n for n, spec in enumerate(specs) if (spec.idempotency_key or "") not in existing]
    if keys_are_new:
        # No key can be taken: no savepoint to fall back from, so on PostgreSQL the server
        # need not have finished the inserts before the caller goes on (core.copyoverlap).
        written = _write_many([specs[n] for n in new], [amounts[n] for n in new], actor, audit)
        return _ids_in_order(specs, existing, written, new)
    try:
        with transaction.atomic():
            written = _write_many([specs[n] for n in new], [amounts[n] for n in new], actor, audit)
    except IntegrityError:
        # A key taken meanwhile by another writer: post one by one (the first one counts).
        return [
            post_journal(kind=s.kind, postings=list(s.postings), effective_date=s.effective_date,
                         actor=actor, memo=s.memo, source=s.source, source_id=s.source_id,
                         idempotency_key=s.idempotency_key).pk
            for s in specs
        ]  # fmt: skip
    return _ids_in_order(specs, existing, written, new)


def _ids_in_order(
    specs: list[JournalSpec], existing: dict[str, Journal], written: list[int], new: list[int]
) -> list[int]:
    result = [
        existing[spec.idempotency_key].pk if (spec.idempotency_key or "") in existing else 0
        for spec in specs
    ]
    for n, pk in zip(new, written, strict=True):
        result[n] = pk
    return result
