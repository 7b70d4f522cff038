"""``civiclab datasets list|show|rollback|bind|unbind|refresh``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from civiclab.core.management.output import ResultCommand
from civiclab.datasets import jobs, refresh, services
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset, DataSource, ImportJob
from civiclab.network.models import City


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    current = dataset.current_version
    return {
        "name": dataset.name,
        "slug": dataset.slug,
        "city": dataset.city.slug,
        "visibility": dataset.visibility,
        "version": current.number if current else None,
        "rows": current.rows if current else 0,
        "updated_at": current.created_at.isoformat() if current else None,
    }


class Command(ResultCommand):
    help = (
        "List datasets, show one (profile and versions), roll one back, bind one to a source "
        "that refreshes it, or refresh it from its source now."
    )
    # Django's system checks import the whole URL map and build every API schema (~0.5 s) for
    # a command that reads a few rows: `civiclab check`, `migrate` and `serve` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="the city's datasets")
        show = sub.add_parser("show", help="one dataset's profile and versions")
        show.add_argument("name")
        back = sub.add_parser("rollback", help="make an earlier version current")
        back.add_argument("name")
        back.add_argument("version", type=int)
        bind = sub.add_parser("bind", help="bind a dataset to a source that refreshes it")
        bind.add_argument("name")
        bind.add_argument("--kind", required=True, choices=DataSource.Kind.values)
        bind.add_argument("--url", required=True, help="http(s) address of the source")
        bind.add_argument("--mode", default="replace", choices=services.MODES)
        bind.add_argument("--key", default="", help="key column(s) to upsert on, by commas")
        bind.add_argument("--schedule", default="off", choices=DataSource.Schedule.values)
        bind.add_argument("--disabled", action="store_true", help="bound, but not refreshed")
        bind.add_argument("--max-bad-rows", type=int, default=0)
        bind.add_argument(
            "--start-from", default=None, help="Open311: first refresh from (ISO 8601 time)"
        )
        unbind = sub.add_parser("unbind", help="stop refreshing a dataset from its source")
        unbind.add_argument("name")
        now = sub.add_parser(
            "refresh", help="refresh a dataset from its source now (here, not in the worker)"
        )
        now.add_argument("name")
        for p in (listing, show, back, bind, unbind, now):
            p.add_argument("--city", required=True, help="city slug")
            p.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"no city with slug {options['city']!r}")
        datasets = Dataset.objects.filter(city=city).select_related("city", "current_version")
        if options["action"] == "list":
            rows = [dataset_summary(d) for d in datasets]
            text = "\n".join(
                f"{r['slug']:<24} v{r['version'] or '-':<4} {r['rows']:>12,} rows  {r['name']}"
                for r in rows
            )
            self.emit(options, rows, text or "no datasets yet")
            return
        dataset = services.find_dataset(city, options["name"])
        if dataset is None:
            raise CommandError(f"{city.slug} has no dataset {options['name']!r}")
        if options["action"] in ("bind", "unbind", "refresh"):
            self._source(dataset, options)
            return
        if options["action"] == "rollback":
            try:
                version = services.rollback(None, dataset, options["version"])
            except IngestError as exc:
                raise CommandError(exc.message) from None
            self.emit(
                options,
                {"dataset": dataset.slug, "version": version.number, "rows": version.rows},
                f"{dataset.slug} is at version {version.number} ({version.rows:,} rows)",
            )
            return
        current = dataset.current_version
        result = {
            **dataset_summary(dataset),
            "profile": current.profile if current else None,
            "columns": current.columns if current else [],
            "versions": [
                {
                    "version": v.number,
                    "rows": v.rows,
                    "mode": v.mode,
                    "source": v.source_name,
                    "created_at": v.created_at.isoformat(),
                    "created_by": v.created_by.email if v.created_by else "command line",
                    "bad_rows": v.report.get("bad_rows", 0),
                    "current": current is not None and v.pk == current.pk,
                }
                for v in dataset.versions.select_related("created_by")
            ],
        }
        lines = [f"{dataset.name} ({dataset.slug}) — {result['rows']:,} rows"]
        for column in current.profile.get("columns", []) if current else []:
            lines.append(
                f"  {column['name']:<36} {column['type']:<10} nulls {column['null_share']:.1%}"
                f"  distinct ~{column.get('distinct') or 0:,}"
            )
        lines.append("versions:")
        lines += [
            f"  {'*' if v['current'] else ' '} v{v['version']:<3} {v['rows']:>12,} rows  "
            f"{v['created_at'][:19]}  {v['created_by']}  {v['mode']}"
            for v in result["versions"]
        ]
        self.emit(options, result, "\n".join(lines))

    def _source(self, dataset: Dataset, options: dict[str, Any]) -> None:
        """bind, unbind, refresh: as the server's operator (no person to check)."""
        action = options["action"]
        try:
            if action == "bind":
                start = options["start_from"]
                source = refresh.bind_source(
                    None,
                    dataset,
                    kind=options["kind"],
                    url=options["url"],
                    mode=options["mode"],
                    key=options["key"],
                    schedule=options["schedule"],
                    enabled=not options["disabled"],
                    max_bad_rows=options["max_bad_rows"],
                    start_from=parse_datetime(start) if start else None,
                )
                self.emit(
                    options,
                    {"dataset": dataset.slug, "kind": source.kind, "url": source.url,
                     "schedule": source.schedule, "enabled": source.enabled},
                    f"{dataset.slug} refreshes from {source.url} ({source.schedule})",
                )  # fmt: skip
                return
            if action == "unbind":
                refresh.unbind_source(None, dataset)
                self.emit(options, {"dataset": dataset.slug}, f"{dataset.slug}: no source")
                return
            bound = refresh.source_of(dataset)
            if bound is None:
                raise CommandError(f"{dataset.slug} is not bound to a source")
            job = refresh.start_refresh(bound, None, audit=True, queue=False)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        jobs.run_job(job.pk)
        job = ImportJob.objects.select_related("version").get(pk=job.pk)
        result = {
            "dataset": dataset.slug,
            "job": job.pk,
            "state": job.state,
            "version": job.version.number if job.version else None,
            "rows": job.version.rows if job.version else None,
            "error": (job.error or {}).get("message"),
        }
        if job.state != ImportJob.State.DONE:
            raise CommandError(f"the refresh failed: {result['error']}")
        self.emit(
            options,
            result,
            f"{dataset.slug} is at version {result['version']} ({result['rows']:,} rows)",
        )
