from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from medoffice.accounts import services
from medoffice.accounts.models import LoginThrottle, User
from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need, RoleCode


def _security(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "has_totp": services.has_confirmed_totp(user),  # type: ignore[arg-type]
        "requires_2fa": user.requires_2fa(),  # type: ignore[union-attr]
        "recovery_left": services.recovery_codes_left(user),  # type: ignore[arg-type]
        "last_login": user.last_login,  # type: ignore[union-attr]
    }


def _administration(request: HttpRequest) -> dict[str, Any]:
    has_device = Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    active = User.objects.filter(is_active=True)
    needs = (
        active.filter(roles__requires_2fa=True)
        .annotate(has_device=has_device)
        .filter(has_device=False)
        .distinct()
    )
    return {
        "active_users": active.count(),
        "missing_2fa": list(needs.values_list("username", flat=True)[:20]),
        "locked": list(
            LoginThrottle.objects.filter(locked_until__gt=timezone.now()).values_list(
                "key", flat=True
            )[:20]
        ),
    }


def _my_staff(request: HttpRequest) -> dict[str, Any]:
    location_ids = list(request.user.locations.values_list("pk", flat=True))  # type: ignore[union-attr]
    staff = (
        User.objects.filter(is_active=True, locations__in=location_ids)
        .values("roles__code")
        .annotate(n=Count("pk", distinct=True))
        .order_by("roles__code")
    )
    return {
        "by_role": [
            {"role": RoleCode(r["roles__code"]).label, "n": r["n"]}
            for r in staff
            if r["roles__code"]
        ],
        "locations": list(request.user.locations.values_list("name", flat=True)),  # type: ignore[union-attr]
        "without_login_30d": User.objects.filter(is_active=True, locations__in=location_ids)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=timezone.now() - timedelta(days=30)))
        .distinct()
        .count(),
    }


def register_all() -> None:
    anyone = AccessRule("authenticated")
    home.register(
        home.HomePanel(
            "security",
            "Your sign-in security",
            "accounts/panels/security.html",
            anyone,
            _security,
            order=50,
        )
    )
    home.register(
        home.HomePanel(
            "administration",
            "Administration",
            "accounts/panels/administration.html",
            AccessRule("capability", Capability.SETTINGS, Need.EDIT),
            _administration,
            order=10,
        )
    )
    home.register(
        home.HomePanel(
            "my_staff",
            "Your team",
            "accounts/panels/my_staff.html",
            AccessRule("role", roles=frozenset({RoleCode.MANAGER})),
            _my_staff,
            order=20,
        )
    )
    navigation.register(
        navigation.NavItem(
            "admin",
            "System admin",
            "admin:index",
            AccessRule("role", roles=frozenset({RoleCode.ADMIN})),
            group=navigation.SETUP,
            order=90,
        )
    )
