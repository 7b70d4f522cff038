"""``civiclab check``: is this installation ready to serve? (Replaces Django's ``check``,
whose system checks it runs as one of its items.)"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from civiclab.core.management.output import ResultCommand


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


class Command(ResultCommand):
    help = (
        "Check that the database is reachable, migrations applied, the data dir writable, the "
        "job worker alive, and no import job stuck or file orphaned."
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
            "configuration": check_system(),
        }
        if results["migrations"][0]:  # the job checks read tables
            if options["clean"]:
                from civiclab.datasets.jobs import expire_stale_jobs

                expire_stale_jobs()
            results["jobs"] = check_jobs()
            results["worker"] = check_worker()
            results["files"] = check_files(options["clean"])
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
