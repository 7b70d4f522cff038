"""PURE: the shapes of the portfolio's structured (JSON) fields, one schema per field.

The same schema checks a value on every write (the models' validators, so the services, the
API, the pages and imports all go through it) and reads it back (``read_*``): a value stored
before it was checked reads as invalid — the valid part kept, the problem said — never as an
error page. The limits are documented in docs/portfolio.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)
from pydantic import ValidationError as PydanticError

MAX_CRITERIA = 20
CRITERION_KEY = r"^[a-z0-9_]{1,50}$"
MAX_CRITERION_LABEL = 100
MAX_TAGS = 30
MAX_TAG = 50


class Criterion(BaseModel):
    """One criterion of a challenge's rubric: ideas are scored 1–5 on it."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=CRITERION_KEY, description="Lower-case letters, digits or _")
    label: str = Field(min_length=1, max_length=MAX_CRITERION_LABEL)


def _distinct_keys(criteria: list[Criterion]) -> list[Criterion]:
    keys = [c.key for c in criteria]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"the key {', '.join(twice)} is given twice")
    return criteria


Rubric = Annotated[
    list[Criterion],
    Field(min_length=1, max_length=MAX_CRITERIA),
    AfterValidator(_distinct_keys),
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]


def _iso_time(value: str) -> str:
    dt.datetime.fromisoformat(value)  # a ValueError says what is wrong
    return value


class Snapshot(BaseModel):
    """A data finding's number as it was when recorded (``services.indicator_snapshot``)."""

    model_config = ConfigDict(extra="forbid")

    indicator: str | None = None
    value: float | None = None
    period: str | None = None
    n: int | None = None
    unit: str | None = None
    version: int | None = None
    recorded_at: Annotated[str, AfterValidator(_iso_time)] | None = None

    def recorded(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.recorded_at) if self.recorded_at else None


RUBRIC = TypeAdapter(Rubric)
TAGS = TypeAdapter(Tags)
# A snapshot is {} (no number recorded) or the fields above.
SNAPSHOT = TypeAdapter(Snapshot)


def problems(exc: PydanticError) -> list[str]:
    """Each problem as ``path: message`` (``0.key: String should match pattern …``)."""
    return [
        f"{'.'.join(str(p) for p in error['loc']) or '(value)'}: {error['msg']}"
        for error in exc.errors()
    ]


def check(adapter: TypeAdapter[Any], value: Any) -> list[str]:
    """The problems of ``value`` for ``adapter``'s schema; [] when it is valid."""
    try:
        adapter.validate_python(value)
    except PydanticError as exc:
        return problems(exc)
    return []


@dataclass(frozen=True)
class RubricReading:
    """A stored rubric as read: its valid criteria, and what was wrong, if anything."""

    criteria: list[dict[str, str]]
    problem: str | None = None

    @property
    def keys(self) -> list[str]:
        return [c["key"] for c in self.criteria]


def read_rubric(value: Any) -> RubricReading:
    """Read a stored rubric; invalid criteria are left out (scores on them stay stored)."""
    wrong = check(RUBRIC, value)
    if not wrong:
        return RubricReading([c.model_dump() for c in RUBRIC.validate_python(value)])
    kept: list[dict[str, str]] = []
    for item in value if isinstance(value, list) else []:
        try:
            criterion = Criterion.model_validate(item)
        except PydanticError:
            continue
        if criterion.key not in {c["key"] for c in kept}:
            kept.append(criterion.model_dump())
    return RubricReading(kept, "; ".join(wrong))


def read_tags(value: Any) -> list[str]:
    """Stored tags, or [] when they are not a list of short texts."""
    try:
        return list(TAGS.validate_python(value))
    except PydanticError:
        return []


def read_snapshot(value: Any) -> Snapshot | None:
    """A stored snapshot, or None when there is none or it is not one."""
    if not value:
        return None
    try:
        return SNAPSHOT.validate_python(value)
    except PydanticError:
        return None
