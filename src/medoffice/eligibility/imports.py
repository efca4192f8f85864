"""Reading 271 files into the checks they answer.

- Each 271 transaction set is matched to our check by its TRN02 (the trace we sent in the
  270); failing that, by the subscriber's member id among the checks still waiting, on the
  271's eligibility date (DTP*291) when it gives one, else the most recent such check.
- A check is answered once: an answer for a check already answered is reported, not stored.
  A 271 with AAA rejections and no benefits turns the check into an error naming the reasons.
- The whole file is read before anything changes: a file that cannot be read raises a
  ValidationError naming the segment and changes nothing. The same file twice (sha256) is a
  no-op. Everything of one file happens in one transaction, with an audit entry per check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.eligibility.models import (
    OPEN_STATUSES,
    CheckStatus,
    EligibilityCheck,
    EligibilityResponseFile,
)
from medoffice.eligibility.results import rejection_text, response_result
from medoffice.interop.x12.eligibility import EligibilityResponse, read_271
from medoffice.interop.x12.envelope import read_transaction_sets
from medoffice.interop.x12.segments import X12Error, tokenize
from medoffice.patients import names


@dataclass
class ResponseImportResult:
    name: str
    duplicate: bool = False
    answered: dict[str, str] = field(default_factory=dict)  # trace -> answered / error
    already_answered: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # what identified the response

    def summary(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "already_answered": self.already_answered,
            "unmatched": self.unmatched,
        }


def as_text(content: str | bytes) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def is_271(content: str | bytes) -> bool:
    """Whether a file from the clearinghouse holds 271s (other files are not ours to read)."""
    try:
        for segment in tokenize(as_text(content)):
            if segment.id == "ST":
                return segment.get(1) == "271"
    except X12Error:
        return False
    return False


def _parse(text: str) -> list[tuple[EligibilityResponse, str]]:
    """Each response with the text of its ST..SE (kept on the check it answers)."""
    try:
        responses = read_271(text)
        transactions = read_transaction_sets(text, expected_set="271")
    except X12Error as error:
        raise ValidationError(f"Cannot read the 271 file: {error}") from None
    if not responses:
        raise ValidationError("Cannot read the 271 file: it holds no 271 transaction set.")
    texts = []
    for tx in transactions:
        segments = [f"ST*271*{tx.control_number}*{tx.implementation}"]
        segments += ["*".join(s.elements) for s in tx.segments]
        texts.append("~\n".join(segments) + "~")
    return list(zip(responses, texts, strict=True))


def _eligibility_date(response: EligibilityResponse):
    dates = response.coverage_dates.get("291")
    return dates[0] if dates else None


def _match(response: EligibilityResponse) -> EligibilityCheck | None:
    checks = EligibilityCheck.objects.select_related("coverage")
    traces = [t for t in response.trace_numbers if t]
    if traces:
        found = checks.filter(trace_number__in=traces).first()
        if found is not None:
            return found
    member = response.subscriber.member_id if response.subscriber else ""
    if not member:
        return None
    waiting = checks.filter(
        status__in=OPEN_STATUSES, coverage__member_id_norm=names.member_id_key(member)
    )
    on = _eligibility_date(response)
    if on is not None:
        waiting = waiting.filter(service_date=on)
    return waiting.order_by("-requested_at", "-pk").first()


def _describe(response: EligibilityResponse) -> str:
    member = response.subscriber.member_id if response.subscriber else ""
    parts = [f"TRN {', '.join(response.trace_numbers)}" if response.trace_numbers else ""]
    parts.append(f"member {member}" if member else "")
    parts.append(f"rejected: {rejection_text(response.rejections)}" if response.rejections else "")
    return " ".join(p for p in parts if p) or f"payer {response.payer_name or '?'} (no member)"


def _store(check: EligibilityCheck, response: EligibilityResponse, text: str, file, actor, now):
    result = response_result(response)
    rejected = bool(response.rejections) and not response.benefits
    status = CheckStatus.ERROR if rejected else CheckStatus.ANSWERED
    error = f"The payer could not answer: {rejection_text(response.rejections)}" if rejected else ""
    updated = EligibilityCheck.objects.filter(
        pk=check.pk, status__in=(*OPEN_STATUSES, CheckStatus.ERROR), answered_at__isnull=True
    ).update(
        status=status, response_text=text, response_file=file, result=result,
        active=response.active, answered_at=now, error_text=error,
    )  # fmt: skip
    if updated:
        audit_record(
            action="update", actor=actor, object_type="eligibility_check", object_id=check.pk,
            patient_id=check.patient_id,
            details={"trace": check.trace_number, "status": status, "active": response.active,
                     "file": file.name},
        )  # fmt: skip
    return status if updated else None


def eligibility_responses_import(
    *, name: str, content: str | bytes, actor: Any
) -> ResponseImportResult:
    require_capability(actor, Capability.COVERAGE, Need.EDIT)
    text = as_text(content)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    result = ResponseImportResult(name=name)
    if EligibilityResponseFile.objects.filter(sha256=digest).exists():
        result.duplicate = True
        return result
    parsed = _parse(text)
    now = timezone.now()
    try:
        with transaction.atomic():
            file = EligibilityResponseFile.objects.create(
                name=name[:255], sha256=digest, content=text, imported_at=now, imported_by=actor
            )
            for response, tx_text in parsed:
                check = _match(response)
                if check is None:
                    result.unmatched.append(_describe(response))
                    continue
                status = _store(check, response, tx_text, file, actor, now)
                if status is None:
                    result.already_answered.append(check.trace_number)
                else:
                    result.answered[check.trace_number] = status
            file.summary = result.summary()
            file.save(update_fields=["summary"])
            audit_record(
                action="create", actor=actor, object_type="eligibility_response_file",
                object_id=file.pk, details={"name": name, **result.summary()},
            )  # fmt: skip
    except IntegrityError:
        # Another import of the same file won the race: it is known now, so nothing to do.
        if not EligibilityResponseFile.objects.filter(sha256=digest).exists():
            raise
        return ResponseImportResult(name=name, duplicate=True)
    return result
