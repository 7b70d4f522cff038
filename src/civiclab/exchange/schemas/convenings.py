"""API shapes of convenings: one convening with its agenda and counts, the bodies that
create and change one, an answer, the notes, a cancellation."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from civiclab.core.schemas import FIELD_INT_MAX, InputSchema, StrictId
from civiclab.exchange.models.convenings import (
    AGENDA_LIMIT,
    AGENDA_TITLE_LIMIT,
    CAPACITY_LIMIT,
    DESCRIPTION_LIMIT,
    NOTES_LIMIT,
    PLACE_LIMIT,
    SPEAKER_LIMIT,
    TITLE_LIMIT,
)

Kind = Literal["forum", "webinar", "cohort_meeting"]
Answer = Literal["going", "maybe", "not_going"]


class AgendaItemIO(Schema):
    at: dt.time | None = Field(None, description="In the convening's time zone (HH:MM)")
    title: str = Field(min_length=1, max_length=AGENDA_TITLE_LIMIT)
    speaker: str = Field("", max_length=SPEAKER_LIMIT)


class ConveningFields(InputSchema):
    kind: Kind | None = None
    cohort: StrictId | None = Field(None, description="A cohort of the network (id)")
    title: str | None = Field(None, min_length=1, max_length=TITLE_LIMIT)
    description: str | None = Field(None, max_length=DESCRIPTION_LIMIT)
    starts_at: dt.datetime | None = Field(None, description="With its offset, e.g. …T14:00+02:00")
    ends_at: dt.datetime | None = None
    timezone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/Paris")
    place: str | None = Field(None, max_length=PLACE_LIMIT)
    online_url: str | None = Field(None, max_length=500, description="http(s) only")
    capacity: int | None = Field(None, ge=1, le=CAPACITY_LIMIT, description="Empty: no limit")
    agenda: list[AgendaItemIO] | None = Field(None, max_length=AGENDA_LIMIT)


class ConveningIn(ConveningFields):
    network: str = Field(max_length=50, description="The network (slug)")
    title: str = Field(min_length=1, max_length=TITLE_LIMIT)  # type: ignore[assignment]
    starts_at: dt.datetime  # type: ignore[assignment]
    ends_at: dt.datetime  # type: ignore[assignment]


class ConveningUpdate(ConveningFields):
    pass


class ConveningFilters(Schema):
    network: str | None = Field(None, max_length=50, description="Only this network's (slug)")
    cohort: int | None = Field(None, ge=1, le=FIELD_INT_MAX, description="Only this cohort's")
    kind: Kind | None = None
    when: Literal["upcoming", "past", "all"] = "upcoming"


class ConveningOut(Schema):
    id: int
    kind: str
    network: str = Field(description="The network's slug")
    cohort: int | None
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    place: str
    online_url: str
    capacity: int | None
    going: int
    maybe: int
    waitlist: int
    cancelled: bool
    url: str = Field(description="The convening's page")

    @staticmethod
    def resolve_network(obj: Any) -> str:
        return str(obj.network.slug)

    @staticmethod
    def resolve_cohort(obj: Any) -> int | None:
        return obj.cohort_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_going(obj: Any) -> int:
        return int(getattr(obj, "going_count", 0))

    @staticmethod
    def resolve_maybe(obj: Any) -> int:
        return int(getattr(obj, "maybe_count", 0))

    @staticmethod
    def resolve_waitlist(obj: Any) -> int:
        return int(getattr(obj, "waitlist_count", 0))

    @staticmethod
    def resolve_cancelled(obj: Any) -> bool:
        return obj.cancelled_at is not None

    @staticmethod
    def resolve_url(obj: Any) -> str:
        from civiclab.exchange.views.convenings.feeds import event_url

        return event_url(obj)


class ConveningDetail(ConveningOut):
    description: str
    agenda: list[AgendaItemIO]
    notes: str
    cancel_reason: str
    my_response: str | None = Field(None, description="going, maybe, not_going or waitlist")

    @staticmethod
    def resolve_agenda(obj: Any) -> list[Any]:
        return list(obj.agenda.all())

    @staticmethod
    def resolve_my_response(obj: Any, context: Any) -> str | None:
        from civiclab.exchange.queries.convenings import response_of

        request = (context or {}).get("request")
        return response_of(getattr(request, "auth", None), obj)


class RsvpIn(InputSchema):
    response: Answer


class RsvpOut(Schema):
    response: str = Field(description="waitlist: it was full, you wait for a place")
    message: str


class NotesIn(InputSchema):
    notes: str = Field(max_length=NOTES_LIMIT)


class CancelIn(InputSchema):
    reason: str = Field("", max_length=PLACE_LIMIT)
