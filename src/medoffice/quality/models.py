"""Quality-improvement initiatives: a goal on one KPI, and the plan-do-study-act cycles tried.

The initiative page answers "did it work?": the KPI's baseline (over the baseline period,
computed when the initiative is created and editable), its latest value and the change, on the
KPI's chart since the baseline period began with each cycle marked where it started.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class InitiativeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"


class Initiative(models.Model):
    title = models.CharField(max_length=200)
    problem = models.TextField("Problem statement")
    kpi_key = models.CharField("Goal metric", max_length=60)
    grain = models.CharField(max_length=10, default="month")  # reports.kpi.Grain of the chart
    baseline_start = models.DateField()
    baseline_end = models.DateField()
    # The KPI over the baseline period; None when there was nothing to measure.
    baseline_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(max_digits=12, decimal_places=2)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=InitiativeStatus.choices, default=InitiativeStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["status", "-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                name="initiative_baseline_ordered",
                condition=models.Q(baseline_start__lte=models.F("baseline_end")),
            )
        ]

    def __str__(self) -> str:
        return self.title


class PdsaCycle(models.Model):
    """One plan-do-study-act cycle: what was tried, when, and what it showed."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveSmallIntegerField()
    plan = models.TextField()
    do = models.TextField(blank=True)
    study = models.TextField(blank=True)
    act = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    result_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["initiative", "number"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "number"], name="pdsa_number_unique"),
            models.CheckConstraint(
                name="pdsa_dates_ordered",
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"PDSA {self.number}"
