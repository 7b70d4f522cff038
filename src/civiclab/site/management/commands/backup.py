"""``civiclab backup PATH``: one consistent archive of the installation, while it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand


class Command(ResultCommand):
    help = (
        "Write one consistent archive of the installation — every table, every dataset "
        "version's Parquet file, every attachment, the settings (secrets masked) — while the "
        "server runs. PATH is a file, or a folder to write civiclab-<date>-<time>.tar in. "
        "`civiclab restore` reads it back, onto SQLite or PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("path", help="the archive to write (a .tar file), or a folder")
        parser.add_argument(
            "--with-secret-key",
            action="store_true",
            help="also keep the secret key (sessions and mailed links stay valid after a "
            "restore); keep such an archive as safe as the key itself",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from civiclab.site.backup.archive import ArchiveError
        from civiclab.site.backup.run import backup

        try:
            report = backup(Path(options["path"]), with_secret_key=options["with_secret_key"])
        except (ArchiveError, OSError) as exc:
            raise CommandError(f"backup failed, nothing was written: {exc}") from exc
        text = (
            f"{report.path}: {report.bytes:,} bytes in {report.seconds:.1f} s — "
            f"{sum(report.rows.values()):,} rows of {len(report.rows)} tables, "
            f"{report.files:,} files ({report.file_bytes:,} bytes) from {report.database}"
            + (", with the secret key" if report.with_secret_key else "")
        )
        self.emit(options, report.as_dict(), text)
