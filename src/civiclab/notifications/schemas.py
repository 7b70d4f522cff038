"""What the notifications API answers and receives."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.notifications.display import shown
from civiclab.notifications.models import Kind


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="What it is about: " + ", ".join(Kind.values))
    message: str = Field(description="What it says, in your language")
    url: str = Field(description="The page it is about")
    created_at: dt.datetime
    read: bool

    @staticmethod
    def resolve_message(obj: Any) -> str:
        return shown(obj).text

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return shown(obj).url

    @staticmethod
    def resolve_read(obj: Any) -> bool:
        return obj.read_at is not None


class NotificationsRead(InputSchema):
    items: list[StrictId] | None = Field(
        None, max_length=500, description="The notifications to mark read (omitted: all)"
    )


class NotificationCountOut(Schema):
    unread: int


class NotificationPreferenceOut(Schema):
    kind: str
    label: str = Field(description="The kind, in your language")
    in_app: bool
    email: bool = Field(description="In the daily digest e-mail")


class NotificationPreferenceIn(InputSchema):
    kind: Kind
    in_app: bool
    email: bool


class NotificationPreferencesIn(InputSchema):
    preferences: list[NotificationPreferenceIn] = Field(max_length=len(Kind.values))
