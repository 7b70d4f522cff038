"""The worker's exchange tasks (``civiclab worker`` finds this module by itself)."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task


@db_task
def refresh_similar(kind: str, pk: int) -> dict[str, int]:
    """Bring one object's "look elsewhere first" passages up to date (embedding included)."""
    from civiclab.exchange.services.similar import refresh_passages

    done = refresh_passages(kind, pk)
    return {"written": done.written, "embedded": done.embedded, "removed": done.removed}
