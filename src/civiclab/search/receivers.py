"""The index follows the objects: ``post_save`` and ``post_delete`` of every indexed model
update its row inside the writer's transaction (so a rolled-back write leaves the index as
it was). A save that names only fields the index does not read (``update_fields``: a login's
``last_login``, a challenge's phase) leaves it alone.

Renaming a city does not reindex its objects' place column: ``civiclab search reindex`` does.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from civiclab.search import index
from civiclab.search.kinds import KINDS

# The fields each kind's texts read (a save naming none of them changes nothing indexed).
TEXT_FIELDS: dict[str, frozenset[str]] = {
    "challenge": frozenset({"title", "problem_statement", "target_population", "priority_area"}),
    "idea": frozenset({"title", "description", "origin_detail", "challenge"}),
    "solution": frozenset({"title", "description", "goal_statement", "partners", "challenge"}),
    "dataset": frozenset(
        {"name", "description", "themes", "tags", "dictionary", "source", "current_version"}
    ),
    "indicator": frozenset({"name", "description", "dataset"}),
    "person": frozenset({"full_name", "email", "is_active"}),
}


def _saved(kind_key: str) -> Any:
    def receiver(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw:  # loaddata: the index is rebuilt with `civiclab search reindex`
            return
        fields = kwargs.get("update_fields")
        if fields is not None and not (set(fields) & TEXT_FIELDS[kind_key]):
            return
        index.reindex_object(kind_key, instance)

    return receiver


def _deleted(kind_key: str) -> Any:
    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        index.remove_object(kind_key, instance.pk)

    return receiver


# Kept referenced: signals hold receivers weakly.
_RECEIVERS: list[Any] = []


def connect() -> None:
    for key, kind in KINDS.items():
        saved, deleted = _saved(key), _deleted(key)
        _RECEIVERS.extend([saved, deleted])
        post_save.connect(saved, sender=kind.model, dispatch_uid=f"search-save-{key}")
        post_delete.connect(deleted, sender=kind.model, dispatch_uid=f"search-delete-{key}")
