"""Named people, one per role, as the tests' cast: `persona("frontdesk")`.

A persona's client is signed in with a verified second factor, as a real session would be.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from medoffice.accounts.models import User
from medoffice.core.permissions import STAFF_ROLES, RoleCode
from medoffice.testing.factories import LocationFactory, UserFactory

PERSONA_NAMES: dict[RoleCode, tuple[str, str]] = {
    RoleCode.ADMIN: ("Ada", "Admin"),
    RoleCode.MANAGER: ("Maria", "Manager"),
    RoleCode.FRONT_DESK: ("Fran", "Desk"),
    RoleCode.BILLER: ("Bill", "Coder"),
    RoleCode.CLINICIAN: ("Clara", "Clinician"),
    RoleCode.NURSE: ("Nora", "Nurse"),
    RoleCode.PURCHASING: ("Pat", "Purchasing"),
    RoleCode.HR: ("Harper", "Resources"),
    RoleCode.COMPLIANCE: ("Connie", "Compliance"),
}

ALL_STAFF_ROLES = [r.value for r in STAFF_ROLES]


def persona(role: RoleCode | str, *, username: str | None = None, location=None) -> User:
    role = RoleCode(role)
    first, last = PERSONA_NAMES.get(role, ("Pat", "Person"))
    if location is None:
        from medoffice.organization.models import Location

        code = f"home-{role.value}"
        location = Location.objects.filter(code=code).first() or LocationFactory(
            code=code, name=f"Home clinic of {role.value}"
        )
    return UserFactory(
        username=username or role.value,
        first_name=first,
        last_name=last,
        roles=[role],
        locations=[location],
    )


def signed_in_client(user: User, *, verified: bool = True) -> Client:
    client = Client()
    client.force_login(user)
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
