"""Settings shared by every deployment. Secrets and keys come from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("REGISTRY_VAR_DIR", BASE_DIR / "var"))

REGISTRY_ROLE = os.environ.get("REGISTRY_ROLE", "province")  # province | national
REGISTRY_AGENCY_CODE = os.environ.get("REGISTRY_AGENCY_CODE", "440000")
# Staff must confirm a TOTP device at login when this is on (a deployment choice).
REGISTRY_REQUIRE_STAFF_MFA = os.environ.get("REGISTRY_REQUIRE_STAFF_MFA", "0") == "1"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "registry.core",
    "registry.orgs",
    "registry.accounts",
    "registry.audit",
    "registry.people",
    "registry.documents",
    "registry.collection",
    "registry.qualifications",
    "registry.continuing_education",
    "registry.talents",
    "registry.credit",
    "registry.changes",
    "registry.extensions",
    "registry.stats",
    "registry.imports",
    "registry.sync",
    "registry.transfers",
    "registry.ops",
    "django_tasks_db",
]
if REGISTRY_ROLE == "national":
    INSTALLED_APPS.append("registry.hub")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "registry.accounts.middleware.IdleTimeoutMiddleware",
    "registry.accounts.middleware.StaffMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registry.accounts.context.actor",
            ],
            "builtins": ["registry.core.templatetags.registry_tags"],
        },
    }
]


def database_config() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'registry.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while one writer commits; IMMEDIATE avoids
        # "database is locked" upgrades in the middle of a transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "registry.collection.auth.ArchiveOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "people:list"

# Lockout: 5 failures per username and address lock the login for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 8 * 3600
SESSION_IDLE_SECONDS = int(os.environ.get("REGISTRY_SESSION_IDLE_SECONDS", "1800"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
]
# Uploaded proofs (SM4-GCM ciphertext). Never served as MEDIA_URL: only through audited views.
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "registry"}}

# Background work (imports) queues in the database; `registry db_worker` runs it (make run starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "registry@localhost"

# Keys for personal data live outside the database: SM4 data key(s) and the
# blind-index key, hex encoded. The first data key encrypts; all decrypt.
REGISTRY_DATA_KEYS = [k for k in os.environ.get("REGISTRY_DATA_KEYS", "").split(",") if k]
REGISTRY_INDEX_KEY = os.environ.get("REGISTRY_INDEX_KEY", "")

# The national hub, as a provincial node reaches it (spec docs/interface/README.md), and this node's key.
REGISTRY_HUB_URL = os.environ.get("REGISTRY_HUB_URL", "")
REGISTRY_HUB_KEY_ID = os.environ.get("REGISTRY_HUB_KEY_ID", "")
REGISTRY_HUB_KEY = os.environ.get("REGISTRY_HUB_KEY", "")
# The hub shows a province in alarm when its oldest unapplied change is older than this.
REGISTRY_HUB_LAG_ALARM_SECONDS = int(os.environ.get("REGISTRY_HUB_LAG_ALARM_SECONDS", "300"))

# 调转: review deadlines in working days, and whether within the province the origin confirms first.
REGISTRY_TRANSFER_ORIGIN_DAYS = int(os.environ.get("REGISTRY_TRANSFER_ORIGIN_DAYS", "5"))
REGISTRY_TRANSFER_DEST_DAYS = int(os.environ.get("REGISTRY_TRANSFER_DEST_DAYS", "5"))
REGISTRY_TRANSFER_INTRA_ORIGIN_CONFIRMS = (
    os.environ.get("REGISTRY_TRANSFER_INTRA_ORIGIN_CONFIRMS", "1") == "1"
)

# `registry backup` keeps this many newest backups in its output directory.
REGISTRY_BACKUP_KEEP = int(os.environ.get("REGISTRY_BACKUP_KEEP", "14"))
REGISTRY_PAGE_SIZE = 50
REGISTRY_REVIEW_WORKING_DAYS = int(os.environ.get("REGISTRY_REVIEW_WORKING_DAYS", "5"))

# Proxies in front of the node; 0 means the client address is REMOTE_ADDR and X-Forwarded-For is ignored.
NINJA_NUM_PROXIES = int(os.environ.get("REGISTRY_NUM_PROXIES", "0"))
NINJA_DEFAULT_THROTTLE_RATES = {"identity": os.environ.get("REGISTRY_IDENTITY_RATE", "60/min")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
