"""Demo staff: one named login per role, plus the providers and staff of a practice that size."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from medoffice.accounts.models import User
from medoffice.accounts.services import roles_ensure
from medoffice.core.demo import DemoContext, DemoStep
from medoffice.core.permissions import STAFF_ROLES, RoleCode

# The documented demo usernames, one per role.
DEMO_LOGINS: dict[str, RoleCode] = {role.value: role for role in STAFF_ROLES}
TITLES = {
    RoleCode.CLINICIAN: ["MD", "DO", "NP", "PA"],
    RoleCode.NURSE: ["RN", "LPN", "MA"],
}


def create_staff(ctx: DemoContext) -> str:
    roles_ensure()
    locations = ctx.shared["locations"]
    # One hash for everyone: argon2 is deliberately slow, and demo users share the password.
    password_hash = make_password(ctx.password)
    people: list[tuple[User, RoleCode, list[int]]] = []

    def person(username: str, role: RoleCode, location_ids: list[int]) -> None:
        titles = TITLES.get(role, [""])
        user = User(
            username=username,
            first_name=ctx.fake.first_name(),
            last_name=ctx.fake.last_name(),
            title=ctx.rng.choice(titles),
            password=password_hash,
            is_staff=role is RoleCode.ADMIN,
            primary_location_id=location_ids[0],
        )
        user.email = f"{username}@riverside.example"
        people.append((user, role, location_ids))

    all_ids = [loc.pk for loc in locations]
    for username, role in DEMO_LOGINS.items():
        person(username, role, all_ids)
    for i in range(2, ctx.size.providers + 1):
        person(f"provider{i:02d}", RoleCode.CLINICIAN, [locations[i % len(locations)].pk])
    for role in (RoleCode.FRONT_DESK, RoleCode.NURSE, RoleCode.BILLER):
        for i in range(2, ctx.size.staff_per_role * len(locations) + 1):
            person(f"{role.value}{i:02d}", role, [locations[i % len(locations)].pk])

    User.objects.bulk_create([p[0] for p in people], batch_size=500)
    saved = {
        u.username: u for u in User.objects.filter(username__in=[p[0].username for p in people])
    }
    role_links: list[Any] = []
    location_links: list[Any] = []
    for user, role, location_ids in people:
        pk = saved[user.username].pk
        role_links.append(User.roles.through(user_id=pk, role_id=role.value))
        location_links.extend(
            User.locations.through(user_id=pk, location_id=lid) for lid in location_ids
        )
    User.roles.through.objects.bulk_create(role_links, batch_size=1000)
    User.locations.through.objects.bulk_create(location_links, batch_size=1000)
    ctx.shared["providers"] = [saved[p[0].username] for p in people if p[1] is RoleCode.CLINICIAN]
    ctx.shared["users"] = saved
    return f"{len(people)} staff accounts ({len(ctx.shared['providers'])} providers)"


STEPS = [DemoStep("staff", 20, create_staff)]
