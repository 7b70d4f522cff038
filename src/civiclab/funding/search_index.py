"""The catalogue's full-text index (kept by the import and the form; read by ``search``)."""

from __future__ import annotations

from collections.abc import Iterable


def reindex(opportunity_ids: Iterable[int] | None = None) -> None:
    """Bring the index up to date for these opportunities (None: all of them), inside the
    caller's transaction, so that a failed import leaves the index as it was."""
