"""A practice's own KPI targets (kpis.md: "let a manager override them per practice")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class KpiTarget(models.Model):
    """Overrides the industry target value of one KPI; the direction stays the KPI's."""

    kpi_key = models.CharField(max_length=60, unique=True)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kpi_key}: {self.value}"


from medoffice.reports.models_schedules import *  # noqa: E402, F403  (report schedules)
