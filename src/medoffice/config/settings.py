"""MedOffice settings. Every value comes from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from medoffice.config.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_list,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MEDOFFICE_VAR_DIR", str(Path.cwd() / "var"))).resolve()


def _development_secret_key() -> str:
    """A per-checkout key kept in var/, so `make run` needs no configuration.

    Production settings refuse this fallback and require SECRET_KEY.
    """
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = env_str("SECRET_KEY", "") or _development_secret_key()
DEBUG = env_bool("MEDOFFICE_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("MEDOFFICE_HTTPS", False)
# Number of reverse proxies in front of the app whose X-Forwarded-For we trust for audit IPs.
TRUSTED_PROXY_COUNT = env_int("MEDOFFICE_TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "medoffice.core",
    "medoffice.organization",
    "medoffice.accounts",
    "medoffice.audit",
    "medoffice.coding",
    "medoffice.patients",
    "medoffice.chart",
    "medoffice.interop",
    "medoffice.scheduling",
    "medoffice.referrals",
    "medoffice.messaging",
    "medoffice.waitlist",
    "medoffice.frontdesk",
    "medoffice.claims",
    "medoffice.billing",
    "medoffice.remittance",
    "medoffice.submission",
    "medoffice.eligibility",
    "medoffice.reports",
    "medoffice.quality",
    "medoffice.huddle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "medoffice.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "medoffice.accounts.middleware.IdleTimeoutMiddleware",
    "medoffice.accounts.middleware.LoginRequiredMiddleware",
    "medoffice.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "medoffice.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "medoffice.config.urls"
WSGI_APPLICATION = "medoffice.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medoffice.core.context_processors.shell",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'medoffice.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except ValueError as exc:
    raise ConfigError(f"DATABASE_URL is not a database URL: {exc}") from None

if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on busy_timeout
        # instead of failing with "database is locked" when a read transaction upgrades.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("MEDOFFICE_SQLITE_BUSY_TIMEOUT", 20),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            # An upper bound (pages are allocated as they are read, and freed with the
            # connection): a big practice's ledger indexes must fit for bulk posting and A/R.
            f"PRAGMA cache_size=-{env_int('MEDOFFICE_SQLITE_CACHE_MB', 1024) * 1024};"
        ),
    }
    # A file (not :memory:) so tests see WAL and real locking; per process so runs don't collide.
    _database["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_MAX_AGE"] = env_int("MEDOFFICE_DB_CONN_MAX_AGE", 60)
    _database["CONN_HEALTH_CHECKS"] = True
    if not env_bool("MEDOFFICE_PG_JIT", False):
        # Our statements are short (pages, reports under a second): JIT compiling the costlier
        # ones took longer than running them (0.8 s of compiling for 0.3 s of work).
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    raise ConfigError("DATABASE_URL must point at SQLite or PostgreSQL")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("MEDOFFICE_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout: after this many failures within the window, the account (or the source IP) is locked.
LOCKOUT_ACCOUNT_FAILURES = env_int("MEDOFFICE_LOCKOUT_ACCOUNT_FAILURES", 5)
LOCKOUT_IP_FAILURES = env_int("MEDOFFICE_LOCKOUT_IP_FAILURES", 20)
LOCKOUT_WINDOW_MINUTES = env_int("MEDOFFICE_LOCKOUT_WINDOW_MINUTES", 15)
LOCKOUT_MINUTES = env_int("MEDOFFICE_LOCKOUT_MINUTES", 15)
IDLE_TIMEOUT_MINUTES = env_int("MEDOFFICE_IDLE_TIMEOUT_MINUTES", 15)
# PostgreSQL: a transaction that only records that someone *viewed* records commits without
# waiting for the WAL flush (synchronous_commit off), the durability SQLite's WAL mode with
# synchronous=NORMAL gives every commit: a server crash can lose the last fraction of a
# second of view entries, never a change, and never breaks the chain. Off: every entry waits.
AUDIT_FAST_VIEW_COMMIT = env_bool("MEDOFFICE_AUDIT_FAST_VIEW_COMMIT", True)
# PostgreSQL sort memory for one A/R aggregate (SET LOCAL work_mem in its transaction).
REPORT_WORK_MEM_MB = env_int("MEDOFFICE_PG_REPORT_WORK_MEM_MB", 128)
EMERGENCY_ACCESS_HOURS = env_int("MEDOFFICE_EMERGENCY_ACCESS_HOURS", 4)
OTP_TOTP_ISSUER = env_str("MEDOFFICE_OTP_ISSUER", "MedOffice")
OTP_TOTP_THROTTLE_FACTOR = 1

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("MEDOFFICE_SESSION_MAX_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalization -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("MEDOFFICE_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
MEDIA_ROOT = Path(env_str("MEDOFFICE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded documents are PHI: no MEDIA_URL is routed, so they are reachable only through views
# that check access and audit each view or download. Point STORAGES["default"] at an
# S3-compatible backend to keep them off the web server's disk.
MAX_UPLOAD_MB = env_int("MEDOFFICE_MAX_UPLOAD_MB", 20)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the apps' static folders outside production, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = True

# --- Email --------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MedOffice <medoffice@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Without a mail server, messages land as files in var/mail for inspection.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Background jobs ----------------------------------------------------------------------------
TASK_BACKEND = env_str("MEDOFFICE_TASK_BACKEND", "database")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ConfigError("MEDOFFICE_TASK_BACKEND must be database, rq or immediate")

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("MEDOFFICE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Encryption of fields at rest (SSNs): newest key first; see core/crypto.py ---------------
FIELD_ENCRYPTION_KEYS = env_list("MEDOFFICE_FIELD_KEYS", [])
REQUIRE_FIELD_ENCRYPTION_KEYS = False

# --- Practice -----------------------------------------------------------------------------------
PRACTICE_NAME = env_str("MEDOFFICE_PRACTICE_NAME", "MedOffice")

# --- Front desk: long-wait flags on the visit board, the card payment gateway (dotted path) ----
FLOW_LOBBY_WAIT_MINUTES = env_int("MEDOFFICE_FLOW_LOBBY_WAIT_MINUTES", 15)
FLOW_ROOMED_WAIT_MINUTES = env_int("MEDOFFICE_FLOW_ROOMED_WAIT_MINUTES", 20)
PAYMENT_GATEWAY = env_str("MEDOFFICE_PAYMENT_GATEWAY", "medoffice.frontdesk.payments.FakeGateway")
# Write-offs and refunds above this (dollars) wait for a manager's approval.
WRITEOFF_APPROVAL_LIMIT = env_decimal("MEDOFFICE_WRITEOFF_APPROVAL_LIMIT", "100.00")

# --- Claim submission (837P batches, clearinghouse transport, 999/277CA) ------------------------
X12_SENDER_ID = env_str("MEDOFFICE_X12_SENDER_ID", "MEDOFFICE")  # ISA06/GS02 and 1000A NM109
X12_SENDER_QUALIFIER = env_str("MEDOFFICE_X12_SENDER_QUALIFIER", "ZZ")
X12_RECEIVER_ID = env_str("MEDOFFICE_X12_RECEIVER_ID", "CLEARINGHOUSE")  # ISA08/GS03
X12_RECEIVER_QUALIFIER = env_str("MEDOFFICE_X12_RECEIVER_QUALIFIER", "ZZ")
X12_SUBMITTER_CONTACT = env_str("MEDOFFICE_X12_SUBMITTER_CONTACT", "BILLING OFFICE")
X12_SUBMITTER_PHONE = env_str("MEDOFFICE_X12_SUBMITTER_PHONE", "5555550100")
X12_PRODUCTION = env_bool("MEDOFFICE_X12_PRODUCTION", False)  # ISA15 P once certified
X12_VALIDATE = env_bool("MEDOFFICE_X12_VALIDATE", False)  # pyx12 check before a batch is written
CLEARINGHOUSE_TRANSPORT = env_choice(
    "MEDOFFICE_CLEARINGHOUSE_TRANSPORT", ("filedrop", "sftp"), "filedrop"
)
CLEARINGHOUSE_OUTBOX = Path(
    env_str("MEDOFFICE_CLEARINGHOUSE_OUTBOX", str(VAR_DIR / "clearinghouse" / "outbox"))
)
CLEARINGHOUSE_INBOX = Path(
    env_str("MEDOFFICE_CLEARINGHOUSE_INBOX", str(VAR_DIR / "clearinghouse" / "inbox"))
)
CLEARINGHOUSE_USER = env_str("MEDOFFICE_CLEARINGHOUSE_USER", "")  # acts for scheduled polls
SFTP_HOST = env_str("MEDOFFICE_SFTP_HOST", "")
SFTP_PORT = env_int("MEDOFFICE_SFTP_PORT", 22)
SFTP_USER = env_str("MEDOFFICE_SFTP_USER", "")
SFTP_KEY_FILE = env_str("MEDOFFICE_SFTP_KEY_FILE", "")
SFTP_KNOWN_HOSTS = env_str("MEDOFFICE_SFTP_KNOWN_HOSTS", "")
SFTP_REMOTE_OUTBOX = env_str("MEDOFFICE_SFTP_REMOTE_OUTBOX", "inbound")  # where we put 837s
SFTP_REMOTE_INBOX = env_str("MEDOFFICE_SFTP_REMOTE_INBOX", "outbound")  # where 999/277CA wait

# --- Eligibility (270/271) ----------------------------------------------------------------------
# A coverage with an answered check this recent is not checked again before a visit.
ELIGIBILITY_RECENT_DAYS = env_int("MEDOFFICE_ELIGIBILITY_RECENT_DAYS", 7)
# How often the scheduler runs the eligibility job (270s for tomorrow, 271s received).
ELIGIBILITY_INTERVAL_MINUTES = env_int("MEDOFFICE_ELIGIBILITY_INTERVAL_MINUTES", 60)
