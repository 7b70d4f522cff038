"""The site search's full-text index (``core.fulltext``), kept up to date by signals.

One index, ``site_search``, holds challenges, ideas, solutions, datasets (names,
descriptions, themes, tags, column names and the data dictionary), indicators and people
(names). Each object is one ``SearchEntry`` and one index row of the same id, with four
columns prepared by ``core.textprep`` (accents folded, English *and* French stems, stop words
of both dropped), so "Blighted" finds "blight", "logements" finds "logement" and "ecole"
finds "écoles", on SQLite (FTS5) and PostgreSQL alike:

    title (A)   the object's title or name
    body (B)    its description (a challenge's problem statement, a solution's goal)
    detail (C)  what else describes it: columns and dictionary, partners, its challenge
    place (D)   its city's name

``reindex_object`` runs inside the writer's transaction (``search.receivers``);
``reindex_all`` rebuilds everything (``civiclab search reindex``, ``civiclab demo``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civiclab.core import fulltext
from civiclab.core.textprep import index_terms
from civiclab.search.kinds import KINDS, Kind
from civiclab.search.models import SearchEntry

COLUMNS = (("title", "A"), ("body", "B"), ("detail", "C"), ("place", "D"))
SITE = fulltext.FulltextIndex("site_search", COLUMNS)
# Characters of each text indexed (a long description is cut: the first part says what it is).
TEXT_LIMIT = 20_000
BATCH = 500


def create_index(apps: Any, schema_editor: Any) -> None:
    """RunPython forward: the index's table (FTS5 or tsvector + GIN)."""
    fulltext.create_index(SITE, schema_editor.connection)


def drop_index(apps: Any, schema_editor: Any) -> None:
    """RunPython backward."""
    fulltext.drop_index(SITE, schema_editor.connection)


def prepared(kind: Kind, obj: Any) -> list[str]:
    return [index_terms(text[:TEXT_LIMIT]) for text in kind.texts(obj)]


def reindex_object(kind_key: str, obj: Any) -> None:
    """Index ``obj`` (or take it out, when its kind does not index it), in the caller's
    transaction."""
    kind = KINDS[kind_key]
    if not kind.indexed(obj):
        remove_object(kind_key, obj.pk)
        return
    entry, _created = SearchEntry.objects.get_or_create(kind=kind_key, object_id=obj.pk)
    fulltext.upsert(SITE, [(entry.pk, prepared(kind, obj))])


def remove_object(kind_key: str, object_id: int) -> None:
    ids = list(
        SearchEntry.objects.filter(kind=kind_key, object_id=object_id).values_list("pk", flat=True)
    )
    if ids:
        fulltext.delete(SITE, ids)
        SearchEntry.objects.filter(pk__in=ids).delete()


def reindex_kind(kind_key: str, object_ids: list[int]) -> None:
    """Reindex these objects of one kind (ids of deleted ones are taken out)."""
    kind = KINDS[kind_key]
    objects = kind.model._default_manager.select_related(*kind.related).filter(pk__in=object_ids)
    found = {obj.pk: obj for obj in objects}
    for object_id in object_ids:
        obj = found.get(object_id)
        if obj is None:
            remove_object(kind_key, object_id)
        else:
            reindex_object(kind_key, obj)


def reindex_all() -> dict[str, int]:
    """Rebuild the whole index from the objects; returns how many of each kind it holds."""
    counts: dict[str, int] = {}
    with transaction.atomic(), fulltext.bulk_writes(SITE):
        fulltext.clear(SITE)
        SearchEntry.objects.all().delete()
        for key, kind in KINDS.items():
            rows: list[tuple[int, list[str]]] = []
            written = 0
            queryset = kind.model._default_manager.select_related(*kind.related).order_by("pk")
            for obj in queryset.iterator(chunk_size=BATCH):
                if not kind.indexed(obj):
                    continue
                rows.append((obj.pk, prepared(kind, obj)))
                if len(rows) >= BATCH:
                    written += _write(key, rows)
                    rows = []
            if rows:
                written += _write(key, rows)
            counts[key] = written
    return counts


def _write(kind_key: str, rows: list[tuple[int, list[str]]]) -> int:
    SearchEntry.objects.bulk_create(
        [SearchEntry(kind=kind_key, object_id=object_id) for object_id, _texts in rows]
    )
    ids = dict(
        SearchEntry.objects.filter(
            kind=kind_key, object_id__in=[object_id for object_id, _t in rows]
        ).values_list("object_id", "pk")
    )
    return fulltext.upsert(SITE, [(ids[object_id], texts) for object_id, texts in rows])


def refill_index() -> int:
    """Refill the full-text table from the entries as they are, keeping their ids: a restore
    brings back the entries (they are rows of a model) but not the table, which is not one.
    Returns how many rows it holds."""
    written = 0
    with transaction.atomic(), fulltext.bulk_writes(SITE):
        fulltext.clear(SITE)
        for key, kind in KINDS.items():
            entries = dict(
                SearchEntry.objects.filter(kind=key).values_list("object_id", "pk").order_by("pk")
            )
            object_ids = sorted(entries)
            for start in range(0, len(object_ids), BATCH):
                objects = kind.model._default_manager.select_related(*kind.related).filter(
                    pk__in=object_ids[start : start + BATCH]
                )
                written += fulltext.upsert(
                    SITE, [(entries[obj.pk], prepared(kind, obj)) for obj in objects]
                )
    return written
