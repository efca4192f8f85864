"""Fee schedules: what the practice bills and expects for each procedure code, per payer.

Writes only (reads are in selectors). A payer's schedules never overlap in time; the CSV
importer loads a whole schedule atomically and names the first bad line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from medoffice.audit.services import audit_record
from medoffice.billing.models import FeeSchedule, FeeScheduleItem
from medoffice.billing.services import parse_amount, refuse_own_only
from medoffice.coding.models import ProcedureCode
from medoffice.core.access import require_capability
from medoffice.core.permissions import Capability, Need

MAX_FEE = Decimal("999999.99")
CSV_COLUMNS = ("code", "modifier", "billed", "expected")


def _require_edit(actor: Any) -> None:
    require_capability(actor, Capability.BILLING, Need.EDIT)
    refuse_own_only(actor, Need.EDIT)


def _check_no_overlap(
    payer_id: int | None, start: date, end: date | None, exclude: int | None = None
) -> None:
    if end is not None and end < start:
        raise ValidationError({"effective_to": "The last day comes on or after the first."})
    clash = FeeSchedule.objects.filter(payer_id=payer_id).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=start)
    )
    if end is not None:
        clash = clash.filter(effective_from__lte=end)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    other = clash.first()
    if other is not None:
        raise ValidationError(
            {"effective_from": f"These dates overlap {other.name} (from {other.effective_from})."}
        )


def fee_schedule_create(
    *, payer_id: int | None, name: str, effective_from: date, effective_to: date | None, actor: Any
) -> FeeSchedule:
    _require_edit(actor)
    return _create(
        payer_id=payer_id, name=name, effective_from=effective_from, effective_to=effective_to,
        actor=actor,
    )  # fmt: skip


def _create(
    *, payer_id: int | None, name: str, effective_from: date, effective_to: date | None, actor: Any
) -> FeeSchedule:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the schedule a name."})
    if payer_id is not None:
        from medoffice.patients.models import Payer

        if not Payer.objects.filter(pk=payer_id).exists():
            raise ValidationError({"payer": "No such payer."})
    _check_no_overlap(payer_id, effective_from, effective_to)
    with transaction.atomic():
        schedule = FeeSchedule.objects.create(
            payer_id=payer_id, name=name[:120], effective_from=effective_from,
            effective_to=effective_to,
        )  # fmt: skip
        audit_record(
            action="create", actor=actor, object_type="fee_schedule", object_id=schedule.pk,
            details={"payer": payer_id, "from": str(effective_from), "to": str(effective_to or "")},
        )  # fmt: skip
    return schedule


def fee_schedule_end(
    *, schedule: FeeSchedule, effective_to: date | None, actor: Any
) -> FeeSchedule:
    """Change the last day a schedule is in force (e.g. when the next contract starts)."""
    _require_edit(actor)
    _check_no_overlap(schedule.payer_id, schedule.effective_from, effective_to, exclude=schedule.pk)
    with transaction.atomic():
        FeeSchedule.objects.filter(pk=schedule.pk).update(effective_to=effective_to)
        audit_record(
            action="update", actor=actor, object_type="fee_schedule", object_id=schedule.pk,
            details={"to": str(effective_to or "")},
        )  # fmt: skip
    schedule.refresh_from_db()
    return schedule


@dataclass(frozen=True)
class FeeLine:
    code: str
    modifier: str
    billed: Decimal
    expected: Decimal
    number: int = 0  # the CSV line it came from


def fee_line(code: str, modifier: str, billed: Any, expected: Any) -> FeeLine:
    """A clean line, or ValidationError saying what is wrong with it."""
    code = (code or "").strip().upper()
    modifier = (modifier or "").strip().upper()
    if not code:
        raise ValidationError({"code": "Give a procedure code."})
    if len(modifier) > 2 or (modifier and not modifier.isalnum()):
        raise ValidationError({"modifier": "A modifier is two letters or digits."})
    billed_amount = parse_amount(billed, field="billed", maximum=MAX_FEE)
    expected_amount = parse_amount(expected, field="expected", maximum=MAX_FEE)
    if expected_amount > billed_amount:
        raise ValidationError({"expected": "The expected amount is at most the billed amount."})
    return FeeLine(code, modifier, billed_amount, expected_amount)


def _codes(lines: list[FeeLine]) -> dict[str, ProcedureCode]:
    return {c.code: c for c in ProcedureCode.objects.filter(code__in={ln.code for ln in lines})}


def _upsert(schedule: FeeSchedule, line: FeeLine, code: ProcedureCode) -> None:
    FeeScheduleItem.objects.update_or_create(
        schedule=schedule, code=code, modifier=line.modifier,
        defaults={"billed_amount": line.billed, "expected_amount": line.expected},
    )  # fmt: skip


def fee_item_set(*, schedule: FeeSchedule, line: FeeLine, actor: Any) -> FeeScheduleItem:
    """Add a line to a schedule, or change the amounts of the code's existing line."""
    _require_edit(actor)
    code = _codes([line]).get(line.code)
    if code is None:
        raise ValidationError({"code": f"{line.code} is not a known procedure code."})
    with transaction.atomic():
        _upsert(schedule, line, code)
        audit_record(
            action="update", actor=actor, object_type="fee_schedule", object_id=schedule.pk,
            details={"code": line.code, "modifier": line.modifier, "billed": str(line.billed),
                     "expected": str(line.expected)},
        )  # fmt: skip
    return FeeScheduleItem.objects.get(schedule=schedule, code=code, modifier=line.modifier)


def parse_fee_csv(text: str) -> list[FeeLine]:
    """code,modifier,billed,expected (a header row first). Errors name the file's line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if header[: len(CSV_COLUMNS)] != list(CSV_COLUMNS):
        raise ValidationError(f"Line 1: the header must be {','.join(CSV_COLUMNS)}.")
    reader.fieldnames = header
    lines: list[FeeLine] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        number = reader.line_num
        try:
            line = fee_line(row.get("code") or "", row.get("modifier") or "",
                            row.get("billed") or "", row.get("expected") or "")  # fmt: skip
        except ValidationError as exc:
            detail = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
            raise ValidationError(f"Line {number}: {detail}") from None
        key = (line.code, line.modifier)
        if key in seen:
            raise ValidationError(
                f"Line {number}: {line.code} {line.modifier} repeats line {seen[key]}."
            )
        seen[key] = number
        lines.append(replace(line, number=number))
    if not lines:
        raise ValidationError("The file has no fee lines.")
    return lines


def fee_schedule_import(
    *,
    payer_id: int | None,
    effective_from: date,
    text: str,
    actor: Any,
    name: str = "",
    from_command_line: bool = False,
) -> tuple[FeeSchedule, int]:
    """Load a schedule from CSV, all or nothing. The payer's schedule starting that day is
    reused (its lines updated to the file's), so running the same import twice changes
    nothing; otherwise a new open-ended schedule is made. Returns (schedule, lines).
    `from_command_line`: run by whoever operates the server (`medoffice billing import-fees`),
    who needs no role; actor is then None unless --as-user names one."""
    if not from_command_line:
        _require_edit(actor)
    lines = parse_fee_csv(text)
    codes = _codes(lines)
    for line in lines:
        if line.code not in codes:
            raise ValidationError(f"Line {line.number}: {line.code} is not a known procedure code.")
    with transaction.atomic():
        schedule = FeeSchedule.objects.filter(
            payer_id=payer_id, effective_from=effective_from
        ).first()
        if schedule is None:
            schedule = _create(
                payer_id=payer_id, effective_from=effective_from, effective_to=None, actor=actor,
                name=name or f"Imported {effective_from:%Y-%m-%d}",
            )  # fmt: skip
        for line in lines:
            _upsert(schedule, line, codes[line.code])
        audit_record(
            action="update", actor=actor, object_type="fee_schedule", object_id=schedule.pk,
            details={"imported_lines": len(lines)},
        )  # fmt: skip
    return schedule, len(lines)
