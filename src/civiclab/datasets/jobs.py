"""Imports in the background: a job row the pages show, and the worker task that runs it.

A job is ``queued`` until a worker takes it, then ``running`` with a stage and a fraction
done, then ``done`` (with its version) or ``failed`` (with the error report). A running job
beats a heartbeat; one whose heartbeat stops (the worker was killed) is marked failed
rather than left running forever.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.core.errors import DomainError
from civiclab.datasets import refresh, services, store
from civiclab.datasets.ingest.report import IngestError, hide_paths
from civiclab.datasets.models import ImportJob
from civiclab.datasets.signals import import_failed, import_finished


def stale_after() -> timedelta:
    """How long a running job's heartbeat may be silent before its worker counts as dead
    (``CIVICLAB_IMPORT_STALE_SECONDS``)."""
    return timedelta(seconds=settings.IMPORT_STALE_SECONDS)


def heartbeat_seconds() -> float:
    """How often a running job beats: several times within ``stale_after``, so a slow beat
    is never taken for a dead worker, and at most every 5 s."""
    return min(5.0, settings.IMPORT_STALE_SECONDS / 6)


class QueueUnavailable(DomainError):
    """The job queue (Redis, or the SQLite queue file) took no job: nothing was queued."""

    status = 503
    code = "queue_unavailable"


def uploads_dir() -> Path:
    return settings.DATA_DIR / "uploads" / "jobs"


def upload_object(upload: str) -> str:
    """The object store's name for a job's upload (``uploads/jobs/<id>/upload``): one level
    deep, as deleting an object makes pyarrow leave a marker of its emptied "folder"."""
    return f"uploads/{Path(upload).parent.name}"


def submit_import(
    by: Any,
    city: Any,
    name: str,
    upload: Path,
    source_name: str,
    options: services.ImportOptions,
) -> ImportJob:
    """Keep the uploaded file and queue its import (refused at once if not allowed)."""
    services.check_may_import(by, city, name, options.visibility, options.adds_to_existing)
    services.check_file_size(upload)
    folder = uploads_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    kept = folder / "upload"
    shutil.move(str(upload), kept)
    if store.configured():
        # The worker may run on another machine: it fetches the upload from the store.
        try:
            store.upload(kept, upload_object(str(kept.relative_to(settings.DATA_DIR))))
        except store.StoreError:
            shutil.move(str(kept), upload)
            shutil.rmtree(folder, ignore_errors=True)
            raise
    job = ImportJob.objects.create(
        city=city,
        dataset_name=name,
        dataset=services.find_dataset(city, name),
        upload=str(kept.relative_to(settings.DATA_DIR)),
        source_name=source_name[:300],
        options=asdict(options),
        created_by=by,
    )
    try:
        enqueue(job)
    except QueueUnavailable:
        # The file goes back where it came from, for the caller to offer again or remove.
        shutil.move(str(kept), upload)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


def enqueue(job: ImportJob) -> None:
    """Hand the job to the worker; when the queue cannot take it (Redis is down…), the job is
    marked failed at once — no job waits for a worker that will never hear of it — and
    QueueUnavailable says so."""
    from civiclab.datasets.tasks import run_import_job

    try:
        run_import_job(job.pk)
    except Exception as exc:  # any client's error: redis-py's, sqlite3's
        error = IngestError(
            "The job queue is unreachable, so the import could not start: try again in a "
            "moment (the administrator can check it with `civiclab check`).",
            code=QueueUnavailable.code,
        )
        _finish(job, ImportJob.State.FAILED, error=error.as_dict())
        raise QueueUnavailable(
            _(
                "The job queue is unreachable, so the import could not start: try again in a "
                "moment (the administrator can check it with `civiclab check`)."
            )
        ) from exc


def expire_stale_jobs() -> int:
    """Mark failed the running jobs whose worker stopped beating, and remove their uploads
    (nothing will read them again: the job is not retried)."""
    cutoff = timezone.now() - stale_after()
    stale = ImportJob.objects.filter(state=ImportJob.State.RUNNING, heartbeat_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if not ids:
        return 0
    error = {
        "code": "worker_stopped",
        "message": "The worker stopped while importing; the dataset was not changed. "
        "Upload the file again.",
        "report": None,
    }
    with transaction.atomic():
        # Only those still running: a job that ended meanwhile has announced itself.
        count = ImportJob.objects.filter(pk__in=ids, state=ImportJob.State.RUNNING).update(
            state=ImportJob.State.FAILED, finished_at=timezone.now(), error=error
        )
        for job in ImportJob.objects.filter(pk__in=ids, error=error).select_related("source"):
            if job.source_id is not None:
                refresh.record_outcome(job)
            _announce(job)
            folder = (settings.DATA_DIR / job.upload).parent if job.upload else None
            # Only a job's own folder (uploads/jobs/<id>/upload), never what holds it.
            if folder is not None and folder.parent == uploads_dir():
                shutil.rmtree(folder, ignore_errors=True)
            if store.configured() and job.upload and job.source_id is None:
                with contextlib.suppress(store.StoreError):
                    store.delete(upload_object(job.upload))
    return count


def _announce(job: ImportJob) -> None:
    """Tell whoever listens (notifications…) that the job ended, once it has committed."""
    signal = import_finished if job.state == ImportJob.State.DONE else import_failed
    transaction.on_commit(lambda: signal.send(sender=ImportJob, job=job))


class _Heartbeat(threading.Thread):
    def __init__(self, job_id: int) -> None:
        super().__init__(daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(heartbeat_seconds()):
            ImportJob.objects.filter(pk=self.job_id).update(heartbeat_at=timezone.now())
        close_old_connections()


def run_job(job_id: int) -> None:
    """Run one queued job to the end (called by the worker)."""
    job = ImportJob.objects.select_related("city", "created_by").get(pk=job_id)
    if job.state != ImportJob.State.QUEUED:
        return
    now = timezone.now()
    job.state, job.heartbeat_at, job.stage = ImportJob.State.RUNNING, now, "starting"
    job.save(update_fields=["state", "heartbeat_at", "stage"])
    heartbeat = _Heartbeat(job.pk)
    heartbeat.start()
    upload = settings.DATA_DIR / job.upload if job.upload else None

    def progress(stage: str, fraction: float) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            stage=stage, progress=fraction, heartbeat_at=timezone.now()
        )

    try:
        if job.source_id is not None:
            progress("downloading", 0.0)
            upload = refresh.download(job)
        elif store.configured() and job.upload:
            # Kept by a server that may be on another machine.
            upload = store.fetch(upload_object(job.upload), settings.DATA_DIR / job.upload)
        assert upload is not None
        version = services.import_file(
            job.created_by,
            job.city,
            job.dataset_name,
            upload,
            job.source_name,
            services.ImportOptions(**refresh.import_options(job)),
            progress,
        )
    except IngestError as exc:
        _finish(job, ImportJob.State.FAILED, error=exc.as_dict())
    except PermissionDenied:
        _finish(
            job,
            ImportJob.State.FAILED,
            error=IngestError(
                "{user} may no longer add versions to this dataset; nothing was changed.",
                code="permission",
                params={"user": str(job.created_by or "")},
            ).as_dict(),
        )
    except Exception as exc:  # a job must end failed, never stay running
        _finish(
            job,
            ImportJob.State.FAILED,
            error=IngestError(
                "The import failed: {detail}",
                code="error",
                params={
                    "detail": hide_paths(
                        str(exc),
                        job.source_name,
                        [upload.parent if upload else settings.DATA_DIR, settings.DATA_DIR],
                    )
                },
            ).as_dict(),
        )
    else:
        job.version = version
        job.dataset = version.dataset
        _finish(job, ImportJob.State.DONE)
    finally:
        heartbeat.stopped.set()
        if upload is not None:
            shutil.rmtree(upload.parent, ignore_errors=True)
        if store.configured() and job.upload and job.source_id is None:
            with contextlib.suppress(store.StoreError):
                store.delete(upload_object(job.upload))


@transaction.atomic
def _finish(job: ImportJob, state: str, error: dict[str, Any] | None = None) -> None:
    job.state = state
    job.error = error or {}
    job.progress = 1.0 if state == ImportJob.State.DONE else job.progress
    job.stage = "done" if state == ImportJob.State.DONE else "failed"
    job.finished_at = timezone.now()
    job.save()
    if job.source_id is not None:
        refresh.record_outcome(job)
    _announce(job)
