"""Mulin settings: one module, read from the environment.

Embedded defaults (SQLite, eager background tasks, a generated secret key) let a fresh clone run
with `make run`; production sets `DATABASE_URL`, `MULIN_SECRET_KEY`, `MULIN_BROKER_URL` and
`MULIN_DEBUG=false`.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """The key from MULIN_SECRET_KEY, or in development one generated into `.secret_key`."""
    key = envstr("MULIN_SECRET_KEY")
    if key:
        return key
    path = Path(envstr("MULIN_SECRET_KEY_FILE", str(BASE_DIR / ".secret_key")))
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEBUG = envbool("MULIN_DEBUG", True)
SECRET_KEY = _secret_key()
# A separate key protects ID numbers at rest; it falls back to one derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = envstr("MULIN_FIELD_ENCRYPTION_KEY")
ALLOWED_HOSTS = envlist("MULIN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("MULIN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "mulin.core",
    "mulin.places",
    "mulin.people",
    "mulin.orgs",
    "mulin.tickets",
    "mulin.decisions",
    "mulin.deliberation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mulin.core.middleware.RequestIdMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mulin.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "mulin.urls"
WSGI_APPLICATION = "mulin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mulin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mulin.core.context_processors.mulin",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'mulin.sqlite3'}"),
        conn_max_age=envint("MULIN_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE avoids lock upgrades mid-write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["mulin.core.auth.PhoneOrUsernameBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
# Lock an account for MULIN_LOCKOUT_MINUTES after MULIN_LOCKOUT_FAILURES wrong passwords.
LOCKOUT_FAILURES = envint("MULIN_LOCKOUT_FAILURES", 5)
LOCKOUT_MINUTES = envint("MULIN_LOCKOUT_MINUTES", 15)

SESSION_COOKIE_AGE = envint("MULIN_SESSION_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_SAVE_EVERY_REQUEST = False

LANGUAGE_CODE = envstr("MULIN_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "mulin" / "locale"]
TIME_ZONE = envstr("MULIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "mulin" / "static"]
STATIC_ROOT = Path(envstr("MULIN_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MULIN_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = envint("MULIN_IMPORT_MAX_MB", 20) * 1024 * 1024

# Background work: Redis (or any Celery broker) when configured; otherwise tasks run in-process.
BROKER_URL = envstr("MULIN_BROKER_URL")
CELERY_BROKER_URL = BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = envstr("MULIN_RESULT_BACKEND", BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = not BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {"tick": {"task": "core.tick", "schedule": 60.0}}

# Requests: the share of well-rated (and unrated) resolved requests that also get a follow-up
# call (回访); low ratings always get one.
MULIN_FOLLOWUP_SAMPLE = float(envstr("MULIN_FOLLOWUP_SAMPLE", "0.2") or 0.2)
# Requests' monthly score (接诉即办, DESIGN §9): a "basically satisfied" answer counts as this
# fraction of "satisfied" in 满意率, and the score weighs 响应率, 解决率 and 满意率 like this.
# Both are checked where they are read (`mulin.tickets.figures`), which names a bad value.
MULIN_TICKETS_BASIC_SATISFIED = envstr("MULIN_TICKETS_BASIC_SATISFIED", "0.9") or "0.9"
MULIN_TICKETS_SCORE_WEIGHTS = (
    envstr("MULIN_TICKETS_SCORE_WEIGHTS") or "response=0.2,resolution=0.4,satisfaction=0.4"
)

# Notifications: the in-app inbox always; the other channels listed here when configured.
# Email is "not configured" until MULIN_SMTP_HOST is set (nothing is then sent or marked sent).
MULIN_NOTIFY_CHANNELS = envlist("MULIN_NOTIFY_CHANNELS", "email")
MULIN_SMTP_HOST = envstr("MULIN_SMTP_HOST")
EMAIL_BACKEND = envstr("MULIN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = MULIN_SMTP_HOST or "localhost"
EMAIL_PORT = envint("MULIN_SMTP_PORT", 587)
EMAIL_HOST_USER = envstr("MULIN_SMTP_USER")
EMAIL_HOST_PASSWORD = envstr("MULIN_SMTP_PASSWORD")
EMAIL_USE_TLS = envbool("MULIN_SMTP_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = envstr("MULIN_DEFAULT_FROM_EMAIL", "mulin@localhost")
# The public address, e.g. https://mulin.example.org; emails link back to the site with it.
MULIN_SITE_URL = envstr("MULIN_SITE_URL")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not envstr("MULIN_CACHE_URL")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": envstr("MULIN_CACHE_URL"),
    }
}

# Production hardening; `mulin check --deploy` is clean when MULIN_DEBUG=false.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("MULIN_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = envint("MULIN_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("MULIN_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

MULIN_SITE_NAME = _("Mulin")
