"""Shared metrics, adoptions and the comparison as the API reads and returns them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.exchange.models.metrics import MAX_DESCRIPTION


class MetricOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    network: str
    publisher_city: str
    measure: dict[str, Any]
    aggregation: str
    time_column: str
    filters: list[Any]
    polarity: str
    unit: str
    columns: dict[str, str] = Field(
        description="The columns the definition reads, with their types"
    )
    denominator: str = Field(description="population, custom or none")
    denominator_label: str
    per: int
    created_at: dt.datetime

    @staticmethod
    def resolve_network(obj: Any) -> str:
        return str(obj.network.slug)

    @staticmethod
    def resolve_publisher_city(obj: Any) -> str:
        return str(obj.publisher_city.slug)


class MetricPublish(InputSchema):
    indicator: StrictId
    name: str = Field("", max_length=200, description="Empty: the indicator's name")
    description: str = Field("", max_length=MAX_DESCRIPTION)
    denominator: Literal["population", "custom", "none"] = "population"
    per: int = Field(1000, ge=1, le=10_000_000)
    denominator_label: str = Field("", max_length=100)


class MetricAdopt(InputSchema):
    dataset: StrictId | None = Field(None, description="Your dataset the new indicator reads")
    indicator: StrictId | None = Field(
        None, description="Or: your existing indicator with the same definition"
    )
    name: str = Field("", max_length=200)
    visibility: Literal["team", "city", "network", "public"] = "city"
    denominator_value: float | None = Field(None, gt=0, le=1e15)


class AdoptionOut(Schema):
    id: int
    metric: int
    city: str
    indicator: int
    denominator_value: float | None

    @staticmethod
    def resolve_city(obj: Any) -> str:
        return str(obj.city.slug)

    @staticmethod
    def resolve_metric(obj: Any) -> int:
        return int(obj.metric_id)

    @staticmethod
    def resolve_indicator(obj: Any) -> int:
        return int(obj.indicator_id)


class CityValueOut(Schema):
    city: str
    indicator: int
    status: str = Field(
        description="shown, too_few (hidden: below the minimum count), no_data, no_denominator"
    )
    value: float | None = None
    normalised: float | None = None
    n: int | None = None
    period_start: str | None = Field(None, description="The city's own latest data period")


class ComparisonOut(Schema):
    metric: int
    min_records: int
    shown: int
    hidden: int
    rows: list[CityValueOut]
