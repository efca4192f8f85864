"""Fixtures for the FHIR tests: a patient's whole record, API clients, R4B validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

DATA = Path(__file__).parent / "data"
SAMPLES = sorted(DATA.glob("*.json"))


def assert_valid_fhir(resource: dict[str, Any]) -> Any:
    """Every resource we emit must validate with the fhir.resources R4B models."""
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.fixture
def record(db):
    from medoffice.interop.tests.builders import make_record

    return make_record()


@pytest.fixture
def token_client(db):
    """token_client("biller") -> (Client sending that persona's Bearer token, user)."""
    from medoffice.accounts.services import api_token_create
    from medoffice.testing.factories import LocationFactory
    from medoffice.testing.personas import persona

    def make(role: str, **kwargs: Any) -> tuple[Client, Any]:
        username = kwargs.pop("username", f"api-{role}")
        user = persona(role, username=username, location=LocationFactory())
        _, raw = api_token_create(actor=user, user=user, name="fhir tests", **kwargs)
        return Client(headers={"Authorization": f"Bearer {raw}"}), user

    return make


def fhir_json(response) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    return json.loads(response.content)


def post_fhir(client: Client, path: str, body: Any, method: str = "post", **headers: str):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(
        path, data=data, content_type="application/fhir+json", headers=headers
    )
