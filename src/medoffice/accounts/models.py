"""Users, roles, API tokens and login throttling."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from medoffice.core.permissions import RoleCode


class Role(models.Model):
    """A role is a permission set from the matrix in core.permissions; this row holds its policy."""

    code = models.CharField(max_length=20, primary_key=True, choices=RoleCode.choices)
    requires_2fa = models.BooleanField(
        "requires two-factor authentication",
        default=False,
        help_text="People with this role must enroll an authenticator app before they can work.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return RoleCode(self.code).label


class User(AbstractUser):
    roles = models.ManyToManyField(Role, related_name="users", blank=True)
    locations = models.ManyToManyField(
        "organization.Location",
        related_name="staff",
        blank=True,
        help_text="Where this person works.",
    )
    primary_location = models.ForeignKey(
        "organization.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=100, blank=True, help_text="e.g. MD, NP, RN, Billing lead")
    may_overbook = models.BooleanField(
        default=False,
        help_text="May book over another visit (where the visit type allows) or outside a provider's hours.",
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    if TYPE_CHECKING:

        def is_verified(self) -> bool:  # added per request by django-otp's middleware
            ...

    # Roles are read on nearly every request; cache them on the instance.
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = (
                frozenset(self.roles.values_list("code", flat=True)) if self.pk else frozenset()
            )
            self._role_codes = cached
        return cached

    def effective_role_codes(self) -> frozenset[str]:
        """Roles narrowed to an API token's scope when the request authenticated with one."""
        scope: frozenset[str] | None = getattr(self, "_token_scope", None)
        roles = self.role_codes()
        return roles & scope if scope is not None else roles

    def requires_2fa(self) -> bool:
        cached = getattr(self, "_requires_2fa", None)
        if cached is None:
            cached = self.roles.filter(requires_2fa=True).exists() if self.pk else False
            self._requires_2fa = cached
        return cached


def token_digest(raw_token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(raw_token.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognize the token")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.JSONField(
        default=list,
        blank=True,
        help_text="Role codes this token may use; empty means all of the user's roles.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """Failure counters for one username or one source address."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["locked_until"],
                condition=Q(locked_until__isnull=False),
                name="throttle_locked_idx",
            )
        ]

    def __str__(self) -> str:
        return self.key
