"""``{% freshness_badge dataset %}``: the mark of a dataset (or of what is made from it: pass
the indicator's dataset) that is due for an update or overdue, with the date it became so;
nothing when it is fresh or promises no updates. The words say the state, so the mark does not
rely on colour. Reads ``queries.freshness_of``: no query when the dataset's current version was
fetched with it."""

from __future__ import annotations

from typing import Any

from django import template

from civiclab.datasets.freshness import Freshness
from civiclab.datasets.queries import freshness_of

register = template.Library()


@register.inclusion_tag("datasets/partials/freshness_badge.html")
def freshness_badge(dataset: Any, now: Any = None) -> dict[str, Any]:
    """The badge of ``dataset`` (None: nothing), seen ``now`` (default: the present)."""
    state: Freshness | None = freshness_of(dataset, now) if dataset is not None else None
    if state is None or not state.is_stale:
        return {"state": None}
    since = state.overdue_at if state.state == "overdue" else state.due_at
    return {"state": state.state, "since": since, "dataset": dataset}
