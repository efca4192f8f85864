"""The console script, the demo practice and its logins."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medoffice.accounts.demo import DEMO_LOGINS
from medoffice.accounts.models import User
from medoffice.audit import chain


def _load_starter_tables() -> None:
    from medoffice.coding.starter import load_starter_codes, load_starter_tables

    load_starter_codes()
    load_starter_tables()


def _fingerprint() -> dict[str, object]:
    from medoffice.chart.models import EncounterDiagnosis, EncounterProcedure
    from medoffice.claims.models import Claim
    from medoffice.patients.models import Patient

    return {
        "staff": sorted(User.objects.values_list("username", "first_name", "last_name")),
        "patients": sorted(Patient.objects.values_list("family_name", "given_name", "birth_date")),
        "diagnoses": sorted(EncounterDiagnosis.objects.values_list("code", flat=True)),
        "procedures": sorted(EncounterProcedure.objects.values_list("code__code", flat=True)),
        "claims": sorted(
            Claim.objects.values_list("patient__mrn", "service_date_from", "total_billed", "status")
        ),
    }


@pytest.mark.django_db(transaction=True)
def test_demo_small_is_deterministic_and_complete(capsys, monkeypatch):
    monkeypatch.setenv("MEDOFFICE_DEMO_PASSWORD", "a fine demo password")
    # As after `medoffice migrate`: the starter code tables are there (an earlier transactional
    # test's flush may have emptied them, and the demo's procedures are drawn from them).
    _load_starter_tables()
    call_command("demo", "--size", "small", "--seed", "7", "--quiet")
    users = {u.username: u for u in User.objects.all()}
    assert set(DEMO_LOGINS) <= set(users)
    for username, role in DEMO_LOGINS.items():
        assert users[username].role_codes() == {role.value}
        assert users[username].check_password("a fine demo password")
        assert users[username].locations.exists()
    assert users["admin"].is_staff and not users["manager"].is_staff
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "frontdesk" in out and "a fine demo password" in out
    assert chain.verify().ok
    first = _fingerprint()
    assert first["patients"] and first["diagnoses"] and first["procedures"]
    # Same seed, same practice.
    call_command("flush", "--no-input", verbosity=0)
    _load_starter_tables()
    call_command("demo", "--size", "small", "--seed", "7", "--quiet")
    assert _fingerprint() == first


def test_demo_refuses_a_used_database_unless_if_empty(db, capsys, monkeypatch):
    monkeypatch.setenv("MEDOFFICE_DEMO_PASSWORD", "a fine demo password")
    call_command("demo", "--quiet")
    with pytest.raises(CommandError):
        call_command("demo", "--quiet")
    call_command("demo", "--if-empty", "--quiet")
    assert "already has a practice" in capsys.readouterr().out


def test_generated_demo_password_is_kept_for_later_runs(
    db, capsys, monkeypatch, settings, tmp_path
):
    monkeypatch.delenv("MEDOFFICE_DEMO_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    call_command("demo", "--quiet")
    password = (tmp_path / "demo-password").read_text().strip()
    assert len(password) >= 12
    assert User.objects.get(username="nurse").check_password(password)
    call_command("demo_logins")
    assert password in capsys.readouterr().out


def test_roles_command_prints_the_matrix(capsys):
    call_command("roles")
    out = capsys.readouterr().out
    assert out.startswith("| Capability | Administrator |")


def test_console_script_is_installed():
    script = shutil.which("medoffice") or str(
        __import__("pathlib").Path(sys.executable).with_name("medoffice")
    )
    result = subprocess.run([script, "help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    for command in ("demo", "worker", "token", "audit", "migrate", "runserver"):
        assert command in result.stdout
