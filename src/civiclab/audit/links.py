"""Which audit events link to their object: a registry of object kind → link resolver.

An app registers, in its ``AppConfig.ready``, how to link its objects of one kind
(``object_type``, e.g. ``network.team``): a function given the reader and the ids found on a
page that answers ``{id: url}`` for the objects that still exist *and* that the reader may see,
in one scoped query (asked again per 2,000 ids for a large CSV export). The log page then
links those and shows the others as plain text, so a deleted object, or one the reader can no
longer see, never gets a link. The audit app below knows no app above it
(docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

# reader, ids (as recorded: text) → {id: url} for the ids the reader may open.
Resolver = Callable[[Any, list[str]], dict[str, str]]

_RESOLVERS: dict[str, Resolver] = {}
# The most ids one resolver is asked about at once.
CHUNK = 2_000


def register(object_type: str, resolver: Resolver) -> None:
    """Link the events of ``object_type`` (``app_label.model``) through ``resolver``."""
    _RESOLVERS[object_type] = resolver


def integer_ids(ids: Iterable[str]) -> list[int]:
    """The ids that are integers (primary keys), ready for a ``pk__in`` filter."""
    return [int(i) for i in ids if i.isdigit() and len(i) < 19]


def links_for(user: Any, events: Iterable[Any]) -> dict[tuple[str, str], str]:
    """``{(object_type, object_id): url}`` for ``events`` the reader may follow: one query per
    registered kind on the page (never one per event)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_id and event.object_type in _RESOLVERS:
            wanted[event.object_type].add(event.object_id)
    links: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        ordered = sorted(ids)
        # A page holds a few dozen ids; a CSV export up to its cap, asked for in chunks so no
        # database meets more parameters than it takes (SQLite's limit).
        for start in range(0, len(ordered), CHUNK):
            resolved = _RESOLVERS[object_type](user, ordered[start : start + CHUNK])
            for object_id, url in resolved.items():
                links[(object_type, object_id)] = url
    return links
