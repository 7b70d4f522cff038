"""Threads, posts, reports and inbox items as the API reads and returns them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import StrictBool

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.exchange.models.discussions import KIND_LIMIT, TITLE_LIMIT
from civiclab.exchange.services.discussions import BODY_LIMIT, REASON_LIMIT


def _name(user: Any) -> str | None:
    from civiclab.accounts.people import display_name

    return display_name(user) if user is not None else None


class ThreadOut(Schema):
    id: int
    network: str = Field(description="The network's slug")
    kind: str = Field(description="topic, cohort, or an object kind (challenge, solution, case…)")
    target: int = Field(description="The target's id (a topic's: its network's id)")
    title: str
    author: str | None = Field(None, description="The author's name (never an address)")
    created_at: dt.datetime
    last_post_at: dt.datetime
    locked: bool
    post_count: int = 0

    @staticmethod
    def resolve_network(obj: Any) -> str:
        return str(obj.network.slug)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.target_kind)

    @staticmethod
    def resolve_target(obj: Any) -> int:
        return int(obj.target_id)

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return _name(obj.author)

    @staticmethod
    def resolve_post_count(obj: Any) -> int:
        return int(getattr(obj, "post_count", 0) or 0)


class PostOut(Schema):
    id: int
    thread: int
    author: str | None = None
    created_at: dt.datetime
    hidden: bool
    body: str | None = Field(
        None, description="The Markdown as written; null when hidden (moderators: always)"
    )
    html: str = Field(description="The rendered, sanitised HTML (or the hidden notice)")

    @staticmethod
    def resolve_thread(obj: Any) -> int:
        return int(obj.thread_id)

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return _name(obj.author)

    @staticmethod
    def resolve_hidden(obj: Any) -> bool:
        return bool(obj.hidden)

    @staticmethod
    def resolve_body(obj: Any) -> str | None:
        return getattr(obj, "body_out", None)

    @staticmethod
    def resolve_html(obj: Any) -> str:
        return str(getattr(obj, "html_out", ""))


class ThreadCreate(InputSchema):
    kind: str = Field(..., max_length=KIND_LIMIT, description="topic, cohort, challenge, solution…")
    target: StrictId = Field(..., description="The target's id (a topic: the network's id)")
    title: str = Field(..., max_length=TITLE_LIMIT)
    body: str = Field(..., max_length=BODY_LIMIT, description="The first post, in Markdown")


class PostCreate(InputSchema):
    body: str = Field(..., max_length=BODY_LIMIT, description="Markdown")


class ReportCreate(InputSchema):
    reason: str = Field("", max_length=REASON_LIMIT)


class HiddenIn(InputSchema):
    hidden: StrictBool


class LockedIn(InputSchema):
    locked: StrictBool


class SubscriptionOut(Schema):
    thread: int
    subscribed: bool


class InboxItemOut(Schema):
    id: int
    thread: int
    thread_title: str
    post: int
    reason: str = Field(description="reply (a thread you follow) or mention")
    author: str | None = None
    created_at: dt.datetime
    read: bool

    @staticmethod
    def resolve_thread(obj: Any) -> int:
        return int(obj.thread_id)

    @staticmethod
    def resolve_thread_title(obj: Any) -> str:
        return str(obj.thread.title)

    @staticmethod
    def resolve_post(obj: Any) -> int:
        return int(obj.post_id)

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return _name(obj.post.author)

    @staticmethod
    def resolve_read(obj: Any) -> bool:
        return obj.read_at is not None


class InboxRead(InputSchema):
    items: list[StrictId] | None = Field(
        None, max_length=500, description="The items to mark read (omitted: all)"
    )


class CountOut(Schema):
    unread: int


class ThreadFilters(Schema):
    kind: str | None = Field(None, max_length=KIND_LIMIT)
    target: int | None = Field(None, ge=1, le=2**63 - 1)
    network: str | None = Field(None, max_length=100, description="The network's slug")


class PostPage(Schema):
    items: list[PostOut]
    count: int = Field(description="Posts in the thread")
    page: int
    pages: int
