"""The catalogue's full-text index (kept by the import and the form; read by ``search``).

``reindex`` prepares each opportunity's weighted columns (``catalogue.search_terms``) and
writes them to the index (``core.fulltext``), and keeps the category and instrument bit masks
the filters read. It runs inside the caller's transaction, so a failed import leaves both as
they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db import connection, transaction

from civiclab.core import fulltext
from civiclab.funding.catalogue.prefetch import IndexEntry, index_entry
from civiclab.funding.catalogue.search_terms import (
    CATEGORY_BIT,
    COLUMNS,
    INSTRUMENT_BIT,
    index_columns,
    mask,
)
from civiclab.funding.models import Opportunity

OPPORTUNITIES = fulltext.FulltextIndex("funding_opportunity", COLUMNS)
# Opportunities read and written per round (descriptions run to 20,000 characters: a round
# holds at most some tens of megabytes).
BATCH = 1_000
# A reindex of this many opportunities or more refreshes the planner's statistics.
ANALYZE_AFTER = 1_000
FIELDS = (
    "pk",
    "agency_code",
    "agency_name",
    "number",
    "assistance_listings",
    "title",
    "eligibility_text",
    "description",
    "activity_categories",
    "instruments",
    "activity_mask",
    "instrument_mask",
)


def reindex(opportunity_ids: Iterable[int] | None = None) -> int:
    """Bring the index up to date for these opportunities (None: all of them), inside the
    caller's transaction, so that a failed import leaves the index as it was. Ids of deleted
    opportunities are removed from the index. Returns how many were indexed."""
    with transaction.atomic():
        if opportunity_ids is None:
            fulltext.clear(OPPORTUNITIES)
            ids = list(Opportunity.objects.order_by("pk").values_list("pk", flat=True))
        else:
            ids = sorted({int(i) for i in opportunity_ids})
        written = 0
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = list(Opportunity.objects.filter(pk__in=chunk).values_list(*FIELDS))
            present = {row[0] for row in rows}
            gone = [i for i in chunk if i not in present]
            if gone:
                fulltext.delete(OPPORTUNITIES, gone)
            written += fulltext.upsert(OPPORTUNITIES, _prepared(rows))
            _update_masks(rows)
        if len(ids) >= ANALYZE_AFTER:
            _analyze()
        return written


def index_entries(rows: list[tuple[int, IndexEntry | None, Mapping[str, Any]]]) -> int:
    """Index the opportunities an import has just written: (id, the entry prepared with its
    record — None when the reading took it for unchanged —, the values written); inside the
    caller's transaction. The category and instrument masks were written with the rows.
    Returns how many were indexed."""
    literal = connection.vendor == "postgresql"
    return fulltext.upsert(
        OPPORTUNITIES,
        (
            (pk, *(entry if entry is not None else index_entry(values, literal)))
            for pk, entry, values in rows
        ),
    )


def analyze_after(count: int) -> None:
    """Refresh the planner's statistics when ``count`` opportunities were just indexed."""
    if count >= ANALYZE_AFTER:
        _analyze()


def _analyze() -> None:
    """Refresh the planner's statistics after a large import: without them SQLite reads the
    opportunities through the close_date index row by row (ten times slower) instead of the
    filters' covering index."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Opportunity._meta.db_table}")


def _prepared(rows: list[tuple[object, ...]]) -> Iterator[tuple[int, tuple[str, ...]]]:
    for row in rows:
        pk, agency_code, agency_name, number, listings, title, eligibility, description = row[:8]
        yield (
            int(pk),  # type: ignore[call-overload]
            index_columns(
                agency_code=str(agency_code),
                agency_name=str(agency_name),
                number=str(number),
                assistance_listings=[str(x) for x in listings or []],  # type: ignore[attr-defined]
                title=str(title),
                eligibility_text=str(eligibility),
                description=str(description),
            ),
        )


def _update_masks(rows: list[tuple[object, ...]]) -> None:
    """Write the masks that changed, one statement per batch (UPDATE … FROM VALUES works on
    SQLite ≥ 3.33 and PostgreSQL alike)."""
    changed = []
    for row in rows:
        activity = mask(row[8] or [], CATEGORY_BIT)  # type: ignore[arg-type]
        instrument = mask(row[9] or [], INSTRUMENT_BIT)  # type: ignore[arg-type]
        if (activity, instrument) != (row[10], row[11]):
            changed.append((int(row[0]), activity, instrument))  # type: ignore[call-overload]
    if not changed:
        return
    table = Opportunity._meta.db_table
    values = ", ".join(["(%s, %s, %s)"] * len(changed))
    cast = "::bigint" if connection.vendor == "postgresql" else ""
    params = [value for triple in changed for value in triple]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS o SET activity_mask = v.a{cast}, "
                f"instrument_mask = v.i{cast} FROM (VALUES {values}) AS v(id, a, i) "
                f"WHERE o.id = v.id{cast}",
                params,
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET activity_mask = v.column2, instrument_mask = v.column3 "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                params,
            )
