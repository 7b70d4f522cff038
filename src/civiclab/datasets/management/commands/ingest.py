"""``civiclab ingest FILE --city SLUG --dataset NAME``: import a file as a dataset version."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.datasets import services
from civiclab.datasets.ingest.columns import NUMBER_FORMATS, ColumnType
from civiclab.datasets.ingest.formats import FORMATS
from civiclab.datasets.ingest.report import IngestError
from civiclab.network.models import City


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        column, sep, setting = value.rpartition("=")
        if not sep or not column:
            raise CommandError(f"{option} takes COLUMN=VALUE, not {value!r}")
        pairs.append((column, setting))
    return pairs


def overrides_from(options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    overrides: dict[str, dict[str, Any]] = {}
    for column, kind in _pairs(options["type"], "--type"):
        if kind not in {t.value for t in ColumnType}:
            raise CommandError(
                f"--type {column}={kind}: use one of {', '.join(t.value for t in ColumnType)}"
            )
        overrides.setdefault(column, {})["type"] = kind
    for column, fmt in _pairs(options["date_format"], "--date-format"):
        overrides.setdefault(column, {})["format"] = fmt
    for column, fmt in _pairs(options["number_format"], "--number-format"):
        if fmt not in NUMBER_FORMATS:
            raise CommandError(f"--number-format {column}={fmt}: use {', '.join(NUMBER_FORMATS)}")
        overrides.setdefault(column, {})["format"] = fmt
    for column, name in _pairs(options["rename"], "--rename"):
        overrides.setdefault(column, {})["name"] = name
    for column, marker in _pairs(options["null"], "--null"):
        overrides.setdefault(column, {}).setdefault("null_markers", []).append(marker)
    return overrides


class Progress:
    """A rich progress bar on a terminal, plain lines otherwise."""

    def __init__(self, stream: Any, quiet: bool) -> None:
        self.quiet = quiet
        self.stream = stream
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(transient=True)
            self.task = self.bar.add_task("importing", total=1.0)
            self.bar.start()
        self.started = time.monotonic()

    def __call__(self, stage: str, fraction: float) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=fraction, description=stage)
        elif not self.quiet:
            self.stream.write(f"[{time.monotonic() - self.started:6.1f}s] {stage}")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class Command(ResultCommand):
    help = "Import a file (CSV, Socrata, Open311, GeoJSON, GeoPackage, zipped Shapefile, xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--city", required=True, help="city slug")
        parser.add_argument("--dataset", required=True, help="dataset name (made if new)")
        parser.add_argument("--format", default="auto", choices=FORMATS)
        parser.add_argument("--mode", default="replace", choices=services.MODES)
        parser.add_argument("--key", help="key column for --mode upsert")
        parser.add_argument(
            "--max-bad-rows",
            type=int,
            default=0,
            metavar="N",
            help="accept the file with up to N bad rows (listed, not imported)",
        )
        parser.add_argument(
            "--preview",
            action="store_true",
            help="show the detected columns and first rows; import nothing",
        )
        parser.add_argument(
            "--type",
            action="append",
            default=[],
            metavar="COLUMN=TYPE",
            help="set a column's type (integer, decimal, text, boolean, date, "
            "timestamp, category, latitude, longitude)",
        )
        parser.add_argument(
            "--date-format",
            action="append",
            default=[],
            metavar="COLUMN=FORMAT",
            help="strptime format of a date or timestamp column, e.g. %%d/%%m/%%Y",
        )
        parser.add_argument(
            "--number-format",
            action="append",
            default=[],
            metavar="COLUMN=FORMAT",
            help="decimal-comma: the column's numbers are written 12,5 or 1 234,5",
        )
        parser.add_argument(
            "--decimal-comma",
            choices=["auto", "yes", "no"],
            default="auto",
            help="detect numbers written 12,5 (auto: in cities whose language is French)",
        )
        parser.add_argument("--rename", action="append", default=[], metavar="COLUMN=NAME")
        parser.add_argument(
            "--null",
            action="append",
            default=[],
            metavar="COLUMN=VALUE",
            help="a value that means missing in that column (e.g. N/A)",
        )
        parser.add_argument(
            "--visibility",
            default="city",
            choices=["team", "city", "network", "public"],
            help="who sees a new dataset (default: the city)",
        )
        parser.add_argument(
            "--add-version",
            action="store_true",
            help="add a new version to the existing dataset of that name (needed with "
            "--mode replace; without it an existing name is an error)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no file at {path}")
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"no city with slug {options['city']!r}")
        if options["max_bad_rows"] < 0:
            raise CommandError("--max-bad-rows cannot be negative")
        import_options = services.ImportOptions(
            format=options["format"],
            mode=options["mode"],
            key=options["key"],
            max_bad_rows=options["max_bad_rows"],
            overrides=overrides_from(options),
            visibility=options["visibility"],
            add_version=options["add_version"],
            decimal_comma={"auto": None, "yes": True, "no": False}[options["decimal_comma"]],
        )
        try:
            if options["preview"]:
                preview = services.preview_file(None, city, path, path.name, import_options)
                self.emit(options, preview, _preview_text(preview))
                return
            progress = Progress(self.stderr, quiet=options["json"])
            try:
                version = services.import_file(
                    None, city, options["dataset"], path, path.name, import_options, progress
                )
            finally:
                progress.stop()
        except IngestError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": exc.as_dict()}, default=str))
            raise CommandError(_error_text(exc)) from None
        result = {
            "dataset": version.dataset.slug,
            "version": version.number,
            "rows": version.rows,
            "columns": [{"name": c["name"], "type": c["type"]} for c in version.columns],
            "bad_rows": version.report.get("bad_rows", 0),
            "report": version.report,
            "format": version.details.get("format"),
        }
        text = (
            f"imported {version.rows:,} rows into {city.slug}/{version.dataset.slug} "
            f"version {version.number}"
            + (f" ({result['bad_rows']} bad rows left out)" if result["bad_rows"] else "")
        )
        self.emit(options, result, text)


def _error_text(exc: IngestError) -> str:
    if isinstance(exc, services.NameTaken):
        return f"{exc.message} (--add-version)"
    if exc.report is None or not exc.report.examples:
        return exc.message
    lines = [exc.message.split(" nothing was imported.")[0] + " nothing was imported."]
    lines += [f"  {count} × {reason}" for reason, count in exc.report.counts.most_common()]
    lines += [f"  e.g. {p}" for p in exc.report.examples[:10]]
    return "\n".join(lines)


def _preview_text(preview: dict[str, Any]) -> str:
    lines = [f"format: {preview['format']}"]
    lines += [
        f"  {c['source']!r:<40} {c['type']}" + (f" ({c['format']})" if c.get("format") else "")
        for c in preview["columns"]
    ]
    return "\n".join(lines)
