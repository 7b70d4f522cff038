"""The backup archive's shape, without Django: how rows are written as JSON lines and read
back, how members are named, and what a manifest must hold.

An archive is one uncompressed tar file (Parquet is compressed already):

- ``database.jsonl.gz`` — every table of every model, one section per model: a header line
  ``{"model": "app_label.model_name", "fields": [attname, …]}`` then one JSON array per row,
  in primary-key order. Values are JSON-native where they can be (text, numbers, booleans,
  null, JSON fields' documents) and strings otherwise (``encode_value``); keys of JSON
  documents are sorted, so the same rows give the same bytes on SQLite and PostgreSQL (whose
  ``jsonb`` reorders keys).
- ``files/<path relative to the data directory>`` — every dataset version's Parquet file and
  every attached file the database names, byte for byte.
- ``settings.json`` — the installation's ``CIVICLAB_*`` settings, secrets masked, for the
  operator's reference (a restore does not apply them).
- ``secret_key`` — only when asked for (``--with-secret-key``).
- ``manifest.json`` — written last: format, civiclab version, when, from which database, the
  migrations applied, rows per model and every file's size and SHA-256.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any

FORMAT = "civiclab-backup"
FORMAT_VERSION = 1
DATABASE_MEMBER = "database.jsonl.gz"
MANIFEST_MEMBER = "manifest.json"
SETTINGS_MEMBER = "settings.json"
SECRET_KEY_MEMBER = "secret_key"
FILES_PREFIX = "files/"
# The data directory's folders whose files a backup holds (what the database names in them).
FILE_ROOTS = ("datasets", "attachments")
# An environment variable whose name holds one of these is a secret: masked in settings.json.
_SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|TOKEN", re.IGNORECASE)
# A URL's password (postgres://user:pass@host/db, redis://:pass@host).
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@]*):[^@/]*@")


class ArchiveError(Exception):
    """The archive cannot be read or restored; the message says why, in one line."""


def encode_value(value: Any) -> Any:
    """``value`` as read from the database, as JSON: dates and times in ISO 8601 (aware ones
    keep their offset), durations in ISO 8601, decimals and UUIDs as strings, bytes in base64
    (Django's ``BinaryField.to_python`` reads it back)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        from django.utils.duration import duration_iso_string

        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} in a backup")


def header_line(model: str, fields: list[str]) -> str:
    return json.dumps({"model": model, "fields": fields}, sort_keys=True) + "\n"


def row_line(values: Iterable[Any]) -> str:
    return json.dumps(list(values), default=encode_value, sort_keys=True, ensure_ascii=False) + "\n"


def read_rows(lines: Iterable[str]) -> Iterator[tuple[str, list[str], list[Any]]]:
    """(model, its fields, row) for each row of a database dump, one line at a time."""
    header: dict[str, Any] | None = None
    for number, line in enumerate(lines, start=1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ArchiveError(f"database dump, line {number}: {exc.msg}") from exc
        if isinstance(value, dict):
            if not isinstance(value.get("model"), str) or not isinstance(value.get("fields"), list):
                raise ArchiveError(f"database dump, line {number}: not a model header")
            header = value
        elif isinstance(value, list) and header is not None:
            if len(value) != len(header["fields"]):
                raise ArchiveError(
                    f"database dump, line {number}: {len(value)} values for "
                    f"{len(header['fields'])} fields of {header['model']}"
                )
            yield header["model"], header["fields"], value
        else:
            raise ArchiveError(f"database dump, line {number}: a row before any model header")


def member_for_file(relative: str) -> str:
    return FILES_PREFIX + relative


def file_for_member(member: str) -> str:
    """The path, relative to the data directory, a ``files/`` member is restored to; refused
    unless it lies inside one of ``FILE_ROOTS`` (an archive cannot write elsewhere)."""
    relative = PurePosixPath(member[len(FILES_PREFIX) :])
    if (
        not member.startswith(FILES_PREFIX)
        or relative.is_absolute()
        or ".." in relative.parts
        or not relative.parts
        or relative.parts[0] not in FILE_ROOTS
        or len(relative.parts) < 2
    ):
        raise ArchiveError(f"the archive names a file outside the data folders: {member!r}")
    return str(relative)


def masked_settings(environment: dict[str, str]) -> dict[str, str]:
    """The ``CIVICLAB_*`` variables of ``environment``, secrets and URL passwords masked."""
    kept = {}
    for name in sorted(environment):
        if not name.startswith("CIVICLAB_"):
            continue
        value = environment[name]
        if _SECRET_NAME.search(name.removeprefix("CIVICLAB_")):
            value = "(set, not kept)" if value else ""
        else:
            value = _URL_PASSWORD.sub(r"\1:***@", value)
        kept[name] = value
    return kept


def check_manifest(manifest: Any) -> dict[str, Any]:
    """The manifest if it is one this code can restore; ArchiveError saying why not."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("not a civiclab backup (its manifest.json is not one)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ArchiveError(
            f"the backup's format is version {version}; this civiclab reads up to "
            f"{FORMAT_VERSION}: restore it with the civiclab that made it, or a newer one"
        )
    for key, kind in (("migrations", list), ("rows", dict), ("files", dict)):
        if not isinstance(manifest.get(key), kind):
            raise ArchiveError(f"the backup's manifest has no valid {key!r}")
    return manifest
