"""Moving many claims at once (an ERA moves thousands): `claims_transition_many` applies the
rules of `claim_transition` to each claim with one conditional UPDATE per (from, to) pair."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record_many
from medoffice.claims.models import TRANSITIONS, Claim, ClaimStatus, ClaimStatusChange
from medoffice.claims.services.common import check_claims_edit_many
from medoffice.core import registry
from medoffice.core.fastinsert import insert_rows, rows_source, update_values

CHUNK = 500  # SQLite's limit on query parameters
_STATUSES = frozenset(ClaimStatus.values)  # the enum's .values is rebuilt on every call


@dataclass(frozen=True)
class StatusMove:
    """One claim's move: the claim as it was read, where it goes, and the move's own facts.
    `via`: statuses it passes through on the way, each step checked against the status table
    and recorded in its history (an ERA for a submitted claim is also its acceptance)."""

    claim: Claim
    to: str
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    payer_claim_number: str = ""
    via: tuple[str, ...] = ()

    def steps(self) -> list[tuple[str, str]]:
        path = [self.claim.status, *self.via, self.to]
        return list(itertools.pairwise(path))


@dataclass
class TransitionsResult:
    moved: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # claim id -> why it did not move


def _refusal(move: StatusMove, reason: str) -> str | None:
    for seen, to in move.steps():
        if to not in _STATUSES:
            return f"{to!r} is not a claim status."
        if to not in TRANSITIONS.get(seen, ()):
            allowed = ", ".join(ClaimStatus(s).label.lower() for s in TRANSITIONS.get(seen, ()))
            return (
                f"A {ClaimStatus(seen).label.lower()} claim cannot become "
                f"{ClaimStatus(to).label.lower()}" + (f" (only {allowed})." if allowed else ".")
            )
        if to in (ClaimStatus.REJECTED, ClaimStatus.DENIED, ClaimStatus.CLOSED) and not reason:
            return "Say why (the payer's reason, or yours)."
    return None


def _with_scrub_errors(claim_ids: list[int]) -> set[int]:
    """Claims whose last scrub found errors: a hand move to ready must not skip the scrubber."""
    findings = Claim._meta.get_field("findings").related_model
    found: set[int] = set()
    for start in range(0, len(claim_ids), CHUNK):
        found.update(
            findings.objects.filter(
                claim_id__in=claim_ids[start : start + CHUNK], severity="error"
            ).values_list("claim_id", flat=True)
        )
    return found


def _move_with_numbers(group: list[StatusMove], seen: str, fields: dict[str, Any]) -> set[int]:
    """PostgreSQL: one UPDATE moves the group's claims still in `seen` and sets the payer's
    claim numbers they came with (an ERA's 17,000 claims: two UPDATEs per claim were the
    import's costliest statements); returns the ids moved."""
    quote = connection.ops.quote_name
    table = quote(Claim._meta.db_table)
    rows = [(move.claim.pk, move.payer_claim_number.strip()[:50]) for move in group]
    _, source, params = rows_source(Claim, ["id", "payer_claim_number"], rows)
    names = list(fields)
    sets = ", ".join(f"{quote(Claim._meta.get_field(name).column)} = %s" for name in names)
    number = quote("payer_claim_number")
    sql = (
        f"UPDATE {table} SET {sets}, {number} = CASE WHEN v.n = '' THEN {table}.{number} "  # noqa: S608
        f"ELSE v.n END FROM ({source}) AS v(id, n) "
        f"WHERE {table}.id = v.id AND {table}.status = %s RETURNING {table}.id"
    )
    values = [
        Claim._meta.get_field(name).get_db_prep_save(fields[name], connection) for name in names
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params, seen])
        return {row[0] for row in cursor.fetchall()}


def _set_payer_claim_numbers(numbers: dict[int, str]) -> None:
    update_values(Claim, ["payer_claim_number"], [(n, pk) for pk, n in numbers.items()])


def claims_transition_many(
    claims_to_status: Mapping[Claim, str] | Iterable[StatusMove],
    *,
    actor: Any,
    reason: str = "",
    audit: bool = True,
) -> TransitionsResult:
    """Move each claim one step from the status it was read with, as `claim_transition` would:
    a move the status table does not allow (or a denial without a reason) is refused, and a
    claim whose status changed meanwhile is skipped; both are reported in `refused` and change
    nothing. The moves that pass are written with one conditional UPDATE per (from, to) pair,
    their status changes with a bulk insert, and one audit entry per claim moved (with
    `audit=False` the caller writes the entries, in the same transaction: an ERA writes one
    per patient for everything it did to that patient's claims).

    Raises AccessDenied when the actor may not move a patient's claims (nothing moves)."""
    if isinstance(claims_to_status, Mapping):
        moves = [StatusMove(claim=c, to=to) for c, to in claims_to_status.items()]
    else:
        moves = list(claims_to_status)
    check_claims_edit_many(actor, dict.fromkeys((move.claim.patient_id, "") for move in moves))
    result = TransitionsResult()
    groups: dict[tuple[str, str, tuple[str, ...]], list[StatusMove]] = {}
    scrub_errors = _with_scrub_errors([m.claim.pk for m in moves if m.to == ClaimStatus.READY])
    for move in moves:
        why = (move.reason or reason or "").strip()[:300]
        refused = _refusal(move, why)
        if not refused and move.to == ClaimStatus.READY and move.claim.pk in scrub_errors:
            refused = (
                "The last scrub found errors: fix them and scrub again, or switch the rule off "
                "in the payer's scrubbing settings."
            )
        if refused:
            result.refused[move.claim.pk] = refused
            continue
        groups.setdefault((move.claim.status, move.to, move.via), []).append(move)
    now = timezone.now()
    done: list[tuple[StatusMove, str]] = []
    with transaction.atomic():
        for (seen, to, via), group in groups.items():
            fields: dict[str, Any] = {"status": to, "status_changed_at": now, "updated_at": now}
            if ClaimStatus.SUBMITTED in (to, *via):
                fields["submitted_at"] = now
            if connection.vendor == "postgresql":
                moved = _move_with_numbers(group, seen, fields)
                for move in group:
                    if move.claim.pk in moved:
                        done.append((move, seen))
                    else:
                        result.refused[move.claim.pk] = "This claim changed meanwhile."
                continue
            for start in range(0, len(group), CHUNK):
                chunk = group[start : start + CHUNK]
                ids = [move.claim.pk for move in chunk]
                count = Claim.objects.filter(pk__in=ids, status=seen).update(**fields)
                if count == len(ids):
                    moved = set(ids)
                else:  # some changed meanwhile: the ones moved carry this move's time
                    moved = set(
                        Claim.objects.filter(
                            pk__in=ids, status=to, status_changed_at=now
                        ).values_list("pk", flat=True)
                    )
                for move in chunk:
                    if move.claim.pk in moved:
                        done.append((move, seen))
                    else:
                        result.refused[move.claim.pk] = "This claim changed meanwhile."
        numbers = {
            move.claim.pk: move.payer_claim_number.strip()[:50]
            for move, _ in done
            if move.payer_claim_number.strip()
        }
        if numbers and connection.vendor != "postgresql":
            _set_payer_claim_numbers(numbers)
        user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        insert_rows(
            ClaimStatusChange,
            ["claim_id", "from_status", "to_status", "at", "actor_id", "reason", "detail"],
            [(move.claim.pk, step_from, step_to, now, user_id,
              (move.reason or reason or "").strip()[:300], move.detail or {})
             for move, _ in done for step_from, step_to in move.steps()],
        )  # fmt: skip
        if audit:
            _audit(done, actor, reason)
    result.moved = [move.claim.pk for move, _ in done]
    return result


def _audit(done: list[tuple[StatusMove, str]], actor: Any, reason: str) -> None:
    refs = registry.patient_refs({move.claim.patient_id for move, _ in done})
    audit_record_many(
        {
            "action": "update", "actor": actor, "object_type": "claim",
            "object_id": move.claim.pk, "patient_id": move.claim.patient_id,
            "patient_ref": refs.get(move.claim.patient_id, ""), "resolve_ref": False,
            "details": {"from": seen, "to": move.to, **({"via": list(move.via)} if move.via else {})},
            "reason": (move.reason or reason or "").strip()[:300],
        }
        for move, seen in done
    )  # fmt: skip
