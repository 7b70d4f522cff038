"""Keeping background imports honest: the worker's heartbeat, stuck jobs, orphaned files.

A worker can be killed at any moment (out of memory, a restart, a power cut). What it leaves —
a job marked running, its upload under ``uploads/jobs/``, half-written files in a city's
``staging/`` folder — is found and cleared here, by the worker itself every few minutes
(``tasks.py``), whenever a job is read, and by ``civiclab check --clean``; and
``civiclab check`` reports it until then.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from civiclab.datasets.jobs import stale_after, uploads_dir
from civiclab.datasets.models import ImportJob
from civiclab.datasets.services import STAGING_LOCK

# The worker writes its heartbeat every minute (a periodic task); three missed beats mean
# no worker is running.
WORKER_BEAT_EVERY = timedelta(minutes=1)
WORKER_MISSING_AFTER = timedelta(minutes=3)
# An upload folder without a waiting job is left this long (the job row is written just
# after the file is moved in).
UPLOAD_ORPHANED_AFTER = timedelta(minutes=10)
# Django's temporary upload files and abandoned uploads of the check step.
ABANDONED_AFTER = timedelta(days=1)


def heartbeat_file() -> Path:
    return settings.DATA_DIR / "worker.heartbeat"


def beat() -> None:
    """Say the worker is alive (its periodic task and its start call this)."""
    path = heartbeat_file()
    path.touch()
    path.write_text(timezone.now().isoformat(), encoding="utf-8")


def worker_last_seen() -> datetime | None:
    try:
        return datetime.fromtimestamp(heartbeat_file().stat().st_mtime, tz=UTC)
    except FileNotFoundError:
        return None


def stuck_jobs() -> list[ImportJob]:
    """Jobs marked running whose worker has stopped beating their heartbeat."""
    cutoff = timezone.now() - stale_after()
    return list(ImportJob.objects.filter(state=ImportJob.State.RUNNING, heartbeat_at__lt=cutoff))


@dataclass
class Orphans:
    """Files no running import will use again."""

    paths: list[Path] = field(default_factory=list)
    bytes: int = 0

    def add(self, path: Path) -> None:
        self.paths.append(path)
        self.bytes += _size(path)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _older_than(path: Path, age: timedelta) -> bool:
    try:
        return path.stat().st_mtime < time.time() - age.total_seconds()
    except FileNotFoundError:
        return False


def _lock_is_free(folder: Path) -> bool:
    """Whether no process holds the lock of an import's staging folder (see
    ``services._staging``). A folder without the lock file is judged by its age alone."""
    try:
        lock = os.open(folder / STAGING_LOCK, os.O_WRONLY)
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(lock)  # closing releases the lock taken, if any
    return True


def find_orphans() -> Orphans:
    """Uploads of jobs that will never run, staging folders of imports that ended without
    cleaning up, and abandoned uploads."""
    found = Orphans()
    waiting = {
        Path(upload).parent.name
        for upload in ImportJob.objects.filter(
            state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]
        ).values_list("upload", flat=True)
    }
    jobs_dir = uploads_dir()
    if jobs_dir.exists():
        for folder in jobs_dir.iterdir():
            if folder.name not in waiting and _older_than(folder, UPLOAD_ORPHANED_AFTER):
                found.add(folder)
    # No import outlives its time limit (and a preview its shorter one), so a staging folder
    # older than that belongs to none; nor does one whose import's lock is free (its process
    # ended without removing it: killed, or the machine stopped).
    staging_age = timedelta(seconds=settings.IMPORT_TIMEOUT_SECONDS) + stale_after()
    for staging in (settings.DATASETS_DIR).glob("*/staging"):
        for folder in staging.iterdir():
            if _lock_is_free(folder) or _older_than(folder, staging_age):
                found.add(folder)
    uploads = settings.DATA_DIR / "uploads"
    pending = uploads / "pending"
    for candidate in [
        *(p for p in uploads.glob("*") if p.is_file()),  # Django's interrupted uploads
        *(pending.iterdir() if pending.exists() else []),
    ]:
        if _older_than(candidate, ABANDONED_AFTER):
            found.add(candidate)
    return found


def clean_orphans() -> Orphans:
    """Remove the orphaned files; what was removed."""
    found = find_orphans()
    for path in found.paths:
        if not path.is_dir():
            path.unlink(missing_ok=True)
        elif (path / STAGING_LOCK).exists():
            _remove_staging(path)
        else:
            shutil.rmtree(path, ignore_errors=True)
    return found


def _remove_staging(folder: Path) -> None:
    """Remove a staging folder holding its lock, so that an import which opened the folder's
    lock file just before sees it gone once it gets the lock (and takes another folder)."""
    try:
        lock = os.open(folder / STAGING_LOCK, os.O_WRONLY)
    except OSError:
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass  # taken since: in use
    finally:
        os.close(lock)
