"""`civiclab check`'s queue, disk and backup items: ok, and failing with a one-line reason."""

from __future__ import annotations

import json
import shutil
import socket
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from civiclab.core import jobqueue
from civiclab.core.backup_record import (
    BackupRecordError,
    last_backup,
    record_path,
    write_last_backup,
)
from civiclab.datasets.models import ImportJob
from civiclab.site.management.commands.check import (
    check_backup,
    check_disk,
    check_queue,
    human_bytes,
)
from tests.migrated import Migrated
from tests.world import World

DiskUsage = namedtuple("DiskUsage", "total used free")


@pytest.fixture
def no_backup_record() -> Any:
    """The data directory is shared by the whole run: leave no record behind."""
    record_path(settings.DATA_DIR).unlink(missing_ok=True)
    yield
    record_path(settings.DATA_DIR).unlink(missing_ok=True)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- disk --------------------------------------------------------------------------------------


def test_disk_is_ok_with_room_and_says_how_much() -> None:
    with override_settings(CHECK_MIN_FREE_BYTES=1):
        ok, detail = check_disk()
    assert ok, detail
    assert " free of " in detail and "iB" in detail


def test_disk_fails_under_the_configured_free_space() -> None:
    """GIVEN CIVICLAB_CHECK_MIN_FREE_BYTES above what the disk has free THEN the item fails
    and names the setting."""
    free = shutil.disk_usage(settings.DATA_DIR).free
    with override_settings(CHECK_MIN_FREE_BYTES=free * 2 + 1):
        ok, detail = check_disk()
    assert not ok
    assert "CIVICLAB_CHECK_MIN_FREE_BYTES" in detail


def test_disk_fails_under_five_percent_free_whatever_the_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a 100 TiB filesystem with 4 TiB free (more than any byte threshold, 4 % of it)
    THEN the item fails: it is nearly full."""
    tib = 1024**4
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: DiskUsage(100 * tib, 96 * tib, 4 * tib))
    with override_settings(CHECK_MIN_FREE_BYTES=1):
        ok, detail = check_disk()
    assert not ok
    assert "4.0 TiB free of 100.0 TiB (4%)" in detail and "less than 5%" in detail


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1536, "1.5 KiB"),
        (1024**3, "1.0 GiB"),
        (5 * 1024**5, "5120.0 TiB"),
    ],
)
def test_sizes_read_as_people_read_them(count: int, text: str) -> None:
    assert human_bytes(count) == text


# --- backup ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_backup_record")
def test_backup_fails_when_none_was_ever_recorded() -> None:
    ok, detail = check_backup()
    assert not ok
    assert detail == "no backup recorded: run `civiclab backup PATH`"


@pytest.mark.usefixtures("no_backup_record")
def test_a_recent_backup_is_ok_and_an_old_one_fails() -> None:
    """GIVEN a backup that finished 2 hours ago THEN ok, saying when, how big and where;
    GIVEN one 30 hours ago (default limit 26) THEN it fails naming the setting;
    GIVEN the limit lowered to 1 hour THEN the 2-hour-old one fails too."""
    now = datetime.now(UTC)
    write_last_backup(settings.DATA_DIR, "/backups/a.tar", 3 * 1024**2, now - timedelta(hours=2))
    ok, detail = check_backup()
    assert ok, detail
    assert "2.0 h ago" in detail and "3.0 MiB" in detail and "/backups/a.tar" in detail
    with override_settings(CHECK_MAX_BACKUP_AGE_HOURS=1):
        ok, detail = check_backup()
    assert not ok and "CIVICLAB_CHECK_MAX_BACKUP_AGE_HOURS=1" in detail
    write_last_backup(settings.DATA_DIR, "/backups/b.tar", 1, now - timedelta(hours=30))
    ok, detail = check_backup()
    assert not ok
    assert "30.0 h ago" in detail and "CIVICLAB_CHECK_MAX_BACKUP_AGE_HOURS=26" in detail


@pytest.mark.usefixtures("no_backup_record")
@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[]",
        '{"finished_at": "yesterday", "path": "/b", "bytes": 1}',
        '{"finished_at": "2030-01-01T00:00:00+00:00", "path": "/b"}',
        '{"finished_at": "2030-01-01T00:00:00+00:00", "path": "/b", "bytes": "12"}',
    ],
)
def test_an_unreadable_record_fails_in_one_line(content: str) -> None:
    record_path(settings.DATA_DIR).write_text(content)
    with pytest.raises(BackupRecordError):
        last_backup(settings.DATA_DIR)
    ok, detail = check_backup()
    assert not ok and "\n" not in detail and "civiclab backup" in detail


def test_the_record_is_written_whole_and_read_back(tmp_path: Path) -> None:
    """GIVEN a backup recorded THEN the file is the documented JSON (ISO-8601 UTC), no
    temporary file is left, and reading gives back what was written."""
    when = datetime(2030, 5, 1, 3, 4, 5, tzinfo=UTC)
    write_last_backup(tmp_path, tmp_path / "backup.tar", 42, when)
    assert json.loads((tmp_path / "backup.last.json").read_text()) == {
        "finished_at": "2030-05-01T03:04:05+00:00",
        "path": str(tmp_path / "backup.tar"),
        "bytes": 42,
    }
    assert [p.name for p in tmp_path.iterdir()] == ["backup.last.json"]
    assert last_backup(tmp_path) == {
        "finished_at": when,
        "path": str(tmp_path / "backup.tar"),
        "bytes": 42,
    }
    assert last_backup(tmp_path / "elsewhere") is None


# --- queue -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_counts_waiting_imports_and_tasks(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN 3 imports queued and 5 tasks in the queue (the imports' among them) THEN the depth
    is 5; over CIVICLAB_CHECK_MAX_QUEUE it fails, naming the setting."""
    for _ in range(3):
        ImportJob.objects.create(city=world.city, dataset_name="x", upload="u")
    monkeypatch.setattr(jobqueue.queue(), "pending_count", lambda: 5)
    ok, detail = check_queue()
    assert ok, detail
    assert detail == "5 waiting (3 import(s) queued, 5 task(s) in the queue)"
    with override_settings(CHECK_MAX_QUEUE=4):
        ok, detail = check_queue()
    assert not ok and "CIVICLAB_CHECK_MAX_QUEUE=4" in detail


@pytest.mark.django_db
def test_queue_fails_clearly_when_redis_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN CIVICLAB_REDIS_URL pointing at a port where no Redis listens
    WHEN the queue item runs THEN it fails with one line naming Redis, no exception escapes."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    huey = {**settings.HUEY, "huey_class": "huey.RedisHuey", "connection": {"url": url}}
    # The queue is made once per process (core/jobqueue.py); this test makes its own from the
    # settings it overrides, and leaves the suite's (jobs run at once) untouched.
    monkeypatch.setattr(jobqueue, "queue", jobqueue.queue.__wrapped__)
    with override_settings(HUEY=huey, REDIS_URL=url):
        ok, detail = check_queue()
    assert not ok
    assert detail.startswith("job queue unreachable in Redis (CIVICLAB_REDIS_URL): ConnectionError")
    assert "\n" not in detail


def test_check_with_redis_down_is_a_line_not_a_traceback(
    tmp_path: Path, migrated: Migrated
) -> None:
    """GIVEN an installation configured for Redis while Redis is down WHEN the operator runs
    `civiclab check` THEN it exits 1 with `FAIL queue: …` and prints no traceback."""
    from tests.test_cli import run_subprocess

    migrated.copy_sqlite(tmp_path / "cli.sqlite3")
    result = run_subprocess(
        tmp_path, "check", CIVICLAB_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    queue_lines = [line for line in result.stdout.splitlines() if " queue: " in line]
    assert len(queue_lines) == 1 and queue_lines[0].startswith("FAIL queue: job queue unreachable")


@pytest.mark.django_db
@pytest.mark.usefixtures("no_backup_record")
def test_check_fails_on_a_missing_backup_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandError):
        call_command("check", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["checks"]["backup"] == {
        "ok": False,
        "detail": "no backup recorded: run `civiclab backup PATH`",
    }
