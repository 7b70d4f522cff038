"""API shapes of the directory: a person as the reader finds them, one's own entry."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema
from civiclab.exchange.models.directory import HEADLINE_LIMIT, MAX_TAGS, TAG_LIMIT

Tag = str


class DirectoryFilters(Schema):
    q: str = Field("", max_length=200, description="Words of a name, headline or tag")
    city: str = Field("", max_length=50, description="A city (slug)")
    topic: str = Field("", max_length=TAG_LIMIT)
    skill: str = Field("", max_length=TAG_LIMIT)
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class PlaceOut(Schema):
    city: str
    city_slug: str
    team: str | None = None
    role: str | None = None


class WorkOut(Schema):
    kind: str
    id: int
    title: str
    url: str


class CardOut(Schema):
    user_id: int
    name: str
    headline: str
    email: str | None = Field(None, description="Only when the person shows it")
    places: list[PlaceOut]
    topics: list[str]
    skills: list[str]
    work: list[WorkOut] = Field(description="What they own that you may see")


class DirectoryPage(Schema):
    items: list[CardOut]
    count: int = Field(description="People you find, across all pages")
    limit: int
    offset: int


Visibility = Literal["hidden", "city", "network"]


class EntryIn(InputSchema):
    visibility: Visibility | None = None
    headline: str | None = Field(None, max_length=HEADLINE_LIMIT)
    topics: list[str] | None = Field(None, max_length=MAX_TAGS)
    skills: list[str] | None = Field(None, max_length=MAX_TAGS)
    show_team: bool | None = None
    show_role: bool | None = None
    show_email: bool | None = None
    show_work: bool | None = None


class EntryOut(Schema):
    visibility: str
    headline: str
    topics: list[str]
    skills: list[str]
    show_team: bool
    show_role: bool
    show_email: bool
    show_work: bool
