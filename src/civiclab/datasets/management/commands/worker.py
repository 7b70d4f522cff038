"""``civiclab worker``: run background jobs (imports) until stopped."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from civiclab.datasets.jobs import expire_stale_jobs


class Command(BaseCommand):
    help = "Run the background job worker (imports). Uses Redis when CIVICLAB_REDIS_URL is set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=1, help="jobs run at once")

    def handle(self, *args: Any, **options: Any) -> None:
        expired = expire_stale_jobs()
        if expired:
            self.stderr.write(f"marked {expired} interrupted job(s) as failed")
        call_command("run_huey", workers=options["workers"], worker_type="thread")
