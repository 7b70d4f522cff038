"""``civiclab check``: is this installation ready to serve? (Replaces Django's ``check``,
whose system checks it runs as one of its items.)"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from civiclab.core.backup_record import BackupRecordError, backup_age_seconds, last_backup
from civiclab.core.management.output import ResultCommand

# Below this share of the disk free, a filesystem is nearly full whatever its size.
MIN_FREE_SHARE = 0.05


def check_database() -> tuple[bool, str]:
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        return False, f"cannot connect: {str(exc).strip().splitlines()[0] if str(exc) else exc}"
    return True, f"{connection.vendor} reachable"


def check_migrations() -> tuple[bool, str]:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return False, f"cannot read migrations: {exc}"
    if plan:
        return False, f"{len(plan)} migration(s) not applied: run `civiclab migrate`"
    return True, "all migrations applied"


def check_data_dir() -> tuple[bool, str]:
    try:
        with tempfile.NamedTemporaryFile(dir=settings.DATA_DIR):
            pass
    except OSError as exc:
        return False, f"{settings.DATA_DIR} is not writable: {exc.strerror}"
    return True, f"{settings.DATA_DIR} writable"


def check_system() -> tuple[bool, str]:
    problems = [m for m in checks.run_checks() if m.is_serious()]
    if problems:
        return False, "; ".join(str(m) for m in problems)
    return True, "configuration valid"


def check_jobs() -> tuple[bool, str]:
    from civiclab.datasets.housekeeping import stuck_jobs

    stuck = stuck_jobs()
    if stuck:
        ids = ", ".join(str(job.pk) for job in stuck[:10])
        return False, (
            f"{len(stuck)} import job(s) marked running whose worker stopped (ids {ids}): "
            "`civiclab check --clean` marks them failed"
        )
    return True, "no job stuck"


def check_worker() -> tuple[bool, str]:
    from civiclab.core.jobqueue import queue
    from civiclab.datasets.housekeeping import WORKER_MISSING_AFTER, worker_last_seen
    from civiclab.datasets.models import ImportJob

    if queue().immediate:
        return True, "jobs run at once, in the process that queues them"
    seen = worker_last_seen()
    waiting = ImportJob.objects.filter(state=ImportJob.State.QUEUED).count()
    if seen is None or timezone.now() - seen > WORKER_MISSING_AFTER:
        since = f"since {seen:%Y-%m-%d %H:%M} UTC" if seen else "ever"
        return False, (
            f"no worker heartbeat {since}; {waiting} import(s) waiting: start `civiclab worker`"
        )
    return True, f"worker alive (heartbeat {(timezone.now() - seen).seconds} s ago)"


def check_files(clean: bool) -> tuple[bool, str]:
    from civiclab.datasets.housekeeping import clean_orphans, find_orphans

    if clean:
        removed = clean_orphans()
        return True, f"removed {len(removed.paths)} orphaned file(s), {removed.bytes:,} bytes"
    orphans = find_orphans()
    if orphans.paths:
        return False, (
            f"{len(orphans.paths)} orphaned upload or staging file(s), {orphans.bytes:,} bytes: "
            "`civiclab check --clean` removes them"
        )
    return True, "no orphaned files"


def first_line(exc: BaseException) -> str:
    """An exception as one line: its type, and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def check_queue() -> tuple[bool, str]:
    from civiclab.core.jobqueue import queue
    from civiclab.datasets.models import ImportJob

    imports = ImportJob.objects.filter(state=ImportJob.State.QUEUED).count()
    try:
        tasks = queue().pending_count()
    except Exception as exc:  # whatever the storage raises (Redis down, SQLite file locked)
        where = "Redis (CIVICLAB_REDIS_URL)" if settings.REDIS_URL else "its SQLite file"
        return False, f"job queue unreachable in {where}: {first_line(exc)}"
    # Each queued import is also a task in the queue: the larger number is the depth (an
    # import whose task was lost, say by a Redis flush, still counts).
    depth = max(imports, tasks)
    detail = f"{depth} waiting ({imports} import(s) queued, {tasks} task(s) in the queue)"
    if depth > settings.CHECK_MAX_QUEUE:
        return False, (
            f"{detail}: more than CIVICLAB_CHECK_MAX_QUEUE={settings.CHECK_MAX_QUEUE}; "
            "is the worker keeping up?"
        )
    return True, detail


def human_bytes(count: float) -> str:
    """``1536`` → ``1.5 KiB``: sizes as people read them."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def check_disk() -> tuple[bool, str]:
    try:
        usage = shutil.disk_usage(settings.DATA_DIR)
    except OSError as exc:
        return False, f"cannot read the free space of {settings.DATA_DIR}: {exc.strerror}"
    share = usage.free / usage.total if usage.total else 0.0
    detail = f"{human_bytes(usage.free)} free of {human_bytes(usage.total)} ({share:.0%})"
    minimum = settings.CHECK_MIN_FREE_BYTES
    if usage.free < minimum:
        return False, (
            f"{detail} under the data directory, less than CIVICLAB_CHECK_MIN_FREE_BYTES "
            f"({human_bytes(minimum)}): imports and backups need room"
        )
    if share < MIN_FREE_SHARE:
        return False, f"{detail} under the data directory, less than {MIN_FREE_SHARE:.0%}"
    return True, detail


def check_backup() -> tuple[bool, str]:
    try:
        record = last_backup(settings.DATA_DIR)
    except BackupRecordError as exc:
        return False, f"{exc}: run `civiclab backup PATH`"
    if record is None:
        return False, "no backup recorded: run `civiclab backup PATH`"
    hours = backup_age_seconds(record) / 3600
    detail = (
        f"last backup {hours:.1f} h ago ({record['finished_at']:%Y-%m-%d %H:%M} UTC), "
        f"{human_bytes(record['bytes'])} in {record['path']}"
    )
    limit = settings.CHECK_MAX_BACKUP_AGE_HOURS
    if hours > limit:
        return False, f"{detail}: older than CIVICLAB_CHECK_MAX_BACKUP_AGE_HOURS={limit}"
    return True, detail


def check_object_store() -> tuple[bool, str]:
    from civiclab.datasets import store

    return store.probe()


class Command(ResultCommand):
    help = (
        "Check that the database is reachable, migrations applied, the data dir writable with "
        "free space, the job worker alive and keeping up with the queue, no import job stuck "
        "or file orphaned, the object store reachable (when configured), and the last backup "
        "recent."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        # Django's own check options, accepted so tools calling `check --deploy` still work.
        parser.add_argument("--deploy", action="store_true", help="also run deployment checks")
        parser.add_argument(
            "--clean",
            action="store_true",
            help="first mark stuck import jobs failed and remove orphaned upload/staging files",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        results = {
            "database": check_database(),
            "migrations": check_migrations(),
            "data_dir": check_data_dir(),
            "disk": check_disk(),
            "configuration": check_system(),
        }
        if results["migrations"][0]:  # the job checks read tables
            if options["clean"]:
                from civiclab.datasets.jobs import expire_stale_jobs

                expire_stale_jobs()
            results["jobs"] = check_jobs()
            results["worker"] = check_worker()
            results["queue"] = check_queue()
            results["files"] = check_files(options["clean"])
        if settings.OBJECT_STORE is not None:
            results["object_store"] = check_object_store()
        results["backup"] = check_backup()
        if options["deploy"]:
            warnings = checks.run_checks(include_deployment_checks=True, tags=["security"])
            results["deployment"] = (not warnings, "; ".join(str(m.id) for m in warnings) or "ok")
        ok = all(passed for passed, _detail in results.values())
        payload = {
            "ok": ok,
            "checks": {k: {"ok": p, "detail": d} for k, (p, d) in results.items()},
        }
        text = "\n".join(f"{'ok  ' if p else 'FAIL'} {k}: {d}" for k, (p, d) in results.items())
        self.emit(options, payload, text)
        if not ok:
            raise CommandError("some checks failed")
