"""API shapes of indicators: the catalogue entry, the detail with its spec, and the results."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from ninja import Field, Schema

from civiclab.accounts.people import PersonOut, person_for
from civiclab.core.permissions import Visibility
from civiclab.core.schemas import InputSchema, StrictId

SPEC_HELP = (
    "The indicator specification (JSON Schema: `civiclab indicator schema`), without "
    "`dataset`, which the indicator's dataset sets"
)


class IndicatorOut(Schema):
    slug: str
    name: str
    city: str = Field(alias="city.slug")
    dataset: str = Field(alias="dataset.slug", description="The dataset's slug")
    description: str
    visibility: str
    owner: PersonOut | None = Field(None, description="The owner (email for colleagues only)")
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> dict[str, Any] | None:
        return person_for(obj.owner, obj.city, context)


class IndicatorDetail(IndicatorOut):
    spec: dict[str, Any] = Field(description="The indicator specification, as validated")
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    target_value: float | None = None
    target_date: dt.date | None = None


class IndicatorIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    dataset: str = Field(min_length=1, description="Slug of a dataset of the city")
    spec: dict[str, Any] = Field(description=SPEC_HELP)
    description: str = ""
    visibility: Visibility = Field(
        Visibility.CITY, description="Wider than `city` needs a city admin"
    )
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    target_value: float | None = None
    target_date: dt.date | None = None


class IndicatorUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    spec: dict[str, Any] | None = Field(None, description=SPEC_HELP)
    visibility: Visibility | None = Field(None, description="Changing it needs a city admin")
    owner: StrictId | None = Field(
        None,
        description="Reminded when its data is due: a member of its city (user id); null: nobody",
    )
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    target_value: float | None = None
    target_date: dt.date | None = None


class EvaluateIn(InputSchema):
    spec: dict[str, Any] = Field(
        description="An indicator specification, with `dataset`: the slug of a dataset of the city"
    )


class PointOut(Schema):
    period: str | None = Field(None, description="2024-01, 2024-W01, 2024-Q1, 2024 or a day")
    start: dt.date | None = Field(None, description="First day of the period")
    value: float | None = None
    n: int = Field(description="Rows behind the value")


class GroupPointOut(PointOut):
    group: str | None = Field(None, description="The group's value; null for no value or Other")
    other: bool = Field(
        False,
        description="The group gathering every group beyond the spec's `breakdown_top` "
        "(its `group` is null)",
    )


class SeriesOut(Schema):
    overall: list[PointOut]
    breakdown: list[GroupPointOut] = Field(description="By the spec's `breakdown` column")
    equity: list[GroupPointOut] = Field(description="By the spec's `equity` column")
    error: str | None = Field(None, description="Why the series could not be computed")


class SignalOut(Schema):
    rule: str = Field(description="shift, trend, too_few_runs, too_many_runs or astronomical")
    points: list[str | None] = Field(description="The periods of the points that make it")
    description: str


class XmROut(Schema):
    centre: float
    upper: float
    lower: float
    mean_moving_range: float


class SignalsOut(Schema):
    median: float | None
    runs: int
    useful: int = Field(description="Points not on the median")
    runs_range: list[int] | None = Field(
        None, description="[fewest, most] runs not unusual by chance (5 %)"
    )
    xmr: XmROut | None = None
    signals: list[SignalOut]


class GoalOut(Schema):
    baseline: float | None
    latest: float | None
    target: float | None
    target_date: dt.date | None = None
    progress_percent: float | None = Field(
        description="Share of baseline → target covered, 0–100; null when the value moved the "
        "wrong way or the target is no improvement on the baseline"
    )
    projected: float | None = Field(description="The trend line's value at the target date")
    status: str = Field(
        description="on_track, at_risk, off_track, met, target_contradicts_direction (the "
        "target is on the wrong side of the baseline for the polarity) or unknown"
    )
    method: str
    change: float | None = Field(None, description="Latest value − baseline")
    direction: str | None = Field(
        None, description="better, worse or unchanged since the baseline, by the polarity"
    )
    summary: str = Field(
        "",
        description="Progress in words, in the request's language (e.g. 'Moving the wrong "
        "way: +1,120 since the baseline.')",
    )


class GapOut(Schema):
    period: str | None
    best_group: str | None
    best: float | None
    worst_group: str | None
    worst: float | None
    difference: float | None
    ratio: float | None


class EquityOut(Schema):
    gaps: list[GapOut]
    widening_while_improving: bool
    explanation: str
