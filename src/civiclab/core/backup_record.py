"""When the last backup was made: written by ``civiclab backup``, read by ``civiclab check``
and ``/metrics``. A small JSON file in the data directory, replaced atomically."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

RECORD_NAME = "backup.last.json"


def write_last_backup(data_dir: Path, path: str, size: int) -> None:
    record = {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "path": path,
        "bytes": size,
    }
    target = Path(data_dir) / RECORD_NAME
    partial = target.with_name(RECORD_NAME + ".partial")
    partial.write_text(json.dumps(record))
    os.replace(partial, target)


def last_backup(data_dir: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((Path(data_dir) / RECORD_NAME).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
