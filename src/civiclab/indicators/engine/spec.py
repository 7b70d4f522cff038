"""The indicator specification: a declarative, versioned JSON document over one dataset.

Validated with pydantic, whose JSON Schema is published (``indicator_json_schema``) so other
tools can write specs. Example — median hours from creation to closure of residential-noise
requests, per month and community board::

    {"dataset": "311",
     "measure": {"type": "duration", "start": "Created Date", "end": "Closed Date",
                 "stat": "median", "unit": "hours"},
     "time": {"column": "Created Date", "period": "month"},
     "filters": [{"column": "Complaint Type", "op": "=", "value": "Noise - Residential"}],
     "breakdown": "Community Board"}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from civiclab.datasets.filters import language as filters
from civiclab.datasets.filters.language import Filter, SpecError, validation_problems

SPEC_VERSION: Literal[1] = 1

# The spec's own bound on breakdown_top (the server's group limit is usually lower): a
# document is never valid with a number no server could accept.
MAX_BREAKDOWN_TOP = 1_000_000


# The spec's own rules, by error type (with the filters'): English templates, also the keys of
# their translations.
RULES = {
    **filters.RULES,
    "needs_p": "stat 'percentile' needs p",
    "breakdown_columns": "breakdown takes one to three columns",
    "top_needs_breakdown": (
        "breakdown_top needs a breakdown or an equity column whose largest groups it keeps"
    ),
}


def _rule(kind: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, RULES[kind], context)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(_Strict):
    type: Literal["count"]


class CountDistinct(_Strict):
    type: Literal["count_distinct"]
    column: str


class ColumnStat(_Strict):
    type: Literal["sum", "mean", "median"]
    column: str


class Percentile(_Strict):
    type: Literal["percentile"]
    column: str
    p: float = Field(gt=0, lt=100, description="Percentile, e.g. 90")


class Share(_Strict):
    """Rows matching ``where`` divided by all rows (after the indicator's filters)."""

    type: Literal["share"]
    where: list[Filter] = Field(min_length=1)


class Duration(_Strict):
    """Statistics of the time between two timestamp columns; rows with no end are left out."""

    type: Literal["duration"]
    start: str
    end: str
    stat: Literal["median", "mean", "p90", "percentile"] = "median"
    p: float | None = Field(None, gt=0, lt=100)
    unit: Literal["minutes", "hours", "days"] = "hours"

    @model_validator(mode="after")
    def _percentile_has_p(self) -> Duration:
        if self.stat == "percentile" and self.p is None:
            raise _rule("needs_p")
        return self


class Ratio(_Strict):
    """One indicator's value divided by another's, period by period (and group by group)."""

    type: Literal["ratio"]
    numerator: Measure
    denominator: Measure
    numerator_filters: list[Filter] = Field(default_factory=list)
    denominator_filters: list[Filter] = Field(default_factory=list)


class PerCapita(_Strict):
    """A measure per ``per`` residents of ``population`` (default: the city's population)."""

    type: Literal["per_capita"]
    of: Measure
    per: int = Field(1000, gt=0)
    population: int | None = Field(None, gt=0)


Measure = Annotated[
    Count | CountDistinct | ColumnStat | Percentile | Share | Duration | Ratio | PerCapita,
    Field(discriminator="type"),
]
Ratio.model_rebuild()
PerCapita.model_rebuild()


class TimeAxis(_Strict):
    column: str
    period: Literal["day", "week", "month", "quarter", "year"] = "month"


class IndicatorSpec(_Strict):
    version: Literal[1] = SPEC_VERSION
    dataset: str = Field(min_length=1, description="The dataset's slug in the city")
    measure: Measure
    time: TimeAxis | None = None
    filters: list[Filter] = Field(default_factory=list)
    breakdown: str | list[str] | None = Field(
        None,
        description="Column (or up to three columns) whose values split the series; groups of "
        "several columns are labelled 'a / b'",
    )

    breakdown_top: int | None = Field(
        None,
        ge=1,
        le=MAX_BREAKDOWN_TOP,
        description="Keep only this many groups of the breakdown (and of the equity column): "
        "those with the most rows over the whole series, after the filters (ties: by group "
        "value); every other group is gathered into one 'Other' group (`other: true`). At most "
        "the server's group limit less one, for Other (CIVICLAB_INDICATOR_MAX_GROUPS − 1: "
        "1,999 by default)",
    )

    @model_validator(mode="after")
    def _breakdown_columns(self) -> IndicatorSpec:
        if isinstance(self.breakdown, list) and not 1 <= len(self.breakdown) <= 3:
            raise _rule("breakdown_columns")
        if self.breakdown_top is not None and not self.breakdown and not self.equity:
            raise _rule("top_needs_breakdown")
        return self

    equity: str | None = Field(
        None, description="Column of an equity dimension (e.g. income quintile)"
    )
    polarity: Literal["lower_is_better", "higher_is_better"] = "lower_is_better"
    unit: str | None = None
    format: str | None = Field(None, description="Display format, e.g. '0.0' or '0%'")


def parse_spec(data: dict[str, Any]) -> IndicatorSpec:
    """Validate a spec document; raise SpecError naming each problem's place in it."""
    try:
        return IndicatorSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(validation_problems(exc, "(spec)", RULES)) from None


def indicator_json_schema() -> dict[str, Any]:
    schema = IndicatorSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "civiclab indicator specification"
    return schema
