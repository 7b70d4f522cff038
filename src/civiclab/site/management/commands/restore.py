"""``civiclab restore PATH``: the installation rebuilt from a ``civiclab backup`` archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand


class Command(ResultCommand):
    help = (
        "Rebuild an installation from a `civiclab backup` archive, into an empty database "
        "(SQLite or PostgreSQL, whichever CIVICLAB_DATABASE_URL names) and an empty data "
        "directory: every row with its id, every file byte for byte; then the migrations newer "
        "than the backup run and the search indexes are rebuilt. Stop the server first."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("path", help="the archive `civiclab backup` wrote")

    def handle(self, *args: Any, **options: Any) -> None:
        from civiclab.site.backup.archive import ArchiveError
        from civiclab.site.backup.run import restore

        try:
            report = restore(Path(options["path"]))
        except (ArchiveError, OSError) as exc:
            raise CommandError(f"restore failed, nothing was restored: {exc}") from exc
        text = (
            f"restored {sum(report.rows.values()):,} rows and {report.files:,} files "
            f"({report.file_bytes:,} bytes) from {report.path} (made {report.made_at} on "
            f"{report.from_database}) into {report.database} in {report.seconds:.1f} s"
            + (
                f"; {report.migrations_applied_after} newer migration(s) applied"
                if report.migrations_applied_after else ""
            )
            + (
                f"; {report.jobs_interrupted} import(s) caught in flight marked failed"
                if report.jobs_interrupted else ""
            )
            + (
                f"; {report.uploaded_to_store} dataset file(s) uploaded to the object store"
                if report.uploaded_to_store else ""
            )
            + ("; secret key restored" if report.secret_key_restored else "")
        )  # fmt: skip
        self.emit(options, report.as_dict(), text)
