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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

SPEC_VERSION: Literal[1] = 1

Scalar = str | int | float | bool
# The spec's own bound on breakdown_top (the server's group limit is usually lower): a
# document is never valid with a number no server could accept.
MAX_BREAKDOWN_TOP = 1_000_000


# The spec's own rules, by error type: English templates, also the keys of their translations.
RULES = {
    "takes_no_value": "'{op}' takes no value",
    "needs_values": "'{op}' needs a non-empty list of values",
    "needs_two_values": "'between' needs a list of two values [low, high]",
    "needs_one_value": "'{op}' needs one value",
    "needs_p": "stat 'percentile' needs p",
    "breakdown_columns": "breakdown takes one to three columns",
    "top_needs_breakdown": (
        "breakdown_top needs a breakdown or an equity column whose largest groups it keeps"
    ),
}
# pydantic's messages for the mistakes a spec's author makes, as pydantic writes them in
# English: the template filled with the error's context must give pydantic's own message,
# else the message is kept as it is (and not translated).
PYDANTIC_TEMPLATES = {
    "missing": "Field required",
    "extra_forbidden": "Extra inputs are not permitted",
    "literal_error": "Input should be {expected}",
    "string_type": "Input should be a valid string",
    "string_too_short": "String should have at least {min_length} character",
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "float_type": "Input should be a valid number",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "bool_type": "Input should be a valid boolean",
    "list_type": "Input should be a valid list",
    "dict_type": "Input should be a valid dictionary",
    "model_type": "Input should be a valid dictionary or instance of {class_name}",
    "greater_than": "Input should be greater than {gt}",
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than": "Input should be less than {lt}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "union_tag_invalid": (
        "Input tag '{tag}' found using {discriminator} does not match any of the expected "
        "tags: {expected_tags}"
    ),
    "union_tag_not_found": "Unable to extract tag using discriminator {discriminator}",
}


def _rule(kind: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, RULES[kind], context)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filter(_Strict):
    column: str = Field(min_length=1)
    op: Literal["=", "!=", "in", "not in", "between", "is null", "is not null", "contains"]
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Filter:
        if self.op in ("is null", "is not null"):
            if self.value is not None:
                raise _rule("takes_no_value", op=self.op)
        elif self.op in ("in", "not in"):
            if not isinstance(self.value, list) or not self.value:
                raise _rule("needs_values", op=self.op)
        elif self.op == "between":
            if not isinstance(self.value, list) or len(self.value) != 2:
                raise _rule("needs_two_values")
        elif self.value is None or isinstance(self.value, list):
            raise _rule("needs_one_value", op=self.op)
        return self


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


@dataclass(frozen=True)
class SpecProblem:
    """One problem: where in the spec, and what, as an English template with ``{name}``
    fields and their values — the template is also the key of its translation."""

    path: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """In English; whole numbers grouped by thousands (16,417)."""
        if not self.params:
            return self.template
        shown = {
            name: f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
            for name, value in self.params.items()
        }
        return self.template.format(**shown)


class SpecError(ValueError):
    """A spec that does not validate; ``problems`` are (path, message) pairs, ``details`` the
    same as :class:`SpecProblem` for saying them in another language."""

    def __init__(self, problems: Sequence[tuple[str, str] | SpecProblem]) -> None:
        self.details = [
            item if isinstance(item, SpecProblem) else SpecProblem(item[0], item[1])
            for item in problems
        ]
        self.problems = [(item.path, item.message) for item in self.details]
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


def parse_spec(data: dict[str, Any]) -> IndicatorSpec:
    """Validate a spec document; raise SpecError naming each problem's place in it."""
    try:
        return IndicatorSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
            problems.append(_problem(path or "(spec)", error))
        raise SpecError(problems) from None


def parse_filter(data: dict[str, Any]) -> Filter:
    """Validate one filter; raise SpecError naming each problem (paths within the filter)."""
    try:
        return Filter.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
            problems.append(_problem(path or "(filter)", error))
        raise SpecError(problems) from None


def _problem(path: str, error: Any) -> SpecProblem:
    """A pydantic error as a problem whose template can be translated, when it is known."""
    message = str(error["msg"]).removeprefix("Value error, ")
    template = RULES.get(error["type"]) or PYDANTIC_TEMPLATES.get(error["type"])
    context = {
        name: str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        for name, value in (error.get("ctx") or {}).items()
    }
    if template is not None:
        try:
            if template.format(**context) == message:
                return SpecProblem(path, template, context)
        except (KeyError, IndexError, ValueError):
            pass
    return SpecProblem(path, message)


def indicator_json_schema() -> dict[str, Any]:
    schema = IndicatorSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "civiclab indicator specification"
    return schema
