"""Production settings: the same code, hardened. Use DJANGO_SETTINGS_MODULE=medoffice.config.production."""

from __future__ import annotations

from medoffice.config.env import ConfigError, env_bool, env_int, env_str
from medoffice.config.settings import *  # noqa: F403

SECRET_KEY = env_str("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ConfigError("Production needs SECRET_KEY: 50 or more random characters")

DEBUG = False
HTTPS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("MEDOFFICE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("MEDOFFICE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("MEDOFFICE_HSTS_PRELOAD", True)
WHITENOISE_USE_FINDERS = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
REQUIRE_FIELD_ENCRYPTION_KEYS = True
