"""``civiclab demo``: migrate, seed the demo network once, print the logins, serve."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.core.management.processes import serve_with_worker
from civiclab.datasets.demo import seed_demo_datasets
from civiclab.evaluation.demo import seed_demo_evaluations
from civiclab.exchange.demo import seed_demo_exchange
from civiclab.funding.demo import seed_demo_funding
from civiclab.geo.demo import seed_demo_geo
from civiclab.indicators.demo import seed_demo_indicators
from civiclab.network.demo import seed_demo
from civiclab.portfolio.demo import seed_demo_portfolio
from civiclab.reports.demo import seed_demo_reports
from civiclab.search.index import reindex_all as reindex_search


class Command(ResultCommand):
    help = "Create and seed a demo network (once), then serve it for a browser."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="seed, print and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        summary = seed_demo()
        datasets = seed_demo_datasets() if summary.created else []
        datasets += seed_demo_geo() if summary.created else []
        indicators = seed_demo_indicators() if summary.created else []
        challenges = seed_demo_portfolio() if summary.created else []
        evaluations = seed_demo_evaluations() if summary.created else []
        funding = seed_demo_funding() if summary.created else []
        # After evaluation's and funding's: a case study copies their results.
        exchange = seed_demo_exchange() if summary.created else []
        # Last: the dashboard, packs, public pages and key facts read what the others seeded.
        reports = seed_demo_reports() if summary.created else []
        # The search index follows every write; rebuilt here so the demo starts complete.
        if summary.created:
            reindex_search()
        url = f"http://{options['host']}:{options['port']}/"
        if options["json"]:
            self.emit(
                options,
                {
                    "url": url,
                    "data_dir": str(settings.DATA_DIR),
                    **asdict(summary),
                    "datasets": datasets,
                    "indicators": indicators,
                    "challenges": challenges,
                    "evaluations": evaluations,
                    "funding": funding,
                    "exchange": exchange,
                    "reports": reports,
                },
                "",
            )
        else:
            lines = [
                "",
                f"civiclab demo — {url}",
                f"data: {settings.DATA_DIR}"
                + ("" if summary.created else " (existing demo kept as you left it)"),
                f"every demo login uses the password: {summary.password}",
                "",
            ]
            lines += [
                f"  {login.email:<38} {login.role:<14} {login.where}" for login in summary.logins
            ]
            if datasets:
                lines += ["", "sample datasets: " + ", ".join(datasets)]
            if indicators:
                lines += ["sample indicators: " + ", ".join(indicators)]
            if challenges:
                lines += [f"sample challenges: {len(challenges)} in the portfolio"]
            if evaluations:
                lines += ["sample evaluations: " + "; ".join(evaluations)]
            if funding:
                lines += ["funding: " + "; ".join(funding)]
            if exchange:
                lines += ["exchange: " + "; ".join(exchange)]
            lines.append("")
            self.stdout.write("\n".join(lines))
        if not options["no_serve"]:
            # Imports run in a worker beside the web server, as in production; stopping the
            # demo (Ctrl-C, SIGTERM) stops it too.
            address = f"{options['host']}:{options['port']}"
            serve_with_worker(
                lambda: call_command("runserver", address, use_reloader=False),
                [sys.executable, "-m", "civiclab", "worker"],
            )
