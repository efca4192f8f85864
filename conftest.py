"""Shared fixtures: personas per role, signed-in clients, artifacts folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# "inside" it unless told the loop is not serving async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def make_persona(db):
    from medoffice.testing.personas import persona

    return persona


@pytest.fixture
def client_as(db):
    """client_as("frontdesk") -> a Client signed in as that role's persona (2FA verified)."""
    from medoffice.testing.personas import persona, signed_in_client

    def make(role: str, **kwargs):
        return signed_in_client(persona(role, **kwargs))

    return make
