"""``civiclab funding import FILE``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.models import CatalogueImport


def result_of(run: CatalogueImport, seconds: float) -> dict[str, Any]:
    """An import as the CLI and the API report it."""
    return {
        "import_id": run.pk,
        "status": run.status,
        "file": run.file_name,
        "format": run.format,
        "sha256": run.sha256,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "superseded": getattr(run, "superseded", 0),
        "failed": 1 if run.status == "failed" else 0,
        "changes": getattr(run, "change_counts", {}),
        "error": run.error,
        "seconds": round(seconds, 2),
    }


def run_import(options: dict[str, Any]) -> tuple[Any, str]:
    from civiclab.funding.services.catalogue import import_catalogue

    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    started = time.monotonic()
    try:
        run = import_catalogue(None, path)
    except CatalogueError as error:
        raise CommandError(f"{path.name}: {error} (nothing was changed)") from None
    result = result_of(run, time.monotonic() - started)
    lines = [
        f"Imported {run.file_name} ({run.format}, sha256 {run.sha256[:12]}…) "
        f"in {result['seconds']} s:",
        f"  created {run.created}, updated {run.updated}, unchanged {run.unchanged}, "
        f"forecasts superseded by their synopsis {result['superseded']}",
    ]
    if result["changes"]:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result["changes"].items()))
        lines.append(f"  history: {kinds}")
    return result, "\n".join(lines)
