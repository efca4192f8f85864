"""The append-only, hash-chained audit trail and what reviews it.

AuditEvent rows are never updated or deleted (a PostgreSQL trigger enforces it); anything
that changes later, such as a compliance review, lives in its own table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    VIEW_LIST = "view_list", "Shown in a list"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGIN_LOCKED = "login_locked", "Sign-in refused: locked"
    LOGOUT = "logout", "Signed out"
    AUTO_LOGOFF = "auto_logoff", "Signed out for inactivity"
    TWO_FACTOR_ENROLLED = "2fa_enrolled", "Two-factor enrolled"
    TWO_FACTOR_VERIFIED = "2fa_verified", "Two-factor verified"
    TWO_FACTOR_FAILED = "2fa_failed", "Two-factor failed"
    TWO_FACTOR_RESET = "2fa_reset", "Two-factor reset"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PERMISSION_DENIED = "permission_denied", "Access refused"
    EMERGENCY_ACCESS = "emergency_access", "Emergency access (break the glass)"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    API_AUTH_FAILED = "api_auth_failed", "API authentication failed"
    ADMIN_CHANGE = "admin_change", "Administrative change"
    AUDIT_REVIEW = "audit_review", "Audit entry reviewed"
    AUDIT_VERIFY = "audit_verify", "Audit chain verified"
    JOB = "job", "Background job"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    DENIED = "denied", "Denied"
    FAILURE = "failure", "Failure"


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. Updating it serializes appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_single_row")]

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    # No separate index: audit_actor_idx (actor, occurred_at) serves look-ups by actor, and every
    # index is paid on each of the many inserts.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    outcome = models.CharField(
        max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    patient_ref = models.CharField(
        max_length=32,
        blank=True,
        help_text="The patient's MRN at the time, so the entry stands alone.",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, default="web")
    reason = models.TextField(blank=True)
    emergency = models.BooleanField(default=False, help_text="Access through break-the-glass")
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["patient_id", "occurred_at"], name="audit_patient_idx"),
            models.Index(fields=["patient_ref", "occurred_at"], name="audit_patient_ref_idx"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(
                fields=["occurred_at"], condition=Q(emergency=True), name="audit_emergency_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_username or 'system'}"


class EmergencyAccess(models.Model):
    """A break-the-glass grant: one user, one patient, a reason, a time limit, a review."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    patient_id = models.BigIntegerField()
    patient_ref = models.CharField(max_length=32, blank=True)
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    audit_event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(
        max_length=20,
        blank=True,
        choices=[("appropriate", "Appropriate"), ("inappropriate", "Inappropriate: follow up")],
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [
            models.Index(fields=["user", "patient_id", "expires_at"], name="emergency_lookup_idx"),
            models.Index(
                fields=["granted_at"],
                condition=Q(reviewed_at__isnull=True),
                name="emergency_unreviewed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Emergency access by {self.user} to patient {self.patient_ref or self.patient_id}"


class AuditFlag(models.Model):
    """A compliance officer's flag or note on an audit entry (the entry itself never changes)."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="flags")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    flagged_at = models.DateTimeField()
    note = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at"]

    def __str__(self) -> str:
        return f"flag on #{self.event_id}"
