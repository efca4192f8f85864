from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.audit import selectors
from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.models import JobRun
from medoffice.core.permissions import Capability, Need


def _compliance(request: HttpRequest) -> dict[str, Any]:
    last_verify = (
        JobRun.objects.filter(task_path__endswith="verify_audit_chain")
        .order_by("-created_at")
        .first()
    )
    return {"summary": selectors.security_summary(), "last_verify": last_verify}


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "audit",
            "Audit log",
            "audit:event_list",
            AccessRule("capability", Capability.AUDIT_LOG),
            group=navigation.COMPLIANCE,
            order=20,
        )
    )
    navigation.register(
        navigation.NavItem(
            "emergency",
            "Emergency access",
            "audit:emergency_list",
            AccessRule("capability", Capability.AUDIT_LOG, Need.EDIT),
            group=navigation.COMPLIANCE,
            order=30,
        )
    )
    home.register(
        home.HomePanel(
            "compliance",
            "Privacy and security, last 24 hours",
            "audit/panels/compliance.html",
            AccessRule("capability", Capability.AUDIT_LOG, Need.EDIT),
            _compliance,
            order=10,
        )
    )
