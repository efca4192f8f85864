"""Referral tests build on the scheduling tests' bookable practice."""

from __future__ import annotations

from datetime import date

import pytest

from medoffice.patients.models import Payer
from medoffice.scheduling.models import AppointmentType
from medoffice.scheduling.tests.conftest import clinic, make_patient, next_weekday_at  # noqa: F401


@pytest.fixture
def injections(clinic):  # noqa: F811
    """A visit type that needs a prior authorization, and a payer."""
    clinic["injection"] = AppointmentType.objects.create(
        name="Joint injection", code="inject", duration_minutes=15, requires_authorization=True,
        service_codes=["20610", "J3301"],
    )  # fmt: skip
    clinic["payer"] = Payer.objects.create(name="Aetna Demo", payer_id="60054")
    return clinic


def auth_data(practice, **overrides):
    data = {
        "payer": practice["payer"], "coverage": None, "auth_number": "A-1001", "service_codes": ["20610"],
        "approved_units": 3, "start_date": date(2020, 1, 1), "end_date": date(2099, 12, 31),
        "low_units_threshold": 1, "notes": "",
    }  # fmt: skip
    data.update(overrides)
    return data
