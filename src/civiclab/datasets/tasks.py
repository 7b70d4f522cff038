"""Huey tasks (found by huey's Django integration, run by ``civiclab worker``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task, on_startup

from civiclab.datasets import jobs


@db_task()
def run_import_job(job_id: int) -> None:
    jobs.run_job(job_id)


@on_startup()
def _expire_jobs_of_a_stopped_worker() -> None:
    jobs.expire_stale_jobs()
