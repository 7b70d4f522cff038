"""The worker's tasks (imported by ``civiclab worker`` and by code that queues them)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from civiclab.core.jobqueue import db_periodic_task, db_task, queue
from civiclab.datasets import housekeeping, jobs, refresh, store


@db_task
def run_import_job(job_id: int) -> None:
    jobs.run_job(job_id)


@queue().on_startup()
def _expire_jobs_of_a_stopped_worker() -> None:
    # A worker (re)started after being killed clears at once what it left: its jobs are
    # failed once their heartbeat is stale, its staging folders (their locks are free) go.
    housekeeping.beat()
    jobs.expire_stale_jobs()
    housekeeping.clean_orphans()


@db_periodic_task(crontab(minute="*"))
def keep_house() -> None:
    """Every minute: the worker's heartbeat, and jobs of a worker that died (another one, or
    this one before a restart) marked failed; every quarter hour, orphaned files removed and
    the object store's cache trimmed to its bound."""
    housekeeping.beat()
    jobs.expire_stale_jobs()
    if timezone.now().minute % 15 == 0:
        housekeeping.clean_orphans()
        store.trim_cache()


@db_periodic_task(crontab(minute="*/5"))
def refresh_due_sources() -> None:
    """Every five minutes: queue a refresh of each bound source whose schedule is due."""
    refresh.refresh_due()
