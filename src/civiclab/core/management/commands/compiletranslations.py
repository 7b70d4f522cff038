"""``civiclab compiletranslations``: .po → .mo with polib, for machines without gettext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from civiclab.core.i18n_build import compile_catalogs
from civiclab.core.management.output import ResultCommand


class Command(ResultCommand):
    help = "Compile .po catalogues to .mo without GNU gettext"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--locale-dir",
            action="append",
            type=Path,
            help="a locale folder to compile (default: every folder in LOCALE_PATHS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        locale_dirs = options["locale_dir"] or [Path(p) for p in settings.LOCALE_PATHS]
        missing = [str(d) for d in locale_dirs if not Path(d).is_dir()]
        if missing:
            raise CommandError(f"no such locale folder: {', '.join(missing)}")
        compiled = [mo for d in locale_dirs for mo in compile_catalogs(Path(d))]
        self.emit(
            options,
            {"compiled": [str(p) for p in compiled]},
            "\n".join(f"compiled {p}" for p in compiled) or "no django.po found",
        )
