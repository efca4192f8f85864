"""Small formatting helpers of the huddle's templates."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def huddle_hours(minutes: int | None) -> str:
    """Minutes as h:mm (capacity and booked time)."""
    minutes = int(minutes or 0)
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.simple_tag
def huddle_days() -> list[tuple[str, str]]:
    return [("today", "Today"), ("tomorrow", "Tomorrow")]
