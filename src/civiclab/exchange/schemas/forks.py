"""Forks as the API reads and returns them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema, StrictId


class ForkCreate(InputSchema):
    origin_kind: Literal["challenge", "solution"]
    origin_id: StrictId
    city: str = Field(max_length=50, description="The slug of your city the copy is made in")
    as_kind: Literal["challenge", "idea", "solution"]
    challenge: StrictId | None = Field(
        None, description="For an idea or a solution: your city's challenge it belongs to"
    )
    title: str = Field("", max_length=200, description="Empty: the origin's title")
    visibility: Literal["team", "city", "network", "public"] = "city"


class ReportEntryOut(Schema):
    origin_indicator: int
    name: str
    status: str = Field(description="repointed, reused, not_repointed or not_copied")
    indicator: int | None = Field(None, description="Your city's indicator it became")
    dataset: str = ""
    reason: str | None = Field(
        None, description="no_dataset, columns (missing or of another type), invalid, idea"
    )
    missing: list[str] = []
    mismatched: dict[str, list[str]] = Field(
        default_factory=dict, description="column → [type needed, type of your dataset's]"
    )
    message: str | None = None


class NodeOut(Schema):
    kind: str
    id: int
    title: str
    city: str
    depth: int
    fork: int | None = Field(None, description="The fork linking it to its neighbour")

    @staticmethod
    def resolve_fork(obj: Any) -> int | None:
        return obj.fork.pk if obj.fork is not None else None


class ForkOut(Schema):
    id: int
    origin_kind: str
    origin_id: int | None = Field(None, description="Null when you may no longer see the origin")
    copy_kind: str
    copy_id: int
    city: str
    by: str | None
    created_at: dt.datetime
    report: list[ReportEntryOut]


class LineageOut(Schema):
    ancestors: list[NodeOut] = Field(description="Nearest first")
    descendants: list[NodeOut] = Field(description="In reading order: each copy after its parent")
    adaptations: int = Field(description="Direct copies you may see")
