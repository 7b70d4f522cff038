"""dashboard: the API's shapes (the attention list, a solution's status, an override)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema
from civiclab.reports.models import NARRATIVE_LIMIT


class AttentionItemOut(Schema):
    kind: str = Field(
        description="indicator_off_track, indicator_signal, milestone_slipping, "
        "milestone_due, risk, decision_due, funding_deadline or stale_data"
    )
    city: str
    title: str
    detail: str
    url: str
    on: dt.date | None = None
    severity: int = 0
    counted: bool = Field(description="Counted in the attention total (low risks are listed only)")


class DashboardOut(Schema):
    cities: list[str]
    total: int
    items: list[AttentionItemOut]


class StatusOut(Schema):
    solution: int
    status: str
    label: str
    proposed: str | None
    reason: str
    overridden: bool
    narrative: str
    overridden_by: str | None = None
    overridden_at: dt.datetime | None = None


class OverrideIn(InputSchema):
    status: Literal["on_track", "at_risk", "off_track"]
    narrative: str = Field(min_length=1, max_length=NARRATIVE_LIMIT)
