"""A killed worker leaves nothing for ever: stuck jobs fail, orphaned files go, check says so."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from civiclab.core.backup_record import record_path, write_last_backup
from civiclab.core.jobqueue import queue
from civiclab.datasets import housekeeping, jobs
from civiclab.datasets.jobs import uploads_dir
from civiclab.datasets.models import ImportJob
from civiclab.datasets.services import city_dir
from civiclab.datasets.tasks import keep_house
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db


def running_job(world: World, beat_ago: timedelta, folder: str = "abc") -> ImportJob:
    return ImportJob.objects.create(
        city=world.city,
        dataset_name="x",
        upload=f"uploads/jobs/{folder}/upload",
        state=ImportJob.State.RUNNING,
        heartbeat_at=timezone.now() - beat_ago,
        created_by=world.user("member"),
    )


def aged(path: Path, age: timedelta, folder: bool = True) -> Path:
    if folder:
        path.mkdir(parents=True, exist_ok=True)
        (path / "part").write_bytes(b"x" * 100)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 100)
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """``civiclab check --json``'s exit code and report."""
    try:
        call_command("check", "--json", *args)
        code = 0
    except CommandError:
        code = 1
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def no_files_left() -> Any:
    """The data directory is shared by the whole run: leave no upload or staging folder."""
    yield
    for folder in [uploads_dir(), *settings.DATASETS_DIR.glob("*/staging")]:
        shutil.rmtree(folder, ignore_errors=True)
    (settings.DATA_DIR / "uploads" / "tmpab12.upload").unlink(missing_ok=True)
    housekeeping.heartbeat_file().unlink(missing_ok=True)


def test_a_stuck_job_reads_as_failed_with_no_worker_restart(world: World) -> None:
    """GIVEN a job marked running whose worker was killed five minutes ago, never restarted
    WHEN its page or the API reads it
    THEN it is failed, saying the worker stopped; a job still beating stays running."""
    job = running_job(world, timedelta(minutes=5))
    alive = running_job(world, timedelta(seconds=2), folder="def")
    answer = Client().get(f"/api/v1/jobs/{job.pk}", **api_headers(world.user("member"))).json()
    assert answer["state"] == "failed"
    assert answer["error"]["code"] == "worker_stopped"
    alive.refresh_from_db()
    assert alive.state == ImportJob.State.RUNNING


def test_the_worker_beats_and_expires_stuck_jobs_every_minute(world: World) -> None:
    job = running_job(world, timedelta(minutes=5))
    housekeeping.heartbeat_file().unlink(missing_ok=True)
    keep_house.call_local()
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert timezone.now() - housekeeping.worker_last_seen() < timedelta(seconds=5)


def test_orphaned_files_are_found_and_removed_and_live_ones_kept(world: World) -> None:
    """GIVEN the leftovers of a killed worker and the files of imports still under way
    THEN only the leftovers are orphans, and cleaning removes only them."""
    old = timedelta(hours=2)
    staging = city_dir(world.city) / "staging"
    orphans = {
        aged(uploads_dir() / "dead", old),  # its job failed or was never written
        aged(staging / "killed", timedelta(seconds=settings.IMPORT_TIMEOUT_SECONDS) + old),
        aged(settings.DATA_DIR / "uploads" / "tmpab12.upload", timedelta(days=2), folder=False),
    }
    kept = {
        aged(uploads_dir() / "waiting", old),  # a queued job's upload
        aged(uploads_dir() / "new", timedelta(seconds=5)),
        aged(staging / "importing", timedelta(minutes=5)),
    }
    ImportJob.objects.create(
        city=world.city, dataset_name="w", upload="uploads/jobs/waiting/upload"
    )
    found = housekeeping.find_orphans()
    assert set(found.paths) == orphans and found.bytes == 300
    housekeeping.clean_orphans()
    assert not any(path.exists() for path in orphans)
    assert all(path.exists() for path in kept)


def test_check_reports_stuck_jobs_a_missing_worker_and_orphans(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a killed worker: a stuck job, its upload, no heartbeat for ten minutes
    WHEN civiclab check runs THEN it fails and names each problem;
    WHEN civiclab check --clean runs THEN the job is failed and the files gone."""
    monkeypatch.setattr(queue(), "immediate", False)  # a real worker is expected
    job = running_job(world, timedelta(minutes=5), folder="dead")
    aged(uploads_dir() / "dead", timedelta(hours=2))  # an orphan once its job is failed
    old = timedelta(seconds=settings.IMPORT_TIMEOUT_SECONDS, hours=2)
    staging = aged(city_dir(world.city) / "staging" / "killed", old)
    beat = housekeeping.heartbeat_file()
    aged(beat, timedelta(minutes=10), folder=False)
    code, report = check(capsys)
    assert code == 1 and report["ok"] is False
    checks = report["checks"]
    assert not checks["jobs"]["ok"] and f"ids {job.pk}" in checks["jobs"]["detail"]
    assert not checks["worker"]["ok"] and "civiclab worker" in checks["worker"]["detail"]
    assert not checks["files"]["ok"] and "1 orphaned" in checks["files"]["detail"]
    code, report = check(capsys, "--clean")
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert report["checks"]["jobs"]["ok"] and report["checks"]["files"]["ok"]
    assert not (uploads_dir() / "dead").exists() and not staging.exists()
    # The failed job's upload went with it; the staging folder was the orphan left.
    assert "removed 1 orphaned" in report["checks"]["files"]["detail"]
    housekeeping.beat()  # the worker is back
    write_last_backup(settings.DATA_DIR, "/backups/civiclab.tar", 1)  # and backups run
    try:
        code, report = check(capsys)
    finally:
        record_path(settings.DATA_DIR).unlink()
    assert code == 0 and report["ok"] is True, report


def test_a_staging_folder_whose_import_ended_is_an_orphan_at_once(world: World) -> None:
    """GIVEN an import's staging folder in use (its lock held) and one left by an import whose
    process died (its lock file there, free), both new WHEN housekeeping looks for orphans
    THEN the dead import's folder is one, removed at once, and the one in use is kept."""
    from civiclab.datasets.services import STAGING_LOCK, _staging

    dead = city_dir(world.city) / "staging" / "dead"
    dead.mkdir(parents=True)
    (dead / STAGING_LOCK).touch()
    (dead / "data.parquet").write_bytes(b"x" * 100)
    with _staging(world.city) as in_use:
        assert housekeeping.find_orphans().paths == [dead]
        housekeeping.clean_orphans()
        assert not dead.exists() and in_use.exists()
    assert not in_use.exists()  # an import removes its own folder when it ends


def test_a_job_failed_for_a_stopped_worker_loses_its_upload_at_once(world: World) -> None:
    """GIVEN a running job whose heartbeat is stale, its upload on disk WHEN stale jobs are
    expired THEN the job is failed and its upload folder removed (nothing will read it)."""
    job = running_job(world, timedelta(minutes=5), folder="stale")
    upload = uploads_dir() / "stale"
    upload.mkdir(parents=True, exist_ok=True)
    (upload / "upload").write_text("id\n1\n")
    assert jobs.expire_stale_jobs() == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and not upload.exists()
