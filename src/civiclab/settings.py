"""Django settings, read from CIVICLAB_* environment variables (see docs/configuration.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from civiclab.config import (
    ConfigError,
    cache_settings,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    load_or_create_secret_key,
    map_tiles,
    object_store_location,
    s3_endpoint,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("CIVICLAB_DATA_DIR", "./civiclab-data")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = load_or_create_secret_key(DATA_DIR)
DEBUG = env_bool("CIVICLAB_DEBUG", False)
ALLOWED_HOSTS = env_list("CIVICLAB_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CIVICLAB_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "civiclab.site",
    "civiclab.core",
    "civiclab.accounts",
    "civiclab.network",
    "civiclab.audit",
    "civiclab.datasets",
    "civiclab.indicators",
    "civiclab.portfolio",
    "civiclab.geo",
    "civiclab.evaluation",
    "civiclab.funding",
    "civiclab.exchange",
    "civiclab.reports",
    "civiclab.notifications",
    "civiclab.search",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # first, so that its Server-Timing header counts every other middleware's time too
    "civiclab.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so all that follows logs with the request's id and counts in its duration.
    "civiclab.core.request_tracking.RequestTrackingMiddleware",
    "civiclab.core.csp.ContentSecurityPolicyMiddleware",
    # ?name=%00 is refused before any view reads it (PostgreSQL takes no NUL in text).
    "civiclab.core.middleware.RefuseNulInQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # renews an active session's expiry every few minutes (not a write every request)
    "civiclab.core.middleware.SessionRefreshMiddleware",
    # request.htmx: whether htmx asked (HX-Request), and for which target.
    "django_htmx.middleware.HtmxMiddleware",
    "civiclab.core.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "civiclab.site.urls"
WSGI_APPLICATION = "civiclab.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

# django-ninja is not an installed app: Django would import the package, which loads all of
# ninja and pydantic (~0.2 s) in every command's django.setup(). Only its API docs page needs
# it as an app, for its templates and static files: they are found in its folder instead.
_NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent  # type: ignore[union-attr,arg-type]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [_NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civiclab.site.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{DATA_DIR / 'civiclab.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("CIVICLAB_DATABASE_URL", _default_sqlite) or _default_sqlite,
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and env_bool(
    "CIVICLAB_DATABASE_PREPARED_STATEMENTS", True
):
    # A page's scoped reads are joins of five to nine tables that PostgreSQL takes longer to
    # plan (1-3 ms each) than to run (under 0.5 ms). With the values sent apart from the SQL,
    # psycopg prepares a query the second time a connection runs it, and PostgreSQL keeps its
    # plan: a signed-in page's database time fell by half (issue 17). Connections live 60 s.
    # Added to what the URL says (?sslmode=require and the like stay).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
        # the busy timeout instead of one failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        # Wait up to 5 s for another writer rather than failing at once.
        "timeout": 5,
        "init_command": (
            # WAL lets readers go on while one request writes.
            "PRAGMA journal_mode=WAL;"
            # NORMAL is durable under WAL except for the last commits on power loss.
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Passwords and sessions -----------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("CIVICLAB_SESSION_AGE_SECONDS", 8 * 3600, minimum=60)
# Idle expiry: an active user stays signed in. Not SESSION_SAVE_EVERY_REQUEST (a database
# write per request): core.middleware.SessionRefreshMiddleware renews every few minutes.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LOGIN_MAX_FAILURES = env_int("CIVICLAB_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = 60
LOGIN_LOCKOUT_SECONDS = env_int("CIVICLAB_LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
# Many people share one address (a city hall behind NAT): an address locks only after failures
# on many accounts, each of which locks after LOGIN_MAX_FAILURES.
LOGIN_MAX_FAILURES_PER_IP = env_int("CIVICLAB_LOGIN_MAX_FAILURES_PER_IP", 50, minimum=1)
PASSWORD_RESET_WINDOW_SECONDS = 3600
PASSWORD_RESET_MAX_PER_EMAIL = env_int("CIVICLAB_PASSWORD_RESET_MAX_PER_EMAIL", 3, minimum=1)
PASSWORD_RESET_MAX_PER_IP = env_int("CIVICLAB_PASSWORD_RESET_MAX_PER_IP", 20, minimum=1)

# Which X-Forwarded-For entry is the client's: each trusted proxy appends the address it saw,
# so only the entries those proxies wrote can be believed.
PROXY_COUNT = env_int("CIVICLAB_PROXY_COUNT", 0, minimum=0)

HTTPS = env_bool("CIVICLAB_HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env_str("CIVICLAB_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Table dates in each language's own short form (civiclab/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = "civiclab.formats"
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("CIVICLAB_TIME_ZONE", "UTC")

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [_NINJA_DIR / "static"]  # ninja/… (see TEMPLATES)
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "civiclab.core.storage.CollectedStaticStorage"
        )
    },
}
# Serve straight from the app folders when collectstatic has not run (tests, first start).
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
# WhiteNoise's list of already-compressed formats, plus source maps: only browsers' developer
# tools read them, and compressing them was two thirds of collectstatic's minute of CPU.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf"),
    *("flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg"),
    *("webm", "wmv", "map"),
]

# --- API --------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# --- City data ------------------------------------------------------------------------------
DATASETS_DIR = DATA_DIR / "datasets"
MAX_UPLOAD_BYTES = env_int("CIVICLAB_MAX_UPLOAD_MB", 4096, minimum=1) * 1024 * 1024
# Files attached to evidence and decisions: stored per city, each at most this large.
ATTACHMENTS_DIR = DATA_DIR / "attachments"
MAX_ATTACHMENT_BYTES = env_int("CIVICLAB_MAX_ATTACHMENT_MB", 20, minimum=1) * 1024 * 1024
IMPORT_MEMORY_MB = env_int("CIVICLAB_IMPORT_MEMORY_MB", 700, minimum=100)
# What one import may unpack, hold and take (datasets/ingest/limits.py checks them).
MAX_UNPACKED_BYTES = env_int("CIVICLAB_MAX_UNPACKED_MB", 2048, minimum=1) * 1024 * 1024
MAX_ZIP_RATIO = env_int("CIVICLAB_MAX_ZIP_RATIO", 100, minimum=2)
MAX_IMPORT_ROWS = env_int("CIVICLAB_MAX_IMPORT_ROWS", 100_000_000, minimum=1)
MAX_IMPORT_CELLS = env_int("CIVICLAB_MAX_IMPORT_CELLS", 1_000_000_000, minimum=1)
MAX_IMPORT_COLUMNS = env_int("CIVICLAB_MAX_IMPORT_COLUMNS", 500, minimum=1)
IMPORT_TIMEOUT_SECONDS = env_int("CIVICLAB_IMPORT_TIMEOUT_SECONDS", 3600, minimum=10)
# A background import whose heartbeat is silent this long is marked failed (its worker died).
IMPORT_STALE_SECONDS = env_int("CIVICLAB_IMPORT_STALE_SECONDS", 60, minimum=3)
# What one refresh of a bound source may download (datasets/ingest/remote.py checks them),
# and whether it may fetch from private addresses (off: the worker is no way into the LAN).
REFRESH_MAX_BYTES = env_int("CIVICLAB_REFRESH_MAX_MB", 1024, minimum=1) * 1024 * 1024
REFRESH_MAX_UNPACKED_BYTES = env_int("CIVICLAB_REFRESH_MAX_UNPACKED_MB", 2048, minimum=1) * 1024**2
REFRESH_MAX_PAGES = env_int("CIVICLAB_REFRESH_MAX_PAGES", 1000, minimum=1)
REFRESH_MAX_ROWS = env_int("CIVICLAB_REFRESH_MAX_ROWS", 5_000_000, minimum=1)
REFRESH_TIMEOUT_SECONDS = env_int("CIVICLAB_REFRESH_TIMEOUT_SECONDS", 600, minimum=1)
REFRESH_ALLOW_PRIVATE_HOSTS = env_bool("CIVICLAB_REFRESH_ALLOW_PRIVATE_HOSTS", False)
QUERY_MEMORY_MB = env_int("CIVICLAB_QUERY_MEMORY_MB", 512, minimum=50)
QUERY_TIMEOUT_SECONDS = env_int("CIVICLAB_QUERY_TIMEOUT_SECONDS", 30, minimum=1)
# How big an indicator's series may be (indicators/engine/grid.py checks before building it).
INDICATOR_MAX_GROUPS = env_int("CIVICLAB_INDICATOR_MAX_GROUPS", 2000, minimum=1)
INDICATOR_MAX_CELLS = env_int("CIVICLAB_INDICATOR_MAX_CELLS", 100_000, minimum=1)
REDIS_URL = env_str("CIVICLAB_REDIS_URL", "")
# Datasets' version files in an S3-compatible object store (datasets/store.py), the data
# directory then a bounded cache of them: servers on several machines share them without a
# shared filesystem. Empty: the files live in the data directory only.
OBJECT_STORE_URL = env_str("CIVICLAB_OBJECT_STORE_URL", "")
OBJECT_STORE = object_store_location(OBJECT_STORE_URL)
S3_ENDPOINT_URL = env_str("CIVICLAB_S3_ENDPOINT_URL", "")
S3_ENDPOINT = s3_endpoint(S3_ENDPOINT_URL)
S3_REGION = env_str("CIVICLAB_S3_REGION", "us-east-1") or "us-east-1"
S3_ACCESS_KEY_ID = env_str("CIVICLAB_S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = env_str("CIVICLAB_S3_SECRET_ACCESS_KEY", "")
OBJECT_CACHE_BYTES = env_int("CIVICLAB_OBJECT_CACHE_BYTES", 10 * 1024**3, minimum=0)
# The folder the operator drops Grants.gov extracts into (funding/tasks.py imports them).
FUNDING_DROP_DIR = env_str("CIVICLAB_FUNDING_DROP_DIR", "")
# Maps draw no base map unless the installation has a tile server (nothing is fetched from
# the internet by default); core/csp.py lets images come from that one host.
_TILES = map_tiles()
MAP_TILE_URL = _TILES.url
MAP_TILE_ATTRIBUTION = _TILES.attribution
MAP_TILE_MAX_ZOOM = _TILES.max_zoom
# Where the user documentation (the repository's docs/ folder) is published, for the pages'
# help links (core/templatetags/help_links.py); empty: they name the file in docs/ instead.
DOCS_URL = env_str("CIVICLAB_DOCS_URL", "")
# The cache (rendered dashboards and public pages, indicator readings, the dashboard's data
# version) is shared by every process: Redis, or files in the data directory (config.py says
# why never Django's per-process default). Sessions stay in the database (Django's default
# engine), which every process already shares.
CACHES = {"default": cache_settings(DATA_DIR, REDIS_URL)}
# Background jobs: a SQLite queue in the data directory, or Redis when configured. Jobs never
# run inside the web request (huey would default to that when DEBUG is on).
HUEY = {
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "name": "civiclab",
    "immediate": False,
    "connection": {"url": REDIS_URL} if REDIS_URL else {"filename": str(DATA_DIR / "jobs.sqlite3")},
    "consumer": {"workers": 1, "worker_type": "thread"},
}
# Uploads stream to disk in the data directory rather than sitting in memory.
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "uploads"
FILE_UPLOAD_TEMP_DIR.mkdir(exist_ok=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------
_email_backends = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("CIVICLAB_EMAIL_BACKEND", "smtp")
if _email_backend not in _email_backends:
    raise ConfigError(
        f"CIVICLAB_EMAIL_BACKEND={_email_backend!r}: use one of {', '.join(_email_backends)}"
    )
EMAIL_BACKEND = _email_backends[_email_backend]
EMAIL_HOST = env_str("CIVICLAB_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CIVICLAB_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("CIVICLAB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CIVICLAB_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CIVICLAB_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("CIVICLAB_EMAIL_FROM", "civiclab@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in mail the worker sends (funding digests) have no request to take the address from.
SITE_URL = env_str("CIVICLAB_SITE_URL", "http://localhost:8000").rstrip("/")

# --- Logging --------------------------------------------------------------------------------
# Every line carries the id of the request it was written in (core/logs.py, set by
# core/request_tracking.py); CIVICLAB_LOG_FORMAT=json writes one JSON object per line for a
# log collector. civiclab.request is the access log (one line per request).
LOG_FORMAT = env_str("CIVICLAB_LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ConfigError(f"CIVICLAB_LOG_FORMAT={LOG_FORMAT!r}: use plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "civiclab.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"()": "civiclab.core.logs.PlainFormatter"},
        "json": {"()": "civiclab.core.logs.JsonLineFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "loggers": {
        "civiclab": {"handlers": ["console"], "level": env_str("CIVICLAB_LOG_LEVEL", "INFO")},
        # Django's default sends errors to the console only in DEBUG (and by mail to ADMINS,
        # which civiclab has none of): a 500's traceback would be lost on a real server. 4xx
        # answers are in the access line already, so django.request logs only server errors.
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # A request for a host not in CIVICLAB_ALLOWED_HOSTS (scanners try every address) is a
        # 400 in the access log; its traceback would only bury the real errors.
        "django.security.DisallowedHost": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}

# --- Operations -----------------------------------------------------------------------------
# /metrics (site/metrics.py): off unless a token is set; a short token could be guessed.
METRICS_TOKEN = env_str("CIVICLAB_METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ConfigError("CIVICLAB_METRICS_TOKEN must be at least 16 characters (or empty: off)")
# What `civiclab check` fails on (site/management/commands/check.py).
CHECK_MAX_QUEUE = env_int("CIVICLAB_CHECK_MAX_QUEUE", 100, minimum=0)
CHECK_MIN_FREE_BYTES = env_int("CIVICLAB_CHECK_MIN_FREE_BYTES", 1024**3, minimum=0)
CHECK_MAX_BACKUP_AGE_HOURS = env_int("CIVICLAB_CHECK_MAX_BACKUP_AGE_HOURS", 26, minimum=1)
