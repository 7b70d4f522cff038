"""The worker's exchange tasks (``civiclab worker`` finds this module by itself)."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task

# The daily discussion digest lives beside: imported so that the worker registers it.
from civiclab.exchange import tasks_discussions  # noqa: F401


@db_task
def refresh_similar(kind: str, pk: int) -> dict[str, int]:
    """Bring one object's "look elsewhere first" passages up to date (embedding included)."""
    from civiclab.exchange.services.similar import refresh_passages

    done = refresh_passages(kind, pk)
    return {"written": done.written, "embedded": done.embedded, "removed": done.removed}
