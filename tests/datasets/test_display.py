"""How values, profiles and row queries read on the data pages (pure code, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.http import QueryDict

from civiclab.datasets.display import (
    RowsQuery,
    cell_text,
    local_zone,
    merge_stage,
    profile_rows,
)

NEW_YORK = local_zone("America/New_York")


def test_cells_show_instants_in_the_citys_time() -> None:
    instant = datetime(2024, 1, 31, 15, 5, tzinfo=UTC)
    assert cell_text(instant, NEW_YORK) == "2024-01-31 10:05:00"
    assert cell_text(date(2024, 1, 31), NEW_YORK) == "2024-01-31"
    assert cell_text(None, NEW_YORK) is None
    assert cell_text(True, NEW_YORK) == "true"
    assert cell_text(0.1, NEW_YORK) == "0.1"
    assert cell_text("x" * 400, NEW_YORK).endswith("…")
    assert local_zone("Mars/Base").key == "UTC"


def test_profile_rows_read_time_ranges_in_the_citys_zone() -> None:
    profile = {
        "rows": 10,
        "columns": [
            {
                "name": "opened",
                "type": "timestamp",
                "nulls": 1,
                "null_share": 0.1,
                "distinct": 9,
                "min": "2024-01-01T05:00:00+00:00",
                "max": "2024-02-01T05:00:00+00:00",
            },
            {"name": "day", "type": "date", "null_share": 0, "min": "2024-01-01", "max": None},
            {"name": "kind", "type": "category", "null_share": 0, "top": [{"value": "a"}]},
        ],
    }
    opened, day, kind = profile_rows(profile, NEW_YORK)
    assert (opened["low"], opened["high"]) == ("2024-01-01 00:00:00", "2024-02-01 00:00:00")
    assert opened["is_time"] and opened["null_percent"] == 10.0
    assert (day["low"], day["high"]) == ("2024-01-01", None)
    assert not kind["is_time"] and kind["top"] == [{"value": "a"}]


def test_rows_query_reads_and_writes_urls() -> None:
    names = ["id", "Created Date"]
    query = RowsQuery.parse(
        QueryDict("page=3&sort=Created+Date&desc=1&f.id=4&f.nope=x&f.Created+Date="), names
    )
    assert query == RowsQuery(page=3, sort="Created Date", descending=True, filters={"id": "4"})
    assert query.query() == "sort=Created+Date&desc=1&f.id=4&page=3"
    assert query.query(page=1) == "sort=Created+Date&desc=1&f.id=4"
    ident, created = query.headers(names)
    assert ident["sorted"] is None and ident["sort_query"] == "sort=id&f.id=4"
    assert created["sorted"] == "descending"
    assert created["sort_query"] == "sort=Created+Date&f.id=4"  # again: ascending
    assert ident["filter_value"] == "4" and ident["filter_name"] == "f.id"
    assert RowsQuery.parse(QueryDict("page=-2&sort=nope"), names) == RowsQuery()


def test_merge_stage() -> None:
    assert merge_stage("append to version 3") == ("append", 3)
    assert merge_stage("profiling") is None
