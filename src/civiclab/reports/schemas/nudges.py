"""nudges: what the API answers and receives."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.reports.queries.nudges import link_of, message_of


class NudgeOut(Schema):
    id: int
    kind: str = Field(description="dataset, indicator or milestone")
    object_id: int = Field(description="The id of the dataset, indicator or milestone")
    state: str = Field(description="due or overdue: the state it had when you were told")
    message: str = Field(description="What it says, in your language")
    url: str = Field(description="The page where it is updated")
    since: dt.date | None = Field(None, description="Due (or overdue) since; a milestone's date")
    created_at: dt.datetime
    read: bool

    @staticmethod
    def resolve_message(obj: Any) -> str:
        return message_of(obj)

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return link_of(obj)

    @staticmethod
    def resolve_since(obj: Any) -> dt.date | None:
        since = (obj.params or {}).get("since")
        return dt.date.fromisoformat(since) if since else None

    @staticmethod
    def resolve_read(obj: Any) -> bool:
        return obj.read_at is not None


class NudgesRead(InputSchema):
    items: list[StrictId] | None = Field(
        None, max_length=500, description="The nudges to mark read (omitted: all)"
    )


class NudgeCountOut(Schema):
    unread: int


class NudgeSettingsIn(InputSchema):
    email: bool = Field(description="Receive the digest email of new reminders")


class NudgeSettingsOut(Schema):
    email: bool
