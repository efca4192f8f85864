"""Login throttling per account and per source address.

Counters move with conditional UPDATEs so parallel failures are all counted; a key that
reaches its limit within the window is locked for LOCKOUT_MINUTES.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from medoffice.accounts.models import LoginThrottle


def account_key(username: str) -> str:
    return f"user:{username.strip().lower()}"[:200]


def ip_key(ip: str | None) -> str | None:
    return f"ip:{ip}" if ip else None


def locked_until(keys: list[str | None]) -> datetime | None:
    """The latest lock among these keys that is still in force."""
    now = timezone.now()
    return (
        LoginThrottle.objects.filter(key__in=[k for k in keys if k], locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )


def register_failure(key: str | None, limit: int) -> bool:
    """Count one failure; returns True when this failure locked the key."""
    if key is None:
        return False
    now = timezone.now()
    window = timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)
    with transaction.atomic():
        # A stale window (and any expired lock) starts over.
        LoginThrottle.objects.filter(key=key, window_started_at__lt=now - window).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lte=now)
        ).update(failures=0, window_started_at=now, locked_until=None)
        if not LoginThrottle.objects.filter(key=key).update(failures=F("failures") + 1):
            try:
                with transaction.atomic():
                    LoginThrottle.objects.create(key=key, failures=1, window_started_at=now)
            except IntegrityError:
                LoginThrottle.objects.filter(key=key).update(failures=F("failures") + 1)
        return bool(
            LoginThrottle.objects.filter(key=key, failures__gte=limit)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .update(locked_until=now + timedelta(minutes=settings.LOCKOUT_MINUTES))
        )


def clear(key: str | None) -> None:
    if key:
        LoginThrottle.objects.filter(key=key).delete()
