from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from medoffice.accounts.models import User
from medoffice.organization.models import Department, Location, Practice

TEST_PASSWORD = "correct horse battery staple 42"  # noqa: S105 (test fixture)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice
        django_get_or_create = ("name",)

    name = "Test Medical Group"
    time_zone = "America/New_York"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")
    code = factory.Sequence(lambda n: f"loc{n}")
    time_zone = "America/New_York"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"dept{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.LazyFunction(lambda: make_password(TEST_PASSWORD))

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            from medoffice.accounts.services import roles_ensure

            roles_ensure()
            self.roles.set([str(r) for r in extracted])
            self.is_staff = "admin" in {str(r) for r in extracted}
            self.save(update_fields=["is_staff"])
            self._role_codes = None

    @factory.post_generation
    def locations(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.locations.set(extracted)
