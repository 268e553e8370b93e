"""The one settings module. Every value comes from the environment.

Every variable and its default is documented in README ("Configuration").
A malformed value stops start-up with an ImproperlyConfigured error naming
the variable, so a typo never turns into a silent fallback.
"""

import base64
import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _read(name, reader, default):
    """Read one variable, naming it in the error when its value is bad."""
    try:
        return reader(name, default=default)
    except (ValueError, TypeError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"Environment variable {name} has an invalid value {env.str(name, default='')!r}: {exc}"
        ) from exc


def _env_bool(name, default):
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def _env_int(name, default, minimum=None):
    value = _read(name, env.int, default)
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}; got {value}")
    return value


# Local state of the embedded default (SQLite files, uploads, broker file).
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = _env_bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable SECRET_KEY must be set when DEBUG=0 "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-do-not-deploy-0123456789abcdefghij"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Environment variable ALLOWED_HOSTS must be set when DEBUG=0 (comma-separated host names)"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Keyed hashes of payout accounts and other identifiers we must compare
# but never store in clear. Separate from SECRET_KEY so rotating sessions
# does not break the ban register.
IDENTITY_HASH_KEY = env.str("IDENTITY_HASH_KEY", default=SECRET_KEY)

INSTALLED_APPS = [
    # Django's admin with a site that asks staff for the second factor (portal/admin_site.py).
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # naturaltime and intcomma, in both languages.
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # request.htmx, and the response helpers of htmx partials (htmx itself is served from static/js/).
    "django_htmx",
    "axes",
    # Two-factor sign-in (portal/two_factor/): TOTP authenticator apps, and single-use backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "portal",
    "rights_holders",
    "listings",
    "takedowns",
    "good_faith",
    "api",
    "screening",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language from the language cookie (the switcher's) or the browser's Accept-Language;
    # after the session, before CommonMiddleware (Django's documented place).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (django-otp's OTPMiddleware).
    "portal.two_factor.middleware.SessionDeviceMiddleware",
    # Then a signed-in person's own language and time zone (User.language, User.time_zone); English for the API.
    "portal.i18n.ViewerPreferencesMiddleware",
    # Before anything reads the body (CsrfViewMiddleware is the first that does), after
    # authentication: only signed-in users get the larger limits of the upload pages.
    "portal.request_limits.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.RequestContextMiddleware",
    # Staff (and anyone who turned it on) reach no page before the second factor (portal/two_factor/).
    "portal.two_factor.middleware.TwoFactorRequiredMiddleware",
    # Axes last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "takedowns.context_processors.notifications_unread",
            ],
            # Every template translates ({% translate %}, {% blocktranslate %}) and shows instants with
            # their zone ({{ when|instant }}) without loading a library first.
            "builtins": ["django.templatetags.i18n", "portal.templatetags.portal_time"],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    scheme = urlsplit(DATABASE_URL).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"Environment variable DATABASE_URL has an unsupported scheme {scheme!r}; "
            "use postgres://user:password@host:port/name or sqlite:////absolute/path.sqlite3"
        )
    try:
        _db = environ.Env.db_url_config(DATABASE_URL)
    except Exception as exc:  # django-environ raises several kinds
        raise ImproperlyConfigured(f"Environment variable DATABASE_URL is malformed: {exc}") from exc
    if _db["ENGINE"] != "django.db.backends.sqlite3" and not _db.get("NAME"):
        raise ImproperlyConfigured(
            "Environment variable DATABASE_URL must name a database, e.g. postgres://postgres@127.0.0.1:5432/portal"
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "portal.sqlite3")}

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock
    # at BEGIN so a worker and the web process queue on busy_timeout instead
    # of failing with "database is locked" when a read upgrades to a write.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    # A file (not :memory:) so real worker processes in tests share it; one
    # per test run so concurrent runs never touch each other's database.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    _db["CONN_MAX_AGE"] = _env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Persons only: an API key's principal never signs in nor holds a session (portal/authentication.py).
    "portal.authentication.PersonBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "signed-out"

AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Password reset by e-mail (portal/passwords.py): the link's lifetime, and how often a reset may be asked
# for one e-mail address and from one client address in the sign-in's lockout window (LOGIN_LOCKOUT_MINUTES).
PORTAL_PASSWORD_RESET_MINUTES = _env_int("PORTAL_PASSWORD_RESET_MINUTES", 60, minimum=5)
PASSWORD_RESET_TIMEOUT = PORTAL_PASSWORD_RESET_MINUTES * 60
PASSWORD_RESET_LIMIT = _env_int("PASSWORD_RESET_LIMIT", 3, minimum=1)
PASSWORD_RESET_ADDRESS_LIMIT = _env_int("PASSWORD_RESET_ADDRESS_LIMIT", 20, minimum=1)
# Two-factor sign-in (portal/two_factor/): reviewers, senior reviewers and admins (and Django's is_staff) set
# up an authenticator app and enter its code after their password before any page works; 0 makes it optional.
PORTAL_REQUIRE_2FA_FOR_STAFF = _env_bool("PORTAL_REQUIRE_2FA_FOR_STAFF", True)
# The name an authenticator app shows beside the account (django-otp).
OTP_TOTP_ISSUER = env.str("PORTAL_SITE_NAME", default="Takedown Portal")
# After a wrong code the next try waits 1, 2, 4, 8 ... seconds (django-otp's throttle, per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Reverse proxies in front of the portal: their X-Forwarded-For and X-Forwarded-Proto are believed.
TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- I18N / time ----------------------------------------------------------
# English and Simplified Chinese (locale/zh_Hans, compiled by `make install`). Each language is named in
# itself in the switcher. The API answers in English whatever the request asks (portal.i18n).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times as each language writes them (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
# The switcher's choice, for a year (a signed-in person's is also kept on the account, User.language).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------
STATIC_URL = "static/"
# Where collectstatic gathers them for WhiteNoise to serve when DEBUG is off (the image bakes them in).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
if AWS_STORAGE_BUCKET_NAME:
    # Uploads are private: no public ACL, and URLs are never handed out;
    # files are streamed by portal.views.files after an access check.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        },
    }
else:
    # base_url=None: the files have no public URL at all.
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Limits for the upload validator (portal.uploads), in bytes, per kind.
UPLOAD_MAX_BYTES = {
    "image": _env_int("UPLOAD_MAX_IMAGE_BYTES", 10 * 1024 * 1024, minimum=1024),
    "document": _env_int("UPLOAD_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, minimum=1024),
}
# 4096 x 4096: a 12-megapixel phone photo or a 5K screenshot fits; no page shows more.
UPLOAD_MAX_IMAGE_PIXELS = _env_int("UPLOAD_MAX_IMAGE_PIXELS", 4096 * 4096, minimum=10_000)
# What the uploads of one request may cost in all (portal.uploads.budget).
UPLOAD_MAX_FILES_PER_REQUEST = _env_int("UPLOAD_MAX_FILES_PER_REQUEST", 20, minimum=1)
UPLOAD_MAX_PIXELS_PER_REQUEST = _env_int("UPLOAD_MAX_PIXELS_PER_REQUEST", 50_000_000, minimum=10_000)
if UPLOAD_MAX_PIXELS_PER_REQUEST < UPLOAD_MAX_IMAGE_PIXELS:
    raise ImproperlyConfigured(
        f"Environment variable UPLOAD_MAX_PIXELS_PER_REQUEST ({UPLOAD_MAX_PIXELS_PER_REQUEST}) must be at least "
        f"UPLOAD_MAX_IMAGE_PIXELS ({UPLOAD_MAX_IMAGE_PIXELS}), or the largest image allowed could never be sent"
    )
# Request bodies (portal.request_limits): any request, and the pages that take uploads (for signed-in users).
REQUEST_MAX_BODY_BYTES = _env_int("REQUEST_MAX_BODY_BYTES", 1024 * 1024, minimum=64 * 1024)
REQUEST_MAX_UPLOAD_BYTES = {
    "image": _env_int("REQUEST_MAX_IMAGE_UPLOAD_BYTES", 30 * 1024 * 1024, minimum=64 * 1024),
    "document": _env_int("REQUEST_MAX_DOCUMENT_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=64 * 1024),
}
for _kind, _variable in (
    ("image", "REQUEST_MAX_IMAGE_UPLOAD_BYTES"),
    ("document", "REQUEST_MAX_DOCUMENT_UPLOAD_BYTES"),
):
    if REQUEST_MAX_UPLOAD_BYTES[_kind] < UPLOAD_MAX_BYTES[_kind] + REQUEST_MAX_BODY_BYTES:
        raise ImproperlyConfigured(
            f"Environment variable {_variable} ({REQUEST_MAX_UPLOAD_BYTES[_kind]}) must be at least the largest "
            f"{_kind} upload plus REQUEST_MAX_BODY_BYTES ({UPLOAD_MAX_BYTES[_kind] + REQUEST_MAX_BODY_BYTES}), "
            "or one file of the largest size allowed could never be sent"
        )
# The partner API's JSON bodies (a listing ingest of 1,000 rows, a notice of many items) from a
# valid key or a signed-in user; API operations that take files have the upload limits above.
REQUEST_MAX_API_BODY_BYTES = _env_int("REQUEST_MAX_API_BODY_BYTES", 10 * 1024 * 1024, minimum=64 * 1024)
if not REQUEST_MAX_BODY_BYTES <= REQUEST_MAX_API_BODY_BYTES <= REQUEST_MAX_UPLOAD_BYTES["document"]:
    # The proxy in front refuses anything above the document limit (docker-compose's nginx).
    raise ImproperlyConfigured(
        f"Environment variable REQUEST_MAX_API_BODY_BYTES ({REQUEST_MAX_API_BODY_BYTES}) must be from "
        f"REQUEST_MAX_BODY_BYTES ({REQUEST_MAX_BODY_BYTES}) to REQUEST_MAX_DOCUMENT_UPLOAD_BYTES "
        f"({REQUEST_MAX_UPLOAD_BYTES['document']})"
    )
# Django's own parser limits follow: form fields of any request fit in the plain limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES_PER_REQUEST
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery ---------------------------------------------------------------
# Embedded default: kombu's SQLAlchemy transport on its own SQLite file (see
# README "Why this broker"). Redis with CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}"
_broker_scheme = urlsplit(CELERY_BROKER_URL).scheme
if _broker_scheme not in {"redis", "rediss", "sqla+sqlite", "sqla+postgresql", "memory"}:
    raise ImproperlyConfigured(
        f"Environment variable CELERY_BROKER_URL has an unsupported scheme {_broker_scheme!r}; "
        "use redis://host:port/db (or leave it unset for the embedded broker)"
    )
CELERY_BROKER_IS_EMBEDDED = _broker_scheme.startswith("sqla+")
CELERY_TASK_ALWAYS_EAGER = _env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis visibility timeout: a message taken by a worker that dies is
# redelivered after this. No task uses an ETA longer than this; deadlines
# are swept from the database, never scheduled as ETAs. Under a minute a
# production worker would see work that is still running redelivered; with
# DEBUG a worker may take a few seconds, so a test watches a killed worker's
# message come back without waiting minutes (tests/portal/test_celery.py).
CELERY_VISIBILITY_TIMEOUT = _env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1 if DEBUG else 60)
# Redis: every key the broker writes starts with this prefix, so several
# deployments (or test runs) can share one Redis database without taking each
# other's messages.
CELERY_BROKER_KEY_PREFIX = env.str("CELERY_BROKER_KEY_PREFIX", default="")
if CELERY_BROKER_KEY_PREFIX and not _broker_scheme.startswith("redis"):
    raise ImproperlyConfigured(
        "Environment variable CELERY_BROKER_KEY_PREFIX applies to a Redis broker only; "
        "unset it or set CELERY_BROKER_URL=redis://..."
    )
# Embedded broker: kombu's SQLAlchemy transport drops a publish without a word when
# SQLite stays locked past the driver's busy timeout (5 s by default), which a loaded
# machine reaches (a 2,000-task burst lost one). Wait for the lock instead; kombu hands
# these options to SQLAlchemy's create_engine.
EMBEDDED_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 60}}
if _broker_scheme.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "global_keyprefix": CELERY_BROKER_KEY_PREFIX,
    }
elif _broker_scheme == "sqla+sqlite":
    CELERY_BROKER_TRANSPORT_OPTIONS = EMBEDDED_BROKER_TRANSPORT_OPTIONS
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BROKER_POLLING_INTERVAL = 0.1
CELERY_BEAT_SCHEDULE = {
    "resume-stale-filing-imports": {
        "task": "takedowns.tasks.resume_stale_filing_imports",
        "schedule": timedelta(minutes=1),
    },
    "sweep-takedown-deadlines": {
        "task": "takedowns.tasks.sweep_deadlines",
        "schedule": timedelta(minutes=1),
    },
    "send-pending-notification-emails": {
        "task": "takedowns.tasks.send_pending_notification_emails",
        "schedule": timedelta(minutes=5),
    },
    "expire-notice-drafts": {
        "task": "takedowns.tasks.notice_drafts_expire",
        "schedule": timedelta(hours=1),
    },
    "expire-ip-assets": {
        "task": "rights_holders.tasks.expire_ip_assets",
        "schedule": timedelta(hours=6),
    },
    "prune-embedded-broker": {
        "task": "portal.tasks.prune_embedded_broker",
        "schedule": timedelta(hours=1),
    },
    "purge-idempotency-records": {
        "task": "api.tasks.idempotency_records_purge",
        "schedule": timedelta(hours=1),
    },
    # Nightly, after the day's decisions are in and before Europe's working day (CELERY_TIMEZONE is UTC).
    # Webhook deliveries that are due (first attempts are also sent at once, after commit).
    "deliver-webhooks": {
        "task": "api.tasks.webhooks_deliver_due",
        "schedule": timedelta(seconds=5),
    },
    # Listings whose screening was never sent (a broker down at their commit): sent again.
    "screen-missed-listings": {
        "task": "screening.tasks.listings_screen_missed",
        "schedule": timedelta(minutes=10),
    },
    # Re-screening jobs whose worker died taken over from their last batch; lost start messages sent again.
    "resume-rescreen-jobs": {
        "task": "screening.tasks.rescreen_jobs_resume",
        "schedule": timedelta(minutes=1),
    },
    "evaluate-good-faith-memberships": {
        "task": "good_faith.tasks.evaluate_memberships",
        "schedule": crontab(hour=2, minute=30),
    },
}
# How long consumed broker messages are kept before pruning (embedded broker).
EMBEDDED_BROKER_KEEP_HOURS = _env_int("EMBEDDED_BROKER_KEEP_HOURS", 24, minimum=1)

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
)
if EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = _env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="takedowns@portal.example")
# Seconds the SMTP backend waits on the mail server; without one a hung server holds a sender forever.
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 30, minimum=1)
# A sender claims a notification e-mail for this long before sending it; if it is killed
# before marking it sent, the periodic job sends it again once the claim has expired.
NOTIFICATION_EMAIL_CLAIM_SECONDS = _env_int("NOTIFICATION_EMAIL_CLAIM_SECONDS", 600, minimum=30)
if NOTIFICATION_EMAIL_CLAIM_SECONDS < 2 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        f"Environment variable NOTIFICATION_EMAIL_CLAIM_SECONDS ({NOTIFICATION_EMAIL_CLAIM_SECONDS}) must be at "
        f"least twice EMAIL_TIMEOUT ({EMAIL_TIMEOUT}), so a claim outlasts a slow send"
    )

# --- Cache ----------------------------------------------------------------
# What several processes must share: the API's rate counters and the "key last used" marks.
# Redis with CACHE_URL=redis://host:6379/1; without it each process keeps its own in memory,
# so with several web processes every limit applies per process (fine for one developer).
CACHE_URL = env.str("CACHE_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="portal")
if CACHE_URL:
    if urlsplit(CACHE_URL).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(
            f"Environment variable CACHE_URL must be a Redis URL (redis://host:6379/1); got {CACHE_URL!r}"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A cache that does not answer must not hold a request: fail fast (the callers fail open).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }


def _env_rate(name, default):
    """A rate such as ``600/min`` as (requests, seconds); units s, min, h."""
    raw = env.str(name, default=default).strip()
    count, _, unit = raw.partition("/")
    seconds = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}.get(unit.strip().lower())
    count = count.strip()
    if seconds is None or not (count.isascii() and count.isdigit()) or int(count) < 1:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be a rate such as 600/min (a whole number of at least 1 "
            f"per s, min or h); got {raw!r}"
        )
    return int(count), seconds


# The partner API's rates (api.throttling): per key, or per user for a browser session; each
# request counts against both. Anyone not signed in (only the schema answers them) per address.
API_RATE_LIMIT = _env_rate("API_RATE_LIMIT", "600/min")
API_BURST_LIMIT = _env_rate("API_BURST_LIMIT", "60/s")
API_ANONYMOUS_RATE_LIMIT = _env_rate("API_ANONYMOUS_RATE_LIMIT", "60/min")
# Requests with an unknown, revoked or expired key per client address; past it every request of that
# address presenting a key is 429 until the window ends, a right key too (api.authentication).
API_AUTH_FAILURE_LIMIT = _env_rate("API_AUTH_FAILURE_LIMIT", "20/min")
# A key's "last used" is written at most once per this many seconds (the cache decides who writes).
API_KEY_LAST_USED_SECONDS = _env_int("API_KEY_LAST_USED_SECONDS", 60, minimum=1)

# --- DRF ------------------------------------------------------------------
REST_FRAMEWORK = {
    # An API key first (its 401 carries WWW-Authenticate), then the browser's session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.BrowserSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.HasScope",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Takedown Portal partner API",
    "DESCRIPTION": "File and follow notices, register IP assets, ingest listings and receive signed webhooks. "
    "Errors are RFC 9457 problem details; every POST takes an Idempotency-Key.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: the portal works on a closed network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One path, one class per operation (api.routing.by_method).
    "PREPROCESSING_HOOKS": ["api.schema.by_method_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses_hook",
        "api.examples.examples_hook",
    ],
    # One name per choice set the API shows, whichever field shows it.
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "takedowns.models.ItemStatus",
        "AppealStatusEnum": "takedowns.models.AppealStatus",
        "ClientStatusEnum": "api.views.notice_output.ClientStatus",
        "InfringementTypeEnum": "takedowns.models.InfringementType",
        "GoodFaithSubjectKindEnum": "api.views.good_faith.SUBJECT_KINDS",
        "IPAssetKindEnum": "rights_holders.models.IPAssetKind",
        "DismissalReasonEnum": "screening.models.DismissalReason",
        "AlertStatusEnum": "screening.models.AlertStatus",
    },
}

# Idempotency-Key (api/idempotency.py): a key and the response it earned are kept this long after the
# first request, so a retry within it replays the response; then the key may be used afresh.
API_IDEMPOTENCY_KEEP_HOURS = _env_int("API_IDEMPOTENCY_KEEP_HOURS", 24, minimum=1)
# A request still unfinished this long after it claimed its key may be taken over by a retry, if it is
# gone (its transaction ended without a result, so nothing it did survives); until then a retry gets 409.
API_IDEMPOTENCY_CLAIM_SECONDS = _env_int("API_IDEMPOTENCY_CLAIM_SECONDS", 60, minimum=5)

# --- Security (production) -----------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with a statement compiled once (portal/sessions.py).
SESSION_ENGINE = "portal.sessions"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    # X-Forwarded-Proto is a header anyone can send: believe it only when a
    # configured proxy sits in front and overwrites it (docker-compose's does).
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # /health/ is probed over plain HTTP by the load balancer and compose.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# /health/ shows timings, error text and warnings to platform staff and to a
# caller sending "Authorization: Bearer <token>"; everyone else gets ok/unavailable.
HEALTH_CHECK_TOKEN = env.str("HEALTH_CHECK_TOKEN", default="")

# The demo world has published passwords and API keys: seed_demo refuses to run unless this is on
# (it is with DEBUG=1, as `make run` sets; a staging server that wants the demo sets it explicitly).
DEMO_SEED_ALLOWED = _env_bool("DEMO_SEED_ALLOWED", DEBUG)
if HEALTH_CHECK_TOKEN and len(HEALTH_CHECK_TOKEN) < 32:
    raise ImproperlyConfigured(
        "Environment variable HEALTH_CHECK_TOKEN must be at least 32 characters when set "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Tests and tools that need a real PostgreSQL or Redis fail instead of
# skipping when this is set (CI sets it).
REQUIRE_SERVICES = _env_bool("REQUIRE_SERVICES", False)

# --- Domain policy (DOMAIN.md); later issues add to these ------------------
PORTAL_SITE_NAME = env.str("PORTAL_SITE_NAME", default="Takedown Portal")
# Absolute address of the portal, used for links in e-mails (no links when empty).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

# Categories the marketplace prohibits outright (issue 11): a listing in one, or inside one
# ("Vehicle parts > Airbag components > Driver" is inside "Vehicle parts > Airbag components"), is
# refused at creation and ingest (listings.categories) and reported "blocked" by screening.
# Comma-separated; the steps of a path are written "A > B" (spaces around ">" are added here).
_BANNED_CATEGORY_MAX_LENGTH = 100  # listings.Listing.category's max_length: a longer one would match nothing
_banned_default = (
    "Vehicle parts > Airbag components,Firearms and ammunition,Explosives and fireworks,"
    "Prescription drugs,Ivory products"
)


def _banned_categories(name, raw):
    """The categories of ``raw`` (comma-separated) written as compared: words single-spaced, " > " between steps."""
    if not raw.strip():
        return ()
    categories, seen = [], {}
    for position, entry in enumerate(raw.split(","), start=1):
        steps = [" ".join(step.split()) for step in entry.split(">")]
        if not all(steps):
            raise ImproperlyConfigured(
                f"Environment variable {name}: entry {position} ({entry.strip()!r}) has an empty category or "
                'path step; write categories separated by commas, the steps of one as "Vehicle parts > Airbag '
                'components" (or set it empty to ban none)'
            )
        category = " > ".join(steps)
        if len(category) > _BANNED_CATEGORY_MAX_LENGTH or not category.isprintable():
            raise ImproperlyConfigured(
                f"Environment variable {name}: entry {position} ({category[:40]!r}) must be printable text of at "
                f"most {_BANNED_CATEGORY_MAX_LENGTH} characters, as a listing's category is"
            )
        key = category.casefold()
        if key in seen:
            raise ImproperlyConfigured(
                f"Environment variable {name}: entry {position} ({category!r}) repeats entry {seen[key]}"
            )
        seen[key] = position
        categories.append(category)
    return tuple(categories)


LISTING_BANNED_CATEGORIES = _banned_categories(
    "LISTING_BANNED_CATEGORIES", env.str("LISTING_BANNED_CATEGORIES", default=_banned_default)
)
# Pictures one listing may have (listings.images); positions are small integers, so at most 1,000.
LISTING_MAX_IMAGES = _env_int("LISTING_MAX_IMAGES", 10, minimum=1)
if LISTING_MAX_IMAGES > 1000:
    raise ImproperlyConfigured(
        f"Environment variable LISTING_MAX_IMAGES must be at most 1000; got {LISTING_MAX_IMAGES}"
    )

# Notice lifecycle (DOMAIN.md "Item lifecycle", "Penalties", "Service level").
TAKEDOWN_COUNTER_NOTICE_HOURS = _env_int("TAKEDOWN_COUNTER_NOTICE_HOURS", 72, minimum=1)
TAKEDOWN_REPLY_HOURS = _env_int("TAKEDOWN_REPLY_HOURS", 72, minimum=1)
TAKEDOWN_REVIEW_SLA_HOURS = _env_int("TAKEDOWN_REVIEW_SLA_HOURS", 24, minimum=1)
# A reviewer who opens an item for decision holds it this long (renewed each time the page is opened).
PORTAL_REVIEW_CLAIM_MINUTES = _env_int("PORTAL_REVIEW_CLAIM_MINUTES", 15, minimum=1)
TAKEDOWN_APPEAL_DAYS = _env_int("TAKEDOWN_APPEAL_DAYS", 183, minimum=1)  # six months (DSA article 20)
# The filing page's notice in progress (takedowns.drafts): rows it may hold, and the days it is kept
# (with its evidence files) after its last change.
NOTICE_DRAFT_MAX_ITEMS = _env_int("NOTICE_DRAFT_MAX_ITEMS", 50, minimum=1)
NOTICE_DRAFT_EXPIRE_DAYS = _env_int("NOTICE_DRAFT_EXPIRE_DAYS", 14, minimum=1)
TAKEDOWN_SWEEP_BATCH_SIZE = _env_int("TAKEDOWN_SWEEP_BATCH_SIZE", 2000, minimum=1)
# Effects a worker claims and carries out in one transaction (one kind at a time).
TAKEDOWN_EFFECT_BATCH_SIZE = _env_int("TAKEDOWN_EFFECT_BATCH_SIZE", 500, minimum=1)
# A pending effect whose task has not finished after this long is sent again by the sweeper.
TAKEDOWN_EFFECT_RESEND_SECONDS = _env_int("TAKEDOWN_EFFECT_RESEND_SECONDS", 300, minimum=5)
# A failing effect is tried again after BASE, 2 x BASE, 4 x BASE ... seconds (at most MAX apart);
# after MAX_ATTEMPTS failed tries it is set aside as failed (a dead letter) for staff to retry.
TAKEDOWN_EFFECT_RETRY_BASE_SECONDS = _env_int("TAKEDOWN_EFFECT_RETRY_BASE_SECONDS", 60, minimum=1)
TAKEDOWN_EFFECT_RETRY_MAX_SECONDS = _env_int("TAKEDOWN_EFFECT_RETRY_MAX_SECONDS", 3600, minimum=1)
TAKEDOWN_EFFECT_MAX_ATTEMPTS = _env_int("TAKEDOWN_EFFECT_MAX_ATTEMPTS", 8, minimum=1)
# A worker claims an effect before running it; the row stays locked while the handler runs, so a claim
# older than this on a row nobody holds is a worker that died mid-effect: that attempt counts as failed.
TAKEDOWN_EFFECT_CLAIM_SECONDS = _env_int("TAKEDOWN_EFFECT_CLAIM_SECONDS", 60, minimum=1)
if TAKEDOWN_EFFECT_RETRY_MAX_SECONDS < TAKEDOWN_EFFECT_RETRY_BASE_SECONDS:
    raise ImproperlyConfigured(
        "Environment variable TAKEDOWN_EFFECT_RETRY_MAX_SECONDS must be at least TAKEDOWN_EFFECT_RETRY_BASE_SECONDS "
        f"({TAKEDOWN_EFFECT_RETRY_BASE_SECONDS}); got {TAKEDOWN_EFFECT_RETRY_MAX_SECONDS}"
    )
# Proactive notices (takedowns.proactive): the marketplace files them, and these are the filer's contact
# details on each (what DSA article 16 asks of a notice). Checked here: a bad value stops start-up.
PLATFORM_NOTICE_NAME = env.str("PLATFORM_NOTICE_NAME", default="Marketplace Trust & Safety").strip()
PLATFORM_NOTICE_EMAIL = env.str("PLATFORM_NOTICE_EMAIL", default="trust-and-safety@marketplace.example").strip()
PLATFORM_NOTICE_ADDRESS = env.str(
    # The address only: notices show it after the name ("Marketplace Trust & Safety, 1 Market Square, ...").
    "PLATFORM_NOTICE_ADDRESS",
    default="1 Market Square, Dublin 2, Ireland",
).strip()
PLATFORM_NOTICE_PHONE = env.str("PLATFORM_NOTICE_PHONE", default="+353 1 555 0100").strip()


def _platform_notice_check():
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    for name, value, limit in (
        ("PLATFORM_NOTICE_NAME", PLATFORM_NOTICE_NAME, 200),
        ("PLATFORM_NOTICE_ADDRESS", PLATFORM_NOTICE_ADDRESS, 400),
        ("PLATFORM_NOTICE_PHONE", PLATFORM_NOTICE_PHONE, 40),
        ("PLATFORM_NOTICE_EMAIL", PLATFORM_NOTICE_EMAIL, 254),
    ):
        if not value or len(value) > limit or any(ord(c) < 32 for c in value):
            raise ImproperlyConfigured(
                f"Environment variable {name} must be one line of 1 to {limit} characters; got {value!r}"
            )
    try:
        validate_email(PLATFORM_NOTICE_EMAIL)
    except ValidationError:
        raise ImproperlyConfigured(
            f"Environment variable PLATFORM_NOTICE_EMAIL must be an e-mail address; got {PLATFORM_NOTICE_EMAIL!r}"
        ) from None


_platform_notice_check()
PENALTY_POINTS = {
    "counterfeit": _env_int("PENALTY_POINTS_COUNTERFEIT", 6, minimum=0),
    "trademark_misuse": _env_int("PENALTY_POINTS_TRADEMARK_MISUSE", 4, minimum=0),
    "copyright": _env_int("PENALTY_POINTS_COPYRIGHT", 2, minimum=0),
    "design": _env_int("PENALTY_POINTS_DESIGN", 2, minimum=0),
    "patent": _env_int("PENALTY_POINTS_PATENT", 2, minimum=0),
    "other": _env_int("PENALTY_POINTS_OTHER", 2, minimum=0),
}
PENALTY_POINTS_EXPIRE_DAYS = _env_int("PENALTY_POINTS_EXPIRE_DAYS", 365, minimum=1)
# (points threshold, sanction, days) in ascending order; days only for restrictions.
PENALTY_LADDER = [
    (6, "warning", None),
    (12, "restriction", 7),
    (24, "restriction", 14),
    (36, "restriction", 21),
    (48, "closure", None),
]
# Upheld counterfeit items against the same right within the points window that close the store.
PENALTY_REPEAT_INFRINGER_COUNT = _env_int("PENALTY_REPEAT_INFRINGER_COUNT", 3, minimum=1)

# The public transparency page (/transparency/) keeps its figures this many seconds in the cache (0: never).
TRANSPARENCY_CACHE_SECONDS = _env_int("TRANSPARENCY_CACHE_SECONDS", 300, minimum=0)

# The main pages' content (queue, notices list, item page, brand dashboard) is built once per data version and
# shared by every viewer who would see the same (portal.pagecache). 0: built on every request.
PAGE_FRAGMENTS_SHARED = _env_bool("PAGE_FRAGMENTS_SHARED", True)

# Good Faith programme (DOMAIN.md "Good Faith programme", "Misuse", "Service level").
GOOD_FAITH_WINDOW_DAYS = _env_int("GOOD_FAITH_WINDOW_DAYS", 180, minimum=1)
GOOD_FAITH_MIN_DECIDED = _env_int("GOOD_FAITH_MIN_DECIDED", 20, minimum=1)
GOOD_FAITH_MIN_UPHELD_PERCENT = _env_int("GOOD_FAITH_MIN_UPHELD_PERCENT", 95, minimum=0)
GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT = _env_int("GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT", 5, minimum=0)
GOOD_FAITH_COOLING_OFF_DAYS = _env_int("GOOD_FAITH_COOLING_OFF_DAYS", 90, minimum=0)
# Share of fast-track takedowns drawn for a quality audit, in percent.
GOOD_FAITH_AUDIT_PERCENT = _env_int("GOOD_FAITH_AUDIT_PERCENT", 5, minimum=0)
# Misuse (DSA article 23): manifestly unfounded rejections within the window.
MISUSE_WINDOW_DAYS = _env_int("MISUSE_WINDOW_DAYS", 180, minimum=1)
MISUSE_WARNING_THRESHOLD = _env_int("MISUSE_WARNING_THRESHOLD", 3, minimum=1)
MISUSE_SUSPENSION_THRESHOLD = _env_int("MISUSE_SUSPENSION_THRESHOLD", 5, minimum=1)
MISUSE_SUSPENSION_DAYS = _env_int("MISUSE_SUSPENSION_DAYS", 30, minimum=1)

# Proactive screening (issue 11; screening/core/thresholds.py says how scores are made). A listing scoring at
# least the notice threshold gets a platform-initiated notice (brands that opted in), at least the alert
# threshold an alert to the rights holder. A brand may override both (screening.BrandScreeningSettings).


def _env_score(name, default):
    value = _read(name, env.float, default)
    if not 0 <= value <= 1:
        raise ImproperlyConfigured(f"Environment variable {name} must be a score from 0 to 1; got {value}")
    return value


SCREENING_NOTICE_THRESHOLD = _env_score("SCREENING_NOTICE_THRESHOLD", 0.90)
SCREENING_ALERT_THRESHOLD = _env_score("SCREENING_ALERT_THRESHOLD", 0.50)
if SCREENING_ALERT_THRESHOLD >= SCREENING_NOTICE_THRESHOLD:
    raise ImproperlyConfigured(
        f"Environment variable SCREENING_ALERT_THRESHOLD ({SCREENING_ALERT_THRESHOLD}) must be below "
        f"SCREENING_NOTICE_THRESHOLD ({SCREENING_NOTICE_THRESHOLD})"
    )
# Listings a screening task takes at once (the ids of a bigger change are sent in chunks of this size).
SCREENING_BATCH_SIZE = _env_int("SCREENING_BATCH_SIZE", 500, minimum=1)
# A re-screening job screens every live listing; above this many, the brand's likely ones first (screening.rescreen).
SCREENING_RESCREEN_ALL_MAX = _env_int("SCREENING_RESCREEN_ALL_MAX", 20_000, minimum=0)
# A running re-screening job with no batch finished for this long is taken over by beat (its worker died).
SCREENING_RESCREEN_STALE_SECONDS = _env_int("SCREENING_RESCREEN_STALE_SECONDS", 300, minimum=1)

# Bulk filing by CSV (takedowns.bulk_filing; README "Bulk filing by CSV").
# Rows one file may hold; a bigger file is refused whole, at once.
BULK_FILING_MAX_ROWS = _env_int("BULK_FILING_MAX_ROWS", 10_000, minimum=1)
# Rows the worker checks and files as one notice, in one transaction (the unit a retried task never files twice).
BULK_FILING_CHUNK_ROWS = _env_int("BULK_FILING_CHUNK_ROWS", 500, minimum=1)
# An open import that has not moved for this long is sent to a worker again by beat (its worker died, or its
# message was lost: the embedded broker loses what a killed worker held). Two runs at once are safe.
BULK_FILING_STALE_SECONDS = _env_int("BULK_FILING_STALE_SECONDS", 300, minimum=10)
if BULK_FILING_CHUNK_ROWS > 1000:
    raise ImproperlyConfigured(
        f"Environment variable BULK_FILING_CHUNK_ROWS must be at most 1000 (a notice's items); got {BULK_FILING_CHUNK_ROWS}"
    )

# Webhooks (api.webhooks; README "Webhooks").
# Seconds an attempt waits to connect and for each read of the answer.
WEBHOOK_TIMEOUT_SECONDS = _env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
if WEBHOOK_TIMEOUT_SECONDS > 60:
    raise ImproperlyConfigured(
        f"Environment variable WEBHOOK_TIMEOUT_SECONDS must be at most 60; got {WEBHOOK_TIMEOUT_SECONDS}"
    )
# Plain http:// endpoints (development); production sends to https:// only.
WEBHOOK_ALLOW_HTTP = _env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
# Networks an endpoint may be in although they are not public (e.g. 127.0.0.1/32 in development and tests).
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
for _network in WEBHOOK_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"Environment variable WEBHOOK_ALLOWED_NETWORKS: {_network!r} is not a network ({_exc})"
        ) from None
# Seconds to wait after each failed attempt (the Standard Webhooks schedule: 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h, 14 h, 20 h, 24 h); after the last one the delivery is given up.
_schedule = env.str("WEBHOOK_RETRY_SCHEDULE", default="5,300,1800,7200,18000,36000,50400,72000,86400")
try:
    WEBHOOK_RETRY_SCHEDULE = [int(_seconds) for _seconds in _schedule.split(",")]
except ValueError:
    raise ImproperlyConfigured(
        f"Environment variable WEBHOOK_RETRY_SCHEDULE must be whole seconds separated by commas; got {_schedule!r}"
    ) from None
if any(_seconds < 1 for _seconds in WEBHOOK_RETRY_SCHEDULE):
    raise ImproperlyConfigured("Environment variable WEBHOOK_RETRY_SCHEDULE: every wait must be at least 1 second")
# A subscription whose attempts have failed this long, with no success between, is disabled and its owners told.
WEBHOOK_DISABLE_AFTER_HOURS = _env_int("WEBHOOK_DISABLE_AFTER_HOURS", 24, minimum=1)
# After a secret rotation the old secret signs too (a second signature) for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = _env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24, minimum=0)
# The key that encrypts webhook signing secrets at rest (Fernet: AES-128-CBC with HMAC-SHA256): 32 random
# bytes in URL-safe base64. Rotation: the new key here, the old one first in WEBHOOK_SECRET_KEY_FALLBACKS
# (decryption only), `manage.py webhook_secrets_reencrypt`, then drop the old key (README "Configuration").
_WEBHOOK_KEY_HELP = "python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"


def _webhook_key(name, value):
    try:
        raw = base64.b64decode(value.encode(), altchars=b"-_", validate=True)
    except (ValueError, UnicodeError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be 32 bytes in URL-safe base64 (44 characters; "
            f"generate one with: {_WEBHOOK_KEY_HELP})"
        )
    return value


WEBHOOK_SECRET_KEY = env.str("WEBHOOK_SECRET_KEY", default="")
if not WEBHOOK_SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"Environment variable WEBHOOK_SECRET_KEY must be set when DEBUG=0 (generate one with: {_WEBHOOK_KEY_HELP})"
        )
    WEBHOOK_SECRET_KEY = base64.urlsafe_b64encode(b"insecure-webhook-key-debug-only!").decode()
_webhook_key("WEBHOOK_SECRET_KEY", WEBHOOK_SECRET_KEY)
# Older keys, most recent first, comma-separated: secrets encrypted with them are still read.
WEBHOOK_SECRET_KEY_FALLBACKS = [
    _webhook_key("WEBHOOK_SECRET_KEY_FALLBACKS (each key)", value.strip())
    for value in env.list("WEBHOOK_SECRET_KEY_FALLBACKS", default=[])
    if value.strip()
]
# Deliveries to one subscription's endpoint under way at once, whatever the number of workers:
# a slow receiver holds at most this many of them; its other due deliveries wait (no attempt counted).
WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = _env_int("WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT", 4, minimum=1)
