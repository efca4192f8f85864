"""The starter code tables come from data migrations: reload them after a flushing test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def starter_tables(request) -> None:
    names = request.fixturenames
    if "db" in names or "transactional_db" in names:
        request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
        from medoffice.coding.models import Modifier, ProcedureCode
        from medoffice.coding.starter import load_starter_codes, load_starter_tables

        if not ProcedureCode.objects.exists():
            load_starter_codes()
        if not Modifier.objects.exists():
            load_starter_tables()
