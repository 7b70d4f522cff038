"""PURE: the record of the last successful backup, ``<data dir>/backup.last.json``.

``civiclab backup`` writes it when an archive is complete; ``civiclab check`` and ``/metrics``
read it to say how old the last backup is. It lives in the data directory rather than the
database so that it survives a restore of an older database and needs no migration, and so
that an operator can read it with ``cat``.

The file is ``{"finished_at": "<ISO-8601 UTC>", "path": "<archive>", "bytes": <size>}``.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

RECORD_NAME = "backup.last.json"


class BackupRecordError(ValueError):
    """The record exists but cannot be read as one (truncated, edited by hand, wrong types)."""


class BackupRecord(TypedDict):
    """The last backup: when it finished (aware, UTC), where it was written, how large it is."""

    finished_at: datetime
    path: str
    bytes: int


def record_path(data_dir: Path) -> Path:
    """Where the record of ``data_dir``'s installation is kept."""
    return Path(data_dir) / RECORD_NAME


def write_last_backup(
    data_dir: Path,
    path: str | os.PathLike[str],
    size_bytes: int,
    finished_at: datetime | None = None,
) -> BackupRecord:
    """Record that a backup of ``size_bytes`` bytes was written to ``path``, finishing at
    ``finished_at`` (now by default). The file is replaced atomically (a temporary file in the
    same folder, then ``os.replace``), so a reader never sees half a record and a crash leaves
    the previous one."""
    when = (finished_at or datetime.now(UTC)).astimezone(UTC)
    record = BackupRecord(finished_at=when, path=str(path), bytes=int(size_bytes))
    text = json.dumps(
        {"finished_at": when.isoformat(), "path": record["path"], "bytes": record["bytes"]},
        indent=2,
    )
    target = record_path(data_dir)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".backup.last.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return record


def last_backup(data_dir: Path) -> BackupRecord | None:
    """The last backup recorded in ``data_dir``, or None when none was ever recorded.

    Raises :class:`BackupRecordError` when the file is there but is not a record."""
    try:
        raw = record_path(data_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BackupRecordError(f"cannot read {RECORD_NAME}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        finished = datetime.fromisoformat(data["finished_at"])
        path, size = data["path"], data["bytes"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupRecordError(f"{RECORD_NAME} is not a backup record: {exc}") from None
    if not isinstance(path, str) or not isinstance(size, int) or isinstance(size, bool):
        raise BackupRecordError(f"{RECORD_NAME} is not a backup record: wrong types")
    if finished.tzinfo is None:  # written by hand without an offset: ISO-8601 UTC is the format
        finished = finished.replace(tzinfo=UTC)
    return BackupRecord(finished_at=finished.astimezone(UTC), path=path, bytes=size)


def backup_age_seconds(record: BackupRecord, now: datetime | None = None) -> float:
    """How long ago the backup finished; 0 for a record from the future (a clock set back)."""
    elapsed = (now or datetime.now(UTC)) - record["finished_at"]
    return max(elapsed.total_seconds(), 0.0)
