"""Test settings: the real settings with jobs run in-process and a fast password hasher."""

from __future__ import annotations

from medoffice.config.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TASK_BACKEND = "immediate"
# Argon2 costs ~50 ms per hash by design; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# django-otp's back-off (1 s, 2 s, 4 s... after wrong codes) is tested on its own, with it on.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
