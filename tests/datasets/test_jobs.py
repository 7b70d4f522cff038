"""Background imports: job states, errors kept for the page, and interrupted workers."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from civiclab.datasets import jobs, services
from civiclab.datasets.models import ImportJob
from tests.datasets.helpers import REAL, write
from tests.world import World

pytestmark = pytest.mark.django_db


def upload_copy(source: Path, tmp_path: Path) -> Path:
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    return copy


def test_job_runs_to_done_with_its_version(world: World, tmp_path: Path) -> None:
    path = upload_copy(REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv", tmp_path)
    job = jobs.submit_import(
        world.user("member"), world.city, "311", path, "311.csv", services.ImportOptions()
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.progress == 1.0
    assert job.version.rows == 1000 and job.dataset.slug == "311"
    assert not (jobs.uploads_dir()).joinpath(Path(job.upload).parent.name).exists()


def test_failed_job_keeps_the_report(world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", "id,lat\n1,95\n")
    job = jobs.submit_import(
        world.user("member"), world.city, "bad", path, "bad.csv", services.ImportOptions()
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.error["code"] == "bad_rows"
    assert job.error["report"]["examples"][0]["value"] == "95"


def test_a_job_whose_worker_died_is_marked_failed(world: World) -> None:
    job = ImportJob.objects.create(
        city=world.city,
        dataset_name="x",
        upload="uploads/none",
        state=ImportJob.State.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    alive = ImportJob.objects.create(
        city=world.city,
        dataset_name="y",
        upload="uploads/none",
        state=ImportJob.State.RUNNING,
        heartbeat_at=timezone.now(),
    )
    assert jobs.expire_stale_jobs() == 1
    job.refresh_from_db()
    alive.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and job.error["code"] == "worker_stopped"
    assert alive.state == ImportJob.State.RUNNING
    # An upload path outside a job's own folder removes nothing (here: the uploads folder).
    assert (settings.DATA_DIR / "uploads").is_dir()
