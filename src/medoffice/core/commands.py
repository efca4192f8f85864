"""Helpers shared by management commands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError


def acting_user(username: str, *, what: str = "user") -> Any:
    """The active user a command acts as (`--as-user NAME`): the services it calls check that
    person's role and name them in the audit log."""
    from medoffice.accounts.models import User

    if not username:
        raise CommandError(f"Name the {what} acting: --as-user NAME.")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {username!r}.")
    return user
