"""Scoped reads of forks: a fork is seen exactly when its copy is; lineage shows only what the
reader may see now.

The lineage of an object is followed through visible objects only: an ancestor or descendant
the reader may not see is left out *with everything beyond it*, so a private copy in the middle
of a chain reveals neither itself nor that the chain goes on (counts are of what is listed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from civiclab.exchange import kinds
from civiclab.exchange.models.forks import Fork
from civiclab.exchange.services.forks import MAX_GENERATIONS


@dataclass
class Node:
    """One object of a lineage as the reader sees it."""

    kind: str
    id: int
    title: str
    city: str
    url: str
    fork: Fork | None = None  # how it came from its parent (descendants) or became its child
    depth: int = 0
    children: list[Node] = field(default_factory=list)


def visible_forks(user: Any) -> QuerySet[Fork]:
    """The forks whose copy ``user`` may see now (one query per kind of copy)."""
    condition = Q(pk__in=[])
    for name in ("challenge", "idea", "solution"):
        ids = kinds.kind(name).visible(user).values("pk")
        condition |= Q(copy_kind=name, copy_id__in=ids)
    return Fork.objects.filter(condition).select_related("city", "by")


def fork_of_copy(user: Any, kind: str, pk: int) -> Fork | None:
    """How the object came to be, when it is a copy ``user`` may see."""
    return visible_forks(user).filter(copy_kind=kind, copy_id=pk).first()


def _shown(user: Any, kind: str, ids: list[int]) -> dict[int, Any]:
    """The objects of ``kind`` among ``ids`` that ``user`` may see, with their city (one query)."""
    if not ids:
        return {}
    rows = kinds.kind(kind).visible(user).filter(pk__in=ids)
    rows = rows.select_related("challenge__city" if kind == "idea" else "city")
    return {obj.pk: obj for obj in rows}


def _as_node(kind: str, obj: Any, fork: Fork | None, depth: int) -> Node:
    k = kinds.kind(kind)
    city = obj.challenge.city if kind == "idea" else obj.city
    return Node(kind, obj.pk, k.title(obj), city.name, k.url(obj), fork, depth)


def _node(user: Any, kind: str, pk: int, fork: Fork | None = None, depth: int = 0) -> Node | None:
    obj = _shown(user, kind, [pk]).get(pk)
    return _as_node(kind, obj, fork, depth) if obj is not None else None


def ancestors(user: Any, kind: str, pk: int) -> list[Node]:
    """The object's origin, its origin's origin…, nearest first, as far as ``user`` may see."""
    chain: list[Node] = []
    seen = {(kind, pk)}
    for depth in range(1, MAX_GENERATIONS + 1):
        fork = Fork.objects.filter(copy_kind=kind, copy_id=pk).select_related("city", "by").first()
        if fork is None or (fork.origin_kind, fork.origin_id) in seen:
            break
        node = _node(user, fork.origin_kind, fork.origin_id, fork, depth)
        if node is None:
            break
        chain.append(node)
        kind, pk = fork.origin_kind, fork.origin_id
        seen.add((kind, pk))
    return chain


def descendants(user: Any, kind: str, pk: int) -> list[Node]:
    """The object's copies, and theirs…, as a tree of what ``user`` may see (children first by
    date). Visibility is read once per generation and kind."""
    roots: list[Node] = []
    level: list[tuple[str, int, list[Node]]] = [(kind, pk, roots)]
    seen = {(kind, pk)}
    for depth in range(1, MAX_GENERATIONS + 1):
        if not level:
            break
        condition = Q(pk__in=[])
        for k, i, _into in level:
            condition |= Q(origin_kind=k, origin_id=i)
        forks = list(
            Fork.objects.filter(condition).select_related("city", "by").order_by("created_at", "pk")
        )
        shown: dict[str, dict[int, Any]] = {}
        for name in {f.copy_kind for f in forks}:
            shown[name] = _shown(user, name, [f.copy_id for f in forks if f.copy_kind == name])
        into_of = {(k, i): into for k, i, into in level}
        next_level: list[tuple[str, int, list[Node]]] = []
        for f in forks:
            key = (f.copy_kind, f.copy_id)
            obj = shown.get(f.copy_kind, {}).get(f.copy_id)
            if obj is None or key in seen:
                continue
            node = _as_node(f.copy_kind, obj, f, depth)
            seen.add(key)
            into_of[(f.origin_kind, f.origin_id)].append(node)
            next_level.append((f.copy_kind, f.copy_id, node.children))
        level = next_level
    return roots


def flatten(tree: list[Node]) -> list[Node]:
    """The tree in reading order (each node followed by its copies)."""
    out: list[Node] = []
    for node in tree:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def lineage(user: Any, kind: str, pk: int) -> dict[str, Any]:
    """Both directions, for a page or the API: ``ancestors`` (nearest first), ``descendants``
    (a tree, and ``descendants_flat`` in reading order), ``adaptations`` (direct copies shown)."""
    tree = descendants(user, kind, pk)
    return {
        "ancestors": ancestors(user, kind, pk),
        "descendants": tree,
        "descendants_flat": flatten(tree),
        "adaptations": len(tree),
    }
