"""Encryption of individual fields at rest (e.g. Social Security numbers).

Keys come from MEDOFFICE_FIELD_KEYS: comma-separated Fernet keys, newest first; older keys
still decrypt, so keys can be rotated. Outside production a key is generated into var/.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _development_key() -> str:
    path = Path(settings.VAR_DIR) / "field_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


@functools.lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []))
    if not keys:
        if getattr(settings, "REQUIRE_FIELD_ENCRYPTION_KEYS", False):
            raise ImproperlyConfigured("Set MEDOFFICE_FIELD_KEYS (Fernet keys) in production.")
        keys = [_development_key()]
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"MEDOFFICE_FIELD_KEYS holds a malformed key: {exc}") from None


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted field cannot be read with the configured keys."
        ) from None


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plain text back. Not searchable."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if value in (None, ""):
            return value or ""
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value or ""
        return encrypt(str(value))
