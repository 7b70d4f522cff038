"""``civiclab datasets list|show|rollback``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.datasets import services
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset
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
    help = "List datasets, show one (profile and versions), or roll one back."
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
        for p in (listing, show, back):
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
