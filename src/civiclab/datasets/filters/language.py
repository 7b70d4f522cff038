"""A filter: a column, an operator and a value, checked with pydantic; the problems of a
filter (or of a document holding filters, such as an indicator spec) as translatable English
templates; and the values people type, read as the column's type.

Example: ``{"column": "Complaint Type", "op": "in", "value": ["Noise", "Parking"]}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

Scalar = str | int | float | bool
Op = Literal["=", "!=", "in", "not in", "between", "is null", "is not null", "contains"]
OPS: tuple[Op, ...] = get_args(Op)
# Operators whose value is a list; people type its items separated by commas.
LIST_OPS = frozenset({"in", "not in", "between"})
# Column types (civiclab's, as the ingest writes them) whose values are numbers, and times.
NUMERIC = {"integer", "decimal", "latitude", "longitude"}
TEMPORAL = {"timestamp", "date"}

# A filter's own rules, by error type: English templates, also the keys of their translations.
RULES = {
    "takes_no_value": "'{op}' takes no value",
    "needs_values": "'{op}' needs a non-empty list of values",
    "needs_two_values": "'between' needs a list of two values [low, high]",
    "needs_one_value": "'{op}' needs one value",
}
# pydantic's messages for the mistakes a filter's (or a spec's) author makes, as pydantic
# writes them in English: the template filled with the error's context must give pydantic's
# own message, else the message is kept as it is (and not translated).
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


# No docstring: a model's docstring would become its description in the published schemas.
class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    op: Op
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


@dataclass(frozen=True)
class SpecProblem:
    """One problem: where in the spec (or filter), and what, as an English template with
    ``{name}`` fields and their values — the template is also the key of its translation."""

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
    """A spec or filter that does not validate; ``problems`` are (path, message) pairs,
    ``details`` the same as :class:`SpecProblem` for saying them in another language."""

    def __init__(self, problems: Sequence[tuple[str, str] | SpecProblem]) -> None:
        self.details = [
            item if isinstance(item, SpecProblem) else SpecProblem(item[0], item[1])
            for item in problems
        ]
        self.problems = [(item.path, item.message) for item in self.details]
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


def parse_filter(data: dict[str, Any]) -> Filter:
    """Validate one filter; raise SpecError naming each problem (paths within the filter)."""
    try:
        return Filter.model_validate(data)
    except ValidationError as exc:
        raise SpecError(validation_problems(exc, "(filter)", RULES)) from None


def validation_problems(
    exc: ValidationError, whole: str, rules: Mapping[str, str]
) -> list[SpecProblem]:
    """pydantic's errors as problems, each at its path (``whole`` when it is the document's);
    ``rules`` are the document's own templates by error type."""
    problems = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        problems.append(_problem(path or whole, error, rules))
    return problems


def _problem(path: str, error: ErrorDetails, rules: Mapping[str, str]) -> SpecProblem:
    """A pydantic error as a problem whose template can be translated, when it is known."""
    message = str(error["msg"]).removeprefix("Value error, ")
    template = rules.get(error["type"]) or PYDANTIC_TEMPLATES.get(error["type"])
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


# -- values people type ----------------------------------------------------------------------
def filter_value(op: str, text: str, kind: str | None) -> Any:
    """The value of a filter typed as text, read as the column's type ``kind``: none for
    ``is null``/``is not null``, a list for the list operators (comma-separated), else one."""
    if op in ("is null", "is not null"):
        return None
    if op in LIST_OPS:
        return [_typed(part, kind) for part in text.split(",") if part.strip()]
    return _typed(text, kind)


def _typed(text: str, kind: str | None) -> Any:
    """A number for a numeric column, true/false for a boolean one; else (or when it is not
    one) the text itself, which the filter's checks then refuse or keep."""
    text = text.strip()
    if kind in NUMERIC:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def local_span(value: object, timezone: str) -> tuple[str, str | None] | None:
    """A date or time written by a person, read in ``timezone``: (start, end) as ISO instants
    with their offset — a date is the local day from start to end (end excluded), a date and
    time is one instant (end None). None when the value is neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    zone = ZoneInfo(timezone)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day, dt.time(), zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
        return start.isoformat(), end.isoformat()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat(), None
