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


class Command(ResultCommand):
    help = "Check that the database is reachable, migrations applied and the data dir writable."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        # Django's own check options, accepted so tools calling `check --deploy` still work.
        parser.add_argument("--deploy", action="store_true", help="also run deployment checks")

    def handle(self, *args: Any, **options: Any) -> None:
        results = {
            "database": check_database(),
            "migrations": check_migrations(),
            "data_dir": check_data_dir(),
            "configuration": check_system(),
        }
        if options["deploy"]:
            warnings = checks.run_checks(include_deployment_checks=True, tags=["security"])
            results["deployment"] = (not warnings, "; ".join(m.id for m in warnings) or "ok")
        ok = all(passed for passed, _detail in results.values())
        payload = {
            "ok": ok,
            "checks": {k: {"ok": p, "detail": d} for k, (p, d) in results.items()},
        }
        text = "\n".join(f"{'ok  ' if p else 'FAIL'} {k}: {d}" for k, (p, d) in results.items())
        self.emit(options, payload, text)
        if not ok:
            raise CommandError("some checks failed")
