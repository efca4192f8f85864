from __future__ import annotations

from typing import Any

from django import template

from medoffice.core.access import can
from medoffice.core.permissions import Capability

register = template.Library()


@register.filter
def may_see_referrals(user: Any) -> bool:
    """Whether the patient's page should load the referrals box (the box's own view checks
    access again and audits the read)."""
    return can(user, Capability.REFERRALS)
