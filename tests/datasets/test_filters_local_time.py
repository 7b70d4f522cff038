"""Dates and times people write in filters mean the city's local time (issue 10.2).

The real Baltimore 311 sample has three requests at 7 pm on 31 January 2018 — midnight UTC on
1 February — so a filter read in UTC loses them from January."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from civiclab.datasets import services as datasets
from civiclab.datasets.engine import CityQuery, TableFile
from civiclab.datasets.filters.language import Filter, SpecError
from civiclab.datasets.filters.sql import compile_filters
from civiclab.indicators.engine.evaluate import Series, evaluate
from civiclab.indicators.engine.spec import parse_spec
from tests.datasets.helpers import REAL, ingest
from tests.permission_matrix import api_headers
from tests.world import World

REQUESTS = REAL / "baltimore311-2014-2018-sample/311_sample.csv"
BALTIMORE = "America/New_York"


@pytest.fixture(scope="module")
def baltimore(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    output, _con = ingest(REQUESTS, tmp_path_factory.mktemp("baltimore"), timezone=BALTIMORE)
    return output.path, {c.name: c.type.value for c in output.columns}


def series(baltimore: tuple[Path, dict[str, str]], spec: dict) -> Series:
    path, columns = baltimore
    with CityQuery([TableFile("requests", path)], memory_mb=512, timeout_seconds=30) as query:
        return evaluate(
            parse_spec({"dataset": "requests", **spec}), columns, BALTIMORE, query.execute_arrow
        )


def count(baltimore: tuple[Path, dict[str, str]], *filters: dict) -> int:
    (point,) = series(baltimore, {"measure": {"type": "count"}, "filters": list(filters)})
    return int(point.value or 0)


def monthly(baltimore: tuple[Path, dict[str, str]], period: str = "month") -> dict[str, int]:
    spec = {"measure": {"type": "count"}, "time": {"column": "CreatedDate", "period": period}}
    return {str(p.period): int(p.value or 0) for p in series(baltimore, spec)}


@pytest.mark.parametrize(
    "bounds",
    [
        ["2018-01-01", "2018-01-31"],  # whole days: to the end of 31 January
        ["2018-01-01T00:00:00", "2018-01-31T23:59:59"],  # local times
        ["2018-01-01 00:00", "2018-01-31 23:59:59.999"],
    ],
)
def test_january_filter_counts_what_the_monthly_series_says(
    baltimore: tuple[Path, dict[str, str]], bounds: list[str]
) -> None:
    """GIVEN the real Baltimore 311 sample (236 requests in January 2018, city time)
    WHEN it is filtered to January 2018 with `between`
    THEN the count equals the monthly series' January value."""
    january = monthly(baltimore)["2018-01"]
    assert january == 236
    between = {"column": "CreatedDate", "op": "between", "value": bounds}
    assert count(baltimore, between) == january


def test_every_operator_reads_dates_as_local_days(
    baltimore: tuple[Path, dict[str, str]],
) -> None:
    """GIVEN the daily series WHEN a day is named with =, in, != or not in THEN the whole local
    day is meant."""
    daily = monthly(baltimore, "day")
    last_day = daily["2018-01-31"]
    total = sum(daily.values())
    on = {"column": "CreatedDate", "op": "=", "value": "2018-01-31"}
    assert count(baltimore, on) == last_day
    days = ["2018-01-30", "2018-01-31"]
    assert count(baltimore, {**on, "op": "in", "value": days}) == last_day + daily["2018-01-30"]
    assert count(baltimore, {**on, "op": "!="}) == total - last_day
    assert count(baltimore, {**on, "op": "not in", "value": days}) == (
        total - last_day - daily["2018-01-30"]
    )


def test_a_time_with_an_offset_is_that_instant_and_contains_reads_local_text(
    baltimore: tuple[Path, dict[str, str]],
) -> None:
    """GIVEN the three requests at 7 pm on 31 January (local) WHEN asked by local time, by UTC
    instant or by the local time's text THEN they are found the same way."""
    evening = ["2018-01-31T19:00", "2018-01-31T19:59:59"]
    utc = ["2018-02-01T00:00Z", "2018-02-01T00:59:59+00:00"]
    local = count(baltimore, {"column": "CreatedDate", "op": "between", "value": evening})
    assert local >= 3
    assert count(baltimore, {"column": "CreatedDate", "op": "between", "value": utc}) == local
    text = count(baltimore, {"column": "CreatedDate", "op": "contains", "value": "2018-01-31 19:"})
    assert text == local


def test_a_value_that_is_not_a_time_is_a_spec_error() -> None:
    """GIVEN a timestamp column WHEN a filter gives 'last tuesday' or a number THEN the spec is
    refused, naming the value's place, before any query runs."""
    columns = {"created": "timestamp"}
    for value in ("last tuesday", 20180131):
        with pytest.raises(SpecError) as refused:
            compile_filters(
                [Filter(column="created", op="=", value=value)], columns, timezone=BALTIMORE
            )
        assert refused.value.problems[0][0] == "filters.0.value"
        assert "2018-01-31" in refused.value.problems[0][1]


@pytest.mark.django_db
def test_map_filters_read_dates_in_the_city_time_zone(world: World) -> None:
    """GIVEN Baltimore 311 in a New York-time city WHEN its map is filtered to January 2018
    THEN the layer's matched rows are the monthly series' 236."""
    city = world.city
    assert city.timezone == BALTIMORE
    datasets.import_file(None, city, "311", REQUESTS, REQUESTS.name,
                         datasets.ImportOptions(visibility="city"))  # fmt: skip
    answer = Client().get(
        f"/api/v1/cities/{city.slug}/datasets/311/geojson",
        {"filter": "CreatedDate|between|2018-01-01,2018-01-31", "limit": 1},
        **api_headers(world.user("viewer")),
    )
    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content)["summary"]["matched"] == 236
