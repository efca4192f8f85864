from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def age_today(patient: Any) -> int | None:
    """The patient's age in whole years today (in the practice's time zone)."""
    if not getattr(patient, "birth_date", None):
        return None
    return int(patient.age_on(timezone.localdate()))
