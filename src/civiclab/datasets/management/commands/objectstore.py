"""``civiclab objectstore push``: an installation switching the object store on uploads the
version files it already holds (new versions are uploaded as they are imported)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from civiclab.core.management.output import ResultCommand
from civiclab.datasets import store
from civiclab.datasets.models import DatasetVersion


class Command(ResultCommand):
    help = (
        "Upload every dataset version file of the data directory to the object store "
        "(CIVICLAB_OBJECT_STORE_URL) that it does not hold yet: run once when switching the "
        "store on. Safe to run again."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        push = sub.add_parser(
            "push", help="upload the version files the store does not hold yet (idempotent)"
        )
        super().add_arguments(push)

    def handle(self, *args: Any, **options: Any) -> None:
        if not store.configured():
            raise CommandError(
                "no object store is configured: set CIVICLAB_OBJECT_STORE_URL (and the "
                "CIVICLAB_S3_ENDPOINT_URL and credentials) first"
            )
        data_dir = Path(settings.DATA_DIR)
        uploaded: list[str] = []
        present = 0
        missing: list[str] = []
        sent = 0
        versions = DatasetVersion.objects.order_by("pk").values_list("file", "size_bytes")
        try:
            for relative, size in versions.iterator():
                if store.object_size(relative) == size:
                    present += 1
                    continue
                local = data_dir / relative
                if not local.is_file() or local.stat().st_size != size:
                    missing.append(relative)
                    continue
                store.upload(local, relative)
                uploaded.append(relative)
                sent += size
        except store.StoreError as exc:
            raise CommandError(
                f"{exc} ({len(uploaded)} file(s) uploaded before it; run the command again)"
            ) from exc
        result = {
            "uploaded": len(uploaded),
            "uploaded_bytes": sent,
            "already_in_store": present,
            "missing": missing,
        }
        text = (
            f"uploaded {len(uploaded)} version file(s) ({sent:,} bytes); "
            f"{present} already in the store"
        )
        if missing:
            text += (
                f"; {len(missing)} not in this data directory (or of another size) nor in the "
                f"store: {', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}"
            )
        self.emit(options, result, text)
        if missing:
            raise CommandError(f"{len(missing)} version file(s) are in neither place")
