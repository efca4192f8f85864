"""Messaging configuration, from the environment (README, "Configuration").

Read through `get()` so tests can override a value with Django's `override_settings`
(a setting of the same name wins over the environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from medoffice.config.env import env_int, env_str

_DEFAULTS: dict[str, Any] = {
    # Where the links in messages point (the address patients reach the site at).
    "MEDOFFICE_PUBLIC_URL": lambda: env_str("MEDOFFICE_PUBLIC_URL", "http://127.0.0.1:8000"),
    "MEDOFFICE_SMS_BACKEND": lambda: env_str("MEDOFFICE_SMS_BACKEND", "file"),
    "MEDOFFICE_SMS_DIR": lambda: env_str("MEDOFFICE_SMS_DIR", str(Path(settings.VAR_DIR) / "sms")),
    "TWILIO_ACCOUNT_SID": lambda: env_str("TWILIO_ACCOUNT_SID", ""),
    "TWILIO_AUTH_TOKEN": lambda: env_str("TWILIO_AUTH_TOKEN", ""),
    "TWILIO_FROM": lambda: env_str("TWILIO_FROM", ""),
    "TWILIO_API_URL": lambda: env_str("TWILIO_API_URL", "https://api.twilio.com"),
    # Quiet hours for texts, in the patient's (the visit location's) zone.
    "MEDOFFICE_QUIET_HOURS_START": lambda: env_int("MEDOFFICE_QUIET_HOURS_START", 21),
    "MEDOFFICE_QUIET_HOURS_END": lambda: env_int("MEDOFFICE_QUIET_HOURS_END", 8),
    "MEDOFFICE_MESSAGE_ATTEMPTS": lambda: env_int("MEDOFFICE_MESSAGE_ATTEMPTS", 3),
    # Waitlist offers: how many patients at once, how long an offer stays open.
    "MEDOFFICE_WAITLIST_OFFERS_AT_ONCE": lambda: env_int("MEDOFFICE_WAITLIST_OFFERS_AT_ONCE", 3),
    "MEDOFFICE_WAITLIST_OFFER_MINUTES": lambda: env_int("MEDOFFICE_WAITLIST_OFFER_MINUTES", 120),
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return _DEFAULTS[name]()


def public_url(path: str) -> str:
    return str(get("MEDOFFICE_PUBLIC_URL")).rstrip("/") + path
