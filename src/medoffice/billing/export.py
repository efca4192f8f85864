"""A closed month's journals as CSV for the practice's accounting software.

Two layouts: QuickBooks Online's journal-entry import and Xero's manual-journal import. One
line per account per journal (a journal's postings to the same account are added up); no
patient data leaves: descriptions name the journal and its kind, never a patient.
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from decimal import Decimal

from django.core.exceptions import ValidationError

from medoffice.billing import selectors
from medoffice.billing.models import Account, AccountingPeriod, JournalKind

FORMATS = ("quickbooks", "xero")

# Default codes in a typical chart of accounts; map them to yours on import.
XERO_CODES: dict[str, str] = {
    Account.CASH: "1000",
    Account.CARD_CLEARING: "1010",
    Account.AR_PAYER: "1100",
    Account.AR_PATIENT: "1110",
    Account.UNAPPLIED: "2100",
    Account.REFUNDS_PAYABLE: "2110",
    Account.REVENUE: "4000",
    Account.CONTRACTUAL_ADJUSTMENT: "4900",
    Account.OTHER_ADJUSTMENT: "4910",
    Account.WRITE_OFF: "6900",
}
QUICKBOOKS_HEADER = ["JournalNo", "JournalDate", "AccountName", "Debits", "Credits", "Description"]
XERO_HEADER = ["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"]


def _lines(year: int, month: int) -> list[tuple[int, str, object, str, Decimal]]:
    """(journal id, kind, date, account, amount) per account per journal, in journal order."""
    grouped: OrderedDict[tuple[int, str], list] = OrderedDict()
    for posting in selectors.period_postings(year, month):
        key = (posting.journal_id, posting.account)
        if key not in grouped:
            grouped[key] = [posting.journal.kind, posting.effective_date, Decimal("0.00")]
        grouped[key][2] += posting.amount
    return [
        (journal_id, kind, day, account, amount)
        for (journal_id, account), (kind, day, amount) in grouped.items()
        if amount != 0
    ]


def period_export(*, year: int, month: int, fmt: str) -> str:
    """The CSV text of a closed month in QuickBooks Online or Xero layout."""
    if fmt not in FORMATS:
        raise ValidationError(f"Choose one of: {', '.join(FORMATS)}.")
    if not AccountingPeriod.objects.filter(
        year=year, month=month, closed_at__isnull=False
    ).exists():
        raise ValidationError("Only a closed month is exported (its numbers no longer change).")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    labels = dict(Account.choices)
    kinds = dict(JournalKind.choices)
    if fmt == "quickbooks":
        writer.writerow(QUICKBOOKS_HEADER)
        for journal_id, kind, day, account, amount in _lines(year, month):
            writer.writerow([
                f"MO-{journal_id}", day.strftime("%m/%d/%Y"), labels[account],
                f"{amount:.2f}" if amount > 0 else "", f"{-amount:.2f}" if amount < 0 else "",
                f"MedOffice journal {journal_id}: {kinds[kind]}",
            ])  # fmt: skip
    else:
        writer.writerow(XERO_HEADER)
        for journal_id, kind, day, account, amount in _lines(year, month):
            writer.writerow([
                f"MedOffice journal {journal_id}: {kinds[kind]}", day.strftime("%m/%d/%Y"),
                labels[account], XERO_CODES[account], "Tax Exempt", f"{amount:.2f}",
            ])  # fmt: skip
    return out.getvalue()
