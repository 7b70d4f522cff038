"""The worker's funding tasks: the catalogue's daily sync from the operator's drop folder.

Nothing is downloaded: the operator (or a cron job of theirs) puts the day's
``GrantsDBExtractYYYYMMDDv2.zip`` in ``CIVICLAB_FUNDING_DROP_DIR``; every hour the worker
imports the newest file there that was never imported (told apart by SHA-256).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from huey import crontab

from civiclab.core.jobqueue import db_periodic_task
from civiclab.funding import alert_tasks  # noqa: F401  (the worker discovers tasks here only)
from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.catalogue.formats import file_sha256
from civiclab.funding.models import CatalogueImport

logger = logging.getLogger(__name__)

SUFFIXES = {".zip", ".xml", ".json", ".csv"}
# A file changed more recently may still be being copied into the folder.
SETTLE_SECONDS = 300


def newest_unimported(folder: Path, *, now: float | None = None) -> Path | None:
    """The newest catalogue file in ``folder`` never imported (successfully or not: a file
    that failed is not retried every hour; the operator re-runs it with ``civiclab funding
    import``), or None."""
    if not folder.is_dir():
        return None
    now = time.time() if now is None else now
    candidates = sorted(
        (
            path
            for path in folder.iterdir()
            if path.is_file()
            and not path.name.startswith(".")
            and path.suffix.lower() in SUFFIXES
            and now - path.stat().st_mtime >= SETTLE_SECONDS
        ),
        key=lambda path: (path.stat().st_mtime, path.name),
        reverse=True,
    )
    for path in candidates:
        if not CatalogueImport.objects.filter(sha256=file_sha256(path)).exists():
            return path
        # The newest file was imported already: older ones are older catalogues.
        return None
    return None


def import_dropped_catalogue(folder: Path | None = None) -> CatalogueImport | None:
    """Import the newest file of the drop folder not yet imported (the task's work)."""
    from civiclab.funding.services.catalogue import import_catalogue

    if folder is None:
        if not settings.FUNDING_DROP_DIR:
            return None
        folder = Path(settings.FUNDING_DROP_DIR).expanduser()
    path = newest_unimported(folder)
    if path is None:
        return None
    try:
        run = import_catalogue(None, path)
    except CatalogueError as error:
        logger.error("funding catalogue import of %s failed: %s", path, error)
        return getattr(error, "catalogue_import", None)
    logger.info(
        "funding catalogue %s imported: %s created, %s updated, %s unchanged",
        path.name,
        run.created,
        run.updated,
        run.unchanged,
    )
    return run


@db_periodic_task(crontab(minute="15"))
def sync_catalogue() -> None:
    """Hourly: import the newest extract the operator dropped, if it is new."""
    import_dropped_catalogue()
