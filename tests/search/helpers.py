from __future__ import annotations

from typing import Any

from civiclab.search.queries import Results, search


def titles(user: Any, query: str, kind: str) -> list[str]:
    results: Results = search(user, query)
    group = next((g for g in results.groups if g.kind == kind), None)
    return [hit.title for hit in group.hits] if group else []


def count(user: Any, query: str, kind: str) -> int:
    group = next((g for g in search(user, query).groups if g.kind == kind), None)
    return group.count if group else 0
