"""Merging a duplicate record (source) into the record that survives (target).

A merge is proposed, reviewed, then executed (or cancelled). Execution moves every row that
points at the source to the target, found generically from Django's model meta: every
foreign key and one-to-one to Patient in every app (coverage, documents, consents, the chart,
identifiers, contacts, alerts, and whatever later apps add) and every generic relation
(content type + object id, e.g. interop's ExternalReference). Rows that cannot move because
the target already has the same one (a unique constraint: a second guarantor, the same
policy twice) are dropped and the target's kept; what was dropped is recorded on the merge.
The audit trail is not moved: each record keeps its own history.

Who merges: roles that edit demographics (the front desk). Office managers and the others
view demographics only, so they may review the worklist but not merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from medoffice.audit.services import audit_record_many
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import (
    DuplicateDismissal,
    MergeStatus,
    Patient,
    PatientMerge,
    PatientStatus,
)

# Bookkeeping about the pair itself: it stays with the records it names.
NOT_MOVED = (PatientMerge, DuplicateDismissal)
EARLIER_MERGES_LABEL = "Records merged into it earlier"
MAX_MERGE_HOPS = 20

# Demographics copied from the source when the target has none: one by one...
FILL_IF_EMPTY = (
    "middle_name", "suffix", "preferred_name", "gender_identity", "pronouns", "race",
    "ethnicity", "phone_mobile", "phone_home", "phone_work", "email", "ssn",
    "primary_care_provider", "preferred_pharmacy", "home_location",
)  # fmt: skip
# ...and the address only as a whole, so two addresses are never mixed.
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code")


def resolve_merged(patient_id: int) -> int:
    """The id of the record that survives: follows merged_into (one hop, as merges re-point
    earlier ones). An unknown id comes back unchanged. For pages that read a patient: when
    this differs from the id asked for, redirect to the survivor."""
    current = int(patient_id)
    for _ in range(MAX_MERGE_HOPS):
        row = Patient.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if row is None:
            return current
        current = row
    return current


# --- What points at a patient ------------------------------------------------------------


@dataclass(frozen=True)
class RelatedKind:
    """One way a row can point at a patient: a model and its field (or generic pair)."""

    model: type[models.Model]
    field_name: str
    label: str
    content_type_field: str | None = None  # generic relations: the content type column
    unique: bool = False  # moving may collide with a unique constraint: go row by row

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field_name}"

    def rows_of(self, patient: Patient) -> models.QuerySet[Any]:
        manager = self.model._base_manager  # every row, whatever the default manager hides
        if self.content_type_field:
            return manager.filter(
                **{
                    self.content_type_field: ContentType.objects.get_for_model(Patient),
                    self.field_name: patient.pk,
                }
            )
        return manager.filter(**{self.field_name: patient.pk})


def _label(model: type[models.Model], field_label: str, several: bool) -> str:
    name = str(model._meta.verbose_name_plural)
    name = name[:1].upper() + name[1:]
    return f"{name} ({field_label})" if several else name


def _collides(model: type[models.Model], *field_names: str) -> bool:
    """Whether a unique rule covers one of these fields (so moving a row may collide)."""
    opts = model._meta
    for name in field_names:
        if opts.get_field(name).unique:
            return True
    for constraint in opts.constraints:
        # An expression-based constraint (no fields) may involve anything: assume it does.
        if isinstance(constraint, models.UniqueConstraint) and (
            not constraint.fields or set(constraint.fields) & set(field_names)
        ):
            return True
    return any(set(together) & set(field_names) for together in opts.unique_together)


def related_kinds() -> list[RelatedKind]:
    """Every foreign key, one-to-one and generic relation that can point at a patient."""
    found: list[tuple[type[models.Model], str, str, str | None]] = []
    for rel in Patient._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete) or rel.many_to_many:
            continue
        model = rel.related_model
        if model in NOT_MOVED or model is Patient:
            continue  # Patient.merged_into is handled on its own
        found.append((model, rel.field.name, str(rel.field.verbose_name), None))
    for model in apps.get_models():
        if model in NOT_MOVED:
            continue
        for private in model._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                found.append((model, private.fk_field, private.name, private.ct_field))
    per_model: dict[type[models.Model], int] = {}
    for model, *_ in found:
        per_model[model] = per_model.get(model, 0) + 1
    kinds = []
    for model, field_name, field_label, ct_field in found:
        columns = (field_name, ct_field) if ct_field else (field_name,)
        kinds.append(
            RelatedKind(
                model=model,
                field_name=field_name,
                label=_label(model, field_label, per_model[model] > 1),
                content_type_field=ct_field,
                unique=_collides(model, *columns),
            )
        )
    return sorted(kinds, key=lambda k: k.label)


# --- The plan shown before a merge ----------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    label: str
    count: int
    may_collide: bool  # the target may already have one: its copy is kept


@dataclass(frozen=True)
class FieldFill:
    name: str
    label: str
    value: str


@dataclass
class MergePlan:
    source: Patient
    target: Patient
    lines: list[PlanLine] = field(default_factory=list)
    fills: list[FieldFill] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.count for line in self.lines)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _display(patient: Patient, name: str) -> str:
    if name == "ssn":
        return patient.ssn_masked
    value = getattr(patient, name)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _fills(source: Patient, target: Patient) -> list[FieldFill]:
    """Fields the target lacks and the source has (values shown; the SSN masked)."""
    fills = []
    for name in FILL_IF_EMPTY:
        model_field = Patient._meta.get_field(name)
        attname = model_field.attname
        if _is_empty(getattr(target, attname)) and not _is_empty(getattr(source, attname)):
            fills.append(FieldFill(name, str(model_field.verbose_name), _display(source, name)))
    if all(_is_empty(getattr(target, n)) for n in ADDRESS_FIELDS) and not all(
        _is_empty(getattr(source, n)) for n in ADDRESS_FIELDS
    ):
        for name in ADDRESS_FIELDS:
            if not _is_empty(getattr(source, name)):
                label = str(Patient._meta.get_field(name).verbose_name)
                fills.append(FieldFill(name, label, _display(source, name)))
    return fills


def merge_problems(source: Patient, target: Patient) -> list[str]:
    problems = []
    if source.pk == target.pk:
        problems.append("A record cannot be merged into itself.")
    if source.status == PatientStatus.MERGED:
        problems.append(f"Record {source.mrn} was already merged into another record.")
    if target.status == PatientStatus.MERGED:
        problems.append(
            f"Record {target.mrn} was itself merged; merge into the record it survives as."
        )
    return problems


def merge_plan(source: Patient, target: Patient) -> MergePlan:
    """Everything a merge of source into target would move, with counts (no PHI content)."""
    plan = MergePlan(source=source, target=target, problems=merge_problems(source, target))
    for kind in related_kinds():
        count = kind.rows_of(source).count()
        if count:
            plan.lines.append(PlanLine(kind.label, count, kind.unique))
    earlier = Patient.objects.filter(merged_into=source).count()
    if earlier:
        plan.lines.append(PlanLine(EARLIER_MERGES_LABEL, earlier, False))
    plan.fills = _fills(source, target)
    return plan


# --- Proposing, executing, cancelling --------------------------------------------------------


def _authorize(actor: Any, *patient_ids: int) -> None:
    require_capability(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    for pid in patient_ids:
        patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, pid)


def _audit_pair(actor: Any, merge: PatientMerge, action: str, **details: Any) -> None:
    audit_record_many(
        {
            "action": action,
            "actor": actor,
            "object_type": "patient_merge",
            "object_id": merge.pk,
            "patient_id": pid,
            "details": {"merge": merge.pk, "role": role, **details},
        }
        for pid, role in ((merge.source_id, "source"), (merge.target_id, "target"))
    )


def merge_propose(*, actor: Any, source: Patient, target: Patient, reason: str) -> PatientMerge:
    """Propose merging source (the duplicate) into target (the record that stays)."""
    _authorize(actor, source.pk, target.pk)
    reason = " ".join((reason or "").split())
    errors = merge_problems(source, target)
    if errors:
        raise ValidationError(errors)
    if not reason:
        raise ValidationError({"reason": "Say why these are the same person."})
    try:
        with transaction.atomic():
            merge = PatientMerge.objects.create(
                source=source, target=target, reason=reason[:300], proposed_by=actor
            )
            _audit_pair(actor, merge, "create", status=MergeStatus.PROPOSED)
    except IntegrityError:
        raise ValidationError(
            f"A merge of record {source.mrn} is already waiting for review."
        ) from None
    return merge


@dataclass(frozen=True)
class MergeOutcome:
    merge: PatientMerge
    executed: bool  # False: it had already run or been cancelled, and nothing happened now
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    fields_copied: tuple[str, ...] = ()


def _move_rows(
    kind: RelatedKind, source: Patient, target: Patient, dropped_rows: list[dict[str, Any]]
) -> tuple[int, int]:
    """Point this kind's rows at the target; returns (moved, dropped)."""
    rows = kind.rows_of(source)
    new_value = {kind.field_name: target.pk}
    if not kind.unique:
        return rows.update(**new_value), 0
    moved = dropped = 0
    for row in rows.order_by("pk"):
        try:
            with transaction.atomic():  # a savepoint: a collision undoes only this row
                kind.model._base_manager.filter(pk=row.pk).update(**new_value)
            moved += 1
        except IntegrityError:
            description = str(row)[:200]
            try:
                with transaction.atomic():
                    row.delete()
            except (ProtectedError, RestrictedError):
                raise ValidationError(
                    f"{kind.label}: both records have “{description}” and the duplicate's copy "
                    "is still in use elsewhere. Resolve it by hand, then merge."
                ) from None
            dropped += 1
            dropped_rows.append({"kind": kind.label, "id": row.pk, "text": description})
    return moved, dropped


def _copy_demographics(source: Patient, target: Patient) -> tuple[str, ...]:
    from medoffice.patients.services import apply_derived_fields

    copied = [fill.name for fill in _fills(source, target)]
    if not copied:
        return ()
    for name in copied:
        attname = Patient._meta.get_field(name).attname
        setattr(target, attname, getattr(source, attname))
    apply_derived_fields(target)
    target.save(update_fields=[*copied, "phone_digits", "ssn_last4", "updated_at"])
    return tuple(copied)


def merge_execute(*, actor: Any, merge: PatientMerge) -> MergeOutcome:
    """Run a proposed merge, all or nothing. Running it again does nothing (the status moves
    from proposed to done with a conditional update, so only one run ever claims it)."""
    _authorize(actor, merge.source_id, merge.target_id)
    now = timezone.now()
    with transaction.atomic():
        claimed = PatientMerge.objects.filter(pk=merge.pk, status=MergeStatus.PROPOSED).update(
            status=MergeStatus.DONE, decided_by=actor, decided_at=now
        )
        if not claimed:
            merge.refresh_from_db()
            return MergeOutcome(merge=merge, executed=False)
        marked = (
            Patient.objects.filter(pk=merge.source_id)
            .exclude(status=PatientStatus.MERGED)
            .update(status=PatientStatus.MERGED, merged_into=merge.target_id, updated_at=now)
        )
        target_ok = (
            Patient.objects.filter(pk=merge.target_id)
            .exclude(status=PatientStatus.MERGED)
            .update(updated_at=now)
        )
        if not marked or not target_ok:
            raise ValidationError(
                "One of the two records was merged elsewhere meanwhile; propose the merge again."
            )
        source = Patient.objects.get(pk=merge.source_id)
        target = Patient.objects.get(pk=merge.target_id)
        moved: dict[str, int] = {}
        dropped: dict[str, int] = {}
        dropped_rows: list[dict[str, Any]] = []
        for kind in related_kinds():
            n_moved, n_dropped = _move_rows(kind, source, target, dropped_rows)
            if n_moved:
                moved[kind.label] = moved.get(kind.label, 0) + n_moved
            if n_dropped:
                dropped[kind.label] = dropped.get(kind.label, 0) + n_dropped
        earlier = Patient.objects.filter(merged_into=source).exclude(pk=source.pk)
        if n_earlier := earlier.update(merged_into=target):
            moved[EARLIER_MERGES_LABEL] = n_earlier
        copied = _copy_demographics(source, target)
        summary = {
            "moved": moved,
            "dropped": dropped,
            "dropped_rows": dropped_rows,
            "fields_copied": list(copied),
        }
        PatientMerge.objects.filter(pk=merge.pk).update(moved=summary)
        merge.refresh_from_db()
        _audit_pair(
            actor,
            merge,
            "update",
            status=MergeStatus.DONE,
            moved=moved,
            dropped=dropped,
            fields_copied=list(copied),
        )
    return MergeOutcome(merge, True, moved, dropped, copied)


def merge_cancel(*, actor: Any, merge: PatientMerge) -> bool:
    """Cancel a proposal that has not run; False when it had already run or been cancelled."""
    _authorize(actor, merge.source_id, merge.target_id)
    with transaction.atomic():
        cancelled = PatientMerge.objects.filter(pk=merge.pk, status=MergeStatus.PROPOSED).update(
            status=MergeStatus.CANCELLED, decided_by=actor, decided_at=timezone.now()
        )
        if cancelled:
            merge.refresh_from_db()
            _audit_pair(actor, merge, "update", status=MergeStatus.CANCELLED)
    return bool(cancelled)


def merges_waiting() -> models.QuerySet[PatientMerge]:
    return PatientMerge.objects.filter(status=MergeStatus.PROPOSED).select_related(
        "source", "target", "proposed_by"
    )
