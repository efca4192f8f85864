"""Configuration from the environment, production hardening, security headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from medoffice.config.env import ConfigError, env_bool, env_int, env_list, env_str


def test_typed_env_helpers():
    env = {"A": "yes", "B": "0", "N": "42", "L": "a, b,,c", "S": "text", "BAD": "maybe"}
    assert env_bool("A", False, env) is True
    assert env_bool("B", True, env) is False
    assert env_bool("MISSING", True, env) is True
    assert env_int("N", 1, env) == 42
    assert env_list("L", None, env) == ["a", "b", "c"]
    assert env_str("S", None, env) == "text"
    with pytest.raises(ConfigError, match="BAD"):
        env_bool("BAD", False, env)
    with pytest.raises(ConfigError, match="N2"):
        env_int("N2", 0, {"N2": "lots"})
    with pytest.raises(ConfigError, match="REQUIRED"):
        env_str("REQUIRED", None, {})


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    skip = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set for Playwright tests only
    full_env = {k: v for k, v in os.environ.items() if k not in skip}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "medoffice.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path: Path):
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_SETTINGS_MODULE": "medoffice.config.production",
            "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
            "ALLOWED_HOSTS": "medoffice.example.org",
            "MEDOFFICE_VAR_DIR": str(tmp_path),
            "MEDOFFICE_FIELD_KEYS": "7o2hzJx0m3bZcQpmzv8S7QeJvQZ7cM4n9zD6Yf0b5hE=",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path):
    result = _run(
        ["check"],
        {
            "DJANGO_SETTINGS_MODULE": "medoffice.config.production",
            "SECRET_KEY": "",
            "MEDOFFICE_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_bad_database_url_is_named(tmp_path: Path):
    result = _run(["check"], {"DATABASE_URL": "mysql://x@y/z", "MEDOFFICE_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_sqlite_is_tuned_for_concurrency(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgresql_runs_without_jit(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_security_headers(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert "camera=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) == 32


def test_request_id_from_proxy_is_kept_when_well_formed(client, db):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123-def-456"})["X-Request-ID"]
        == "abc-123-def-456"
    )
    assert (
        client.get("/healthz", headers={"X-Request-ID": "<script>"})["X-Request-ID"] != "<script>"
    )


def test_csrf_is_enforced(db):
    from django.test import Client

    from medoffice.testing.factories import TEST_PASSWORD
    from medoffice.testing.personas import persona

    persona("frontdesk")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "frontdesk", "password": TEST_PASSWORD})
    assert response.status_code == 403


def test_no_external_assets_in_pages(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_production_needs_field_encryption_keys(tmp_path: Path):
    result = _run(
        ["check", "--deploy"],
        {
            "DJANGO_SETTINGS_MODULE": "medoffice.config.production",
            "SECRET_KEY": "y" * 64,
            "ALLOWED_HOSTS": "medoffice.example.org",
            "MEDOFFICE_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "MEDOFFICE_FIELD_KEYS" in result.stderr
