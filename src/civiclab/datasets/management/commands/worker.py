"""``civiclab worker``: run background jobs (imports) until stopped."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from civiclab.core.jobqueue import queue
from civiclab.datasets.jobs import expire_stale_jobs


class Command(BaseCommand):
    help = "Run the background job worker (imports). Uses Redis when CIVICLAB_REDIS_URL is set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=1, help="jobs run at once")

    def handle(self, *args: Any, **options: Any) -> None:
        # Every app's ``tasks`` module registers its tasks with the queue; the worker runs
        # them all without knowing the apps above ``datasets``.
        autodiscover_modules("tasks")

        expired = expire_stale_jobs()
        if expired:
            self.stderr.write(f"marked {expired} interrupted job(s) as failed")
        logging.getLogger("huey").setLevel(logging.INFO)
        queue().create_consumer(workers=options["workers"], worker_type="thread").run()
