"""The worker's tasks (imported by ``civiclab worker`` and by code that queues them)."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task, queue
from civiclab.datasets import jobs


@db_task
def run_import_job(job_id: int) -> None:
    jobs.run_job(job_id)


@db_task
def refresh_indicators(dataset_id: int) -> None:
    from civiclab.indicators.services import refresh_dataset_indicators

    refresh_dataset_indicators(dataset_id)


@queue().on_startup()
def _expire_jobs_of_a_stopped_worker() -> None:
    jobs.expire_stale_jobs()
