"""System checks that catch a misconfigured installation at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def field_encryption_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    if (
        getattr(settings, "REQUIRE_FIELD_ENCRYPTION_KEYS", False)
        and not settings.FIELD_ENCRYPTION_KEYS
    ):
        return [
            Error(
                "MEDOFFICE_FIELD_KEYS is not set: fields such as Social Security numbers cannot be encrypted.",
                hint='Generate one with: python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"',
                id="medoffice.E001",
            )
        ]
    return []
