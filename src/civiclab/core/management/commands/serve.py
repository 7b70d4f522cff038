"""``civiclab serve``: the production web server (gunicorn; WhiteNoise serves static files)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civiclab.core.management.commands.check import check_migrations


class Command(BaseCommand):
    help = "Run the production web server."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) * 2 + 1))
        parser.add_argument("--timeout", type=int, default=60, help="seconds per request")

    def handle(self, *args: Any, **options: Any) -> None:
        ok, detail = check_migrations()
        if not ok:
            raise CommandError(detail)
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "civiclab.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--timeout",
            str(options["timeout"]),
            "--access-logfile",
            "-",
        ]
        self.stdout.write(
            f"civiclab serving http://{options['host']}:{options['port']}/ "
            f"(data in {settings.DATA_DIR})"
        )
        self.stdout.flush()
        # A fresh process, so settings see the static manifest collectstatic just wrote.
        os.execv(sys.executable, argv)
