from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from medoffice.core.models import JobRun


def jobs_visible_to(user: Any) -> QuerySet[JobRun]:
    """People see the jobs they started."""
    return JobRun.objects.filter(requested_by=user).order_by("-created_at")
