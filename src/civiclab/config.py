"""Typed readers for the ``CIVICLAB_*`` environment variables.

Every variable civiclab reads is declared once in :data:`SETTINGS` with its default and a
sentence of help, so ``docs/configuration.md`` can be checked against it by a test.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A CIVICLAB_* variable holds a value that cannot be used."""


@dataclass(frozen=True)
class EnvSetting:
    name: str
    default: str
    help: str


SETTINGS: tuple[EnvSetting, ...] = (
    EnvSetting(
        "CIVICLAB_DATA_DIR",
        "./civiclab-data",
        "Folder for the SQLite file, the secret key, datasets and collected static files.",
    ),
    EnvSetting(
        "CIVICLAB_DATABASE_URL",
        "sqlite:///<data dir>/civiclab.sqlite3",
        "Operational database; use postgres://user:pass@host:5432/name in production.",
    ),
    EnvSetting(
        "CIVICLAB_DATABASE_PREPARED_STATEMENTS",
        "true",
        "PostgreSQL: send values apart from the SQL and keep each connection's repeated "
        "queries prepared (planned once); false behind a pooler that cannot follow them.",
    ),
    EnvSetting(
        "CIVICLAB_DEBUG",
        "false",
        "Django debug mode. Only `civiclab demo` and the tests turn it on.",
    ),
    EnvSetting(
        "CIVICLAB_ALLOWED_HOSTS",
        "localhost,127.0.0.1,[::1]",
        "Comma-separated host names the server answers to.",
    ),
    EnvSetting(
        "CIVICLAB_CSRF_TRUSTED_ORIGINS",
        "(empty)",
        "Comma-separated origins (https://civiclab.example.org) allowed to post forms "
        "through a proxy.",
    ),
    EnvSetting(
        "CIVICLAB_HTTPS",
        "false",
        "Set when served behind HTTPS: secure cookies, HSTS, redirect to HTTPS, "
        "trust X-Forwarded-Proto.",
    ),
    EnvSetting(
        "CIVICLAB_SESSION_AGE_SECONDS",
        "28800",
        "How long a login lasts without activity (sessions are renewed on each request).",
    ),
    EnvSetting(
        "CIVICLAB_LOGIN_MAX_FAILURES",
        "5",
        "Failed sign-ins to one account within a minute that lock that account.",
    ),
    EnvSetting(
        "CIVICLAB_LOGIN_MAX_FAILURES_PER_IP",
        "50",
        "Failed sign-ins from one IP address within a minute, across accounts, that lock it.",
    ),
    EnvSetting(
        "CIVICLAB_LOGIN_LOCKOUT_SECONDS",
        "900",
        "How long a locked account or IP address must wait.",
    ),
    EnvSetting(
        "CIVICLAB_PASSWORD_RESET_MAX_PER_EMAIL",
        "3",
        "Password-reset requests for one email address within an hour.",
    ),
    EnvSetting(
        "CIVICLAB_PASSWORD_RESET_MAX_PER_IP",
        "20",
        "Password-reset requests from one IP address within an hour.",
    ),
    EnvSetting(
        "CIVICLAB_PROXY_COUNT",
        "0",
        "How many reverse proxies in front of civiclab append to X-Forwarded-For; the client "
        "address is read that many entries from the right (0: use the connection's address).",
    ),
    EnvSetting(
        "CIVICLAB_LANGUAGE",
        "en",
        "Default interface language (`en` or `fr`) when neither the user nor their city chose one.",
    ),
    EnvSetting(
        "CIVICLAB_TIME_ZONE", "UTC", "Server time zone for times shown outside a city's context."
    ),
    EnvSetting(
        "CIVICLAB_EMAIL_BACKEND",
        "smtp",
        "`smtp` sends mail; `console` prints it (used by `civiclab demo`).",
    ),
    EnvSetting("CIVICLAB_EMAIL_HOST", "localhost", "SMTP server host."),
    EnvSetting("CIVICLAB_EMAIL_PORT", "25", "SMTP server port."),
    EnvSetting("CIVICLAB_EMAIL_USER", "(empty)", "SMTP user name."),
    EnvSetting("CIVICLAB_EMAIL_PASSWORD", "(empty)", "SMTP password."),
    EnvSetting("CIVICLAB_EMAIL_USE_TLS", "false", "Use STARTTLS with the SMTP server."),
    EnvSetting(
        "CIVICLAB_EMAIL_FROM",
        "civiclab@localhost",
        "Sender address of password-reset and notification mail.",
    ),
    EnvSetting(
        "CIVICLAB_SITE_URL",
        "http://localhost:8000",
        "The address people reach civiclab at, for links in mail sent outside a request "
        "(funding digests).",
    ),
    EnvSetting("CIVICLAB_LOG_LEVEL", "INFO", "Log level of civiclab's own loggers."),
    EnvSetting(
        "CIVICLAB_LOG_FORMAT",
        "plain",
        "`plain` text lines, or `json`: one JSON object per line; both carry the request id.",
    ),
    EnvSetting(
        "CIVICLAB_METRICS_TOKEN",
        "(empty)",
        "Bearer token a Prometheus scraper sends to /metrics; empty: /metrics is off (404).",
    ),
    EnvSetting(
        "CIVICLAB_CHECK_MAX_QUEUE",
        "100",
        "`civiclab check` fails when more jobs than this wait in the queue.",
    ),
    EnvSetting(
        "CIVICLAB_CHECK_MIN_FREE_BYTES",
        "1073741824",
        "`civiclab check` fails when the data directory's disk has less free space (or < 5 %).",
    ),
    EnvSetting(
        "CIVICLAB_CHECK_MAX_BACKUP_AGE_HOURS",
        "26",
        "`civiclab check` fails when the last backup is older than this, or none is recorded.",
    ),
    EnvSetting(
        "CIVICLAB_MAX_UPLOAD_MB",
        "4096",
        "Largest file (and largest unpacked zip) an import accepts, in megabytes.",
    ),
    EnvSetting(
        "CIVICLAB_MAX_ATTACHMENT_MB",
        "20",
        "Largest file attached to evidence or a decision (PDF, image, spreadsheet), in megabytes.",
    ),
    EnvSetting(
        "CIVICLAB_MAX_UNPACKED_MB",
        "2048",
        "Most a zip-based upload (Excel workbook, zipped Shapefile) may unpack to, in megabytes.",
    ),
    EnvSetting(
        "CIVICLAB_MAX_ZIP_RATIO",
        "100",
        "Most a file inside a zip-based upload may inflate (unpacked size ÷ packed size).",
    ),
    EnvSetting(
        "CIVICLAB_MAX_IMPORT_ROWS",
        "100000000",
        "Most rows one import may hold.",
    ),
    EnvSetting(
        "CIVICLAB_MAX_IMPORT_CELLS",
        "1000000000",
        "Most values (rows × columns) one import may hold.",
    ),
    EnvSetting(
        "CIVICLAB_MAX_IMPORT_COLUMNS",
        "500",
        "Most columns one import or preview may have.",
    ),
    EnvSetting(
        "CIVICLAB_IMPORT_TIMEOUT_SECONDS",
        "3600",
        "An import that takes longer is stopped and nothing is imported.",
    ),
    EnvSetting(
        "CIVICLAB_IMPORT_STALE_SECONDS",
        "60",
        "A background import whose heartbeat is silent this long is marked failed.",
    ),
    EnvSetting(
        "CIVICLAB_IMPORT_MEMORY_MB",
        "700",
        "Memory DuckDB may use for one import; larger imports spill to the data directory.",
    ),
    EnvSetting(
        "CIVICLAB_REFRESH_MAX_MB",
        "1024",
        "Most bytes one refresh of a bound source may download (as sent).",
    ),
    EnvSetting(
        "CIVICLAB_REFRESH_MAX_UNPACKED_MB",
        "2048",
        "Most bytes a refresh's gzipped answers may unpack to.",
    ),
    EnvSetting(
        "CIVICLAB_REFRESH_MAX_PAGES",
        "1000",
        "Most requests one refresh may make.",
    ),
    EnvSetting(
        "CIVICLAB_REFRESH_MAX_ROWS",
        "5000000",
        "Most rows a paged source (SODA, Open311) may bring in one refresh.",
    ),
    EnvSetting(
        "CIVICLAB_REFRESH_TIMEOUT_SECONDS",
        "600",
        "Most seconds one refresh's download may take.",
    ),
    EnvSetting(
        "CIVICLAB_REFRESH_ALLOW_PRIVATE_HOSTS",
        "false",
        "Whether refreshes may fetch from private, loopback or link-local addresses.",
    ),
    EnvSetting(
        "CIVICLAB_QUERY_MEMORY_MB",
        "512",
        "Memory DuckDB may use for one query of a city's data.",
    ),
    EnvSetting(
        "CIVICLAB_QUERY_TIMEOUT_SECONDS",
        "30",
        "A query of a city's data that runs longer is stopped.",
    ),
    EnvSetting(
        "CIVICLAB_INDICATOR_MAX_GROUPS",
        "2000",
        "Most groups an indicator's breakdown or equity column may have.",
    ),
    EnvSetting(
        "CIVICLAB_INDICATOR_MAX_CELLS",
        "100000",
        "Most values (periods × groups) one indicator series may have.",
    ),
    EnvSetting(
        "CIVICLAB_MAP_TILE_URL",
        "off",
        "Base map under the maps: `openstreetmap` (OpenStreetMap's standard tiles, with their "
        "credit), a tile URL template ({z}/{x}/{y}), or off (empty): no tiles, nothing "
        "fetched; the city's outline and its base layers are drawn instead.",
    ),
    EnvSetting(
        "CIVICLAB_MAP_TILE_ATTRIBUTION",
        "(empty)",
        "The credit line shown on maps for the tiles (HTML link allowed); required with a "
        "URL template, OpenStreetMap's own with `openstreetmap`.",
    ),
    EnvSetting(
        "CIVICLAB_MAP_TILE_MAX_ZOOM",
        "19",
        "The deepest zoom the tile server has tiles for (OpenStreetMap: 19).",
    ),
    EnvSetting(
        "CIVICLAB_DOCS_URL",
        "(empty)",
        "Where docs/ is published, for the pages' help links; empty: they name the file in docs/.",
    ),
    EnvSetting(
        "CIVICLAB_REDIS_URL",
        "(empty)",
        "Redis for the background job queue (redis://127.0.0.1:6379/0); empty: a SQLite "
        "queue in the data directory.",
    ),
    EnvSetting(
        "CIVICLAB_CACHE_URL",
        "(empty)",
        "The cache every process of the installation shares: redis://host:6379/1 or "
        "file:///absolute/folder; empty: Redis at CIVICLAB_REDIS_URL when set, else files in "
        "<data dir>/cache.",
    ),
    EnvSetting(
        "CIVICLAB_OBJECT_STORE_URL",
        "(empty)",
        "s3://bucket/prefix: datasets' version files kept in an S3-compatible object store, "
        "the data directory a cache of them; empty: on the local disk only.",
    ),
    EnvSetting(
        "CIVICLAB_S3_ENDPOINT_URL",
        "(empty)",
        "The object store's address (http://127.0.0.1:9000 for MinIO); empty: AWS S3.",
    ),
    EnvSetting("CIVICLAB_S3_REGION", "us-east-1", "The object store's region."),
    EnvSetting(
        "CIVICLAB_S3_ACCESS_KEY_ID",
        "(empty)",
        "Access key of the object store; empty: AWS's own chain (AWS_ACCESS_KEY_ID, "
        "~/.aws/credentials, an instance role).",
    ),
    EnvSetting(
        "CIVICLAB_S3_SECRET_ACCESS_KEY",
        "(empty)",
        "Secret key going with CIVICLAB_S3_ACCESS_KEY_ID.",
    ),
    EnvSetting(
        "CIVICLAB_OBJECT_CACHE_BYTES",
        "10737418240",
        "Most bytes of version files the data directory keeps as a cache of the object store "
        "(least recently read removed first, by the worker).",
    ),
    EnvSetting(
        "CIVICLAB_FUNDING_DROP_DIR",
        "(empty)",
        "Folder the operator drops Grants.gov extracts into; the worker imports the newest "
        "one not yet imported, hourly. Empty: no daily import.",
    ),
)

_DECLARED = {s.name for s in SETTINGS}


def _raw(name: str) -> str | None:
    if name not in _DECLARED:
        # A variable read but not declared would be missing from the docs.
        raise ConfigError(f"{name} is not a declared civiclab setting")
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} must be at least {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    return Path(env_str(name, default)).expanduser().resolve()


# --- The base map -----------------------------------------------------------------------------

OPENSTREETMAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OPENSTREETMAP_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>'
)
TILES_OFF = {"", "off", "none", "no", "false", "0"}


@dataclass(frozen=True)
class MapTiles:
    """The tile server maps draw their base map from: empty ``url`` when there is none."""

    url: str
    attribution: str
    max_zoom: int


def map_tiles() -> MapTiles:
    """The base map of CIVICLAB_MAP_TILE_URL: off unless configured, so tests, CI and a demo
    started without it fetch nothing from outside the server. ``openstreetmap`` names
    OpenStreetMap's standard tiles with their credit; a URL template needs an http(s) address
    with {z}, {x} and {y} and a credit line (the tile licence asks for one)."""
    url = env_str("CIVICLAB_MAP_TILE_URL", "off")
    attribution = env_str("CIVICLAB_MAP_TILE_ATTRIBUTION", "")
    max_zoom = env_int("CIVICLAB_MAP_TILE_MAX_ZOOM", 19, minimum=1)
    if max_zoom > 22:
        raise ConfigError(f"CIVICLAB_MAP_TILE_MAX_ZOOM={max_zoom} must be at most 22")
    if url.lower() in TILES_OFF:
        return MapTiles("", "", max_zoom)
    if url.lower() in ("openstreetmap", "osm") or url == OPENSTREETMAP_TILES:
        return MapTiles(OPENSTREETMAP_TILES, attribution or OPENSTREETMAP_ATTRIBUTION, max_zoom)
    if not url.startswith(("https://", "http://")) or not all(
        part in url for part in ("{z}", "{x}", "{y}")
    ):
        raise ConfigError(
            f"CIVICLAB_MAP_TILE_URL={url!r} is not a tile URL template: use "
            "https://host/{z}/{x}/{y}.png, openstreetmap, or off"
        )
    if not attribution:
        raise ConfigError(
            "CIVICLAB_MAP_TILE_ATTRIBUTION is empty: a tile server's licence asks for a credit "
            "line on the map (e.g. © OpenStreetMap contributors)"
        )
    return MapTiles(url, attribution, max_zoom)


# --- The object store -------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectStoreLocation:
    """Where datasets' version files go in an S3-compatible store: a bucket, and a prefix
    (no slash at either end; empty: the bucket's root)."""

    bucket: str
    prefix: str

    def key(self, relative: str) -> str:
        """The object's path (bucket first, as pyarrow's filesystems name objects) of the file
        at ``relative`` in the data directory."""
        return "/".join(part for part in (self.bucket, self.prefix, relative) if part)


def object_store_location(url: str) -> ObjectStoreLocation | None:
    """CIVICLAB_OBJECT_STORE_URL read: ``s3://bucket/prefix`` (the prefix optional), or None
    when empty (datasets on the local disk only)."""
    if not url:
        return None
    scheme, _sep, rest = url.partition("://")
    bucket, _slash, prefix = rest.partition("/")
    if scheme.lower() != "s3" or not bucket:
        raise ConfigError(
            f"CIVICLAB_OBJECT_STORE_URL={url!r} is not an object store address: use "
            "s3://bucket/prefix (or empty: datasets on the local disk only)"
        )
    return ObjectStoreLocation(bucket, prefix.strip("/"))


def s3_endpoint(url: str) -> tuple[str, str] | None:
    """CIVICLAB_S3_ENDPOINT_URL as (scheme, host[:port]), or None when empty (AWS's own)."""
    if not url:
        return None
    scheme, _sep, host = url.partition("://")
    host = host.rstrip("/")
    if scheme.lower() not in ("http", "https") or not host or "/" in host:
        raise ConfigError(
            f"CIVICLAB_S3_ENDPOINT_URL={url!r} is not an endpoint address: use "
            "http(s)://host:port (e.g. http://127.0.0.1:9000)"
        )
    return scheme.lower(), host


# --- The cache ---------------------------------------------------------------------------------

CACHE_KEY_PREFIX = "civiclab"  # a Redis shared with other software keeps civiclab's keys apart
# A cache that does not answer within this is an error, not a web worker stuck until gunicorn's
# timeout kills it.
CACHE_SOCKET_SECONDS = 2
# Past this many entries the file cache deletes a third of them (Django's culling, throttled in
# core/cache.py): room for every signed-in user's dashboard and readings.
FILE_CACHE_MAX_ENTRIES = 5000


def cache_settings(data_dir: Path, redis_url: str) -> dict[str, Any]:
    """Django's ``CACHES["default"]``: one cache that every process of the installation shares.

    CIVICLAB_CACHE_URL when set (``redis://``, ``rediss://``, ``unix://`` or ``file:///folder``),
    else Redis at ``redis_url`` (the job queue's) when set, else files in ``data_dir/cache``.
    Never Django's default per-process memory cache: the dashboard's data version lives in the
    cache (reports/queries/dashboard.py), so a write made by one gunicorn worker, another server
    or the job worker would not reach the pages the other processes keep cached."""
    url = env_str("CIVICLAB_CACHE_URL", "")
    name = "CIVICLAB_CACHE_URL"
    if not url and redis_url:
        url, name = redis_url, "CIVICLAB_REDIS_URL"
    if not url:
        return _file_cache(data_dir / "cache")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("redis", "rediss", "unix"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_SECONDS,
                "socket_timeout": CACHE_SOCKET_SECONDS,
            },
        }
    if scheme == "file" and name == "CIVICLAB_CACHE_URL":
        folder = url[len("file://") :]
        if not folder.startswith("/"):
            raise ConfigError(
                f"CIVICLAB_CACHE_URL={url!r} needs an absolute folder: file:///var/cache/civiclab"
            )
        return _file_cache(Path(folder))
    raise ConfigError(
        f"{name}={url!r} is not a Redis URL (redis://host:6379/0)"
        + (" or a folder (file:///absolute/folder)" if name == "CIVICLAB_CACHE_URL" else "")
    )


def _file_cache(folder: Path) -> dict[str, Any]:
    # Files, not memory: every process on the machine (each gunicorn worker, the job worker,
    # a second `civiclab serve`) reads and writes the same entries.
    return {
        "BACKEND": "civiclab.core.cache.SharedFileCache",
        "LOCATION": str(folder),
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {"MAX_ENTRIES": FILE_CACHE_MAX_ENTRIES},
    }


def load_or_create_secret_key(data_dir: Path) -> str:
    """Return the secret key kept in ``data_dir/secret_key``, creating it (mode 0600) once."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
