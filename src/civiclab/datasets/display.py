"""How dataset values, profiles and row queries read on a page: plain data in, plain data out.

No Django here: the views pass the city's time zone and the request's query parameters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

TIME_TYPES = {"date", "timestamp"}
MAX_CELL_CHARS = 300
FILTER_PREFIX = "f."


def local_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def cell_text(value: Any, zone: ZoneInfo) -> str | None:
    """A value as a table shows it; None stays None (the template marks it missing).

    Instants are shown as wall-clock time in the city's zone, as the city's files write them.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment: datetime = value.astimezone(zone) if value.tzinfo is not None else value
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    text = str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def instant_text(value: Any, zone: ZoneInfo) -> str | None:
    """A profile's ISO text (``2018-06-26T14:58:54+00:00``) in the city's zone."""
    if not isinstance(value, str):
        return cell_text(value, zone)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return cell_text(parsed, zone)


def profile_rows(profile: dict[str, Any], zone: ZoneInfo) -> list[dict[str, Any]]:
    """One row per column of ``version.profile``, with its range read for people."""
    rows = []
    for column in profile.get("columns", []):
        low, high = column.get("min"), column.get("max")
        if column.get("type") == "timestamp":
            low, high = instant_text(low, zone), instant_text(high, zone)
        else:
            low, high = cell_text(low, zone), cell_text(high, zone)
        rows.append(
            {
                **column,
                "is_time": column.get("type") in TIME_TYPES,
                "null_percent": round(100 * float(column.get("null_share") or 0), 1),
                "low": low,
                "high": high,
                "top": column.get("top") or [],
            }
        )
    return rows


@dataclass
class RowsQuery:
    """The page, sort and per-column text filters of a dataset's row table, from a URL."""

    page: int = 1
    sort: str | None = None
    descending: bool = False
    filters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: Any, names: list[str]) -> RowsQuery:
        """Read ``page``, ``sort``, ``desc`` and ``f.<column>`` from a query dict."""
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            page = 1
        sort = params.get("sort")
        filters = {
            name: params.get(FILTER_PREFIX + name, "").strip()
            for name in names
            if params.get(FILTER_PREFIX + name, "").strip()
        }
        return cls(
            page=page,
            sort=sort if sort in names else None,
            descending=params.get("desc") == "1",
            filters=filters,
        )

    def query(self, **changes: Any) -> str:
        """This query with some parts changed, as a URL query string (without ``?``)."""
        page = changes.get("page", self.page)
        sort = changes.get("sort", self.sort)
        descending = changes.get("descending", self.descending)
        pairs: list[tuple[str, str]] = []
        if sort:
            pairs.append(("sort", sort))
            if descending:
                pairs.append(("desc", "1"))
        pairs += [(FILTER_PREFIX + name, text) for name, text in self.filters.items()]
        if page > 1:
            pairs.append(("page", str(page)))
        return urlencode(pairs)

    def headers(self, names: list[str]) -> list[dict[str, Any]]:
        """Per column: its sort state (for aria-sort), the query that sorts by it next, and
        its filter text. Sorting by a column starts ascending; sorting it again reverses."""
        result = []
        for i, name in enumerate(names):
            sorted_here = name == self.sort
            state = ("descending" if self.descending else "ascending") if sorted_here else None
            result.append(
                {
                    "name": name,
                    "index": i,
                    "sorted": state,
                    "sort_query": self.query(
                        sort=name, descending=sorted_here and not self.descending, page=1
                    ),
                    "filter_name": FILTER_PREFIX + name,
                    "filter_value": self.filters.get(name, ""),
                }
            )
        return result


_MERGE_STAGE = re.compile(r"^(append|upsert) to version (\d+)$")


def merge_stage(stage: str) -> tuple[str, int] | None:
    """``("append", 3)`` for the stage an import reports while merging with version 3."""
    match = _MERGE_STAGE.match(stage)
    return (match.group(1), int(match.group(2))) if match else None


def json_value(value: Any) -> Any:
    """A value DuckDB returned, as JSON can carry it (bytes never leave as bytes)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


DICTIONARY_HEADER = ("column", "type", "description", "unit")


def dictionary_csv(entries: list[dict[str, str]]) -> str:
    """The data dictionary (``queries.data_dictionary``) as CSV text: one row per column,
    headers ``column,type,description,unit``, cells safe in a spreadsheet."""
    import csv
    import io

    from civiclab.core.csv_cells import safe_row

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DICTIONARY_HEADER)
    for e in entries:
        writer.writerow(safe_row([e["name"], e["type"], e["description"], e["unit"]]))
    return out.getvalue()
