"""API shapes of reviews, their packs and meetings."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from civiclab.core.schemas import InputSchema, StrictId
from civiclab.reports.models.packs import (
    ITEM_TEXT_LIMIT,
    ITEMS_PER_MEETING,
    NOTES_LIMIT,
    TITLE_LIMIT,
    PackPdf,
    Review,
    ReviewMeeting,
)


class ReviewIn(InputSchema):
    scope: Literal["team", "city", "cohort"] = Field(description="What is reviewed")
    team: StrictId | None = Field(None, description="The team (scope team)")
    city: StrictId | None = Field(None, description="The city whose portfolio (scope city)")
    cohort: StrictId | None = Field(None, description="The cohort (scope cohort)")
    title: str = Field(min_length=1, max_length=TITLE_LIMIT)
    cadence: Literal["weekly", "monthly", "quarterly"] = "monthly"
    next_meeting_on: dt.date
    owner: StrictId | None = Field(None, description="A reader of the review (default: you)")


class ReviewOut(Schema):
    id: int
    title: str
    scope: str
    team: int | None
    city: int | None
    cohort: int | None
    network: int
    cadence: str
    next_meeting_on: dt.date
    owner: str | None
    may_write: bool


def review_out(review: Review, may_write: bool) -> dict[str, Any]:
    return {
        "id": review.pk,
        "title": review.title,
        "scope": review.scope,
        "team": review.team_id,
        "city": review.city_id,
        "cohort": review.cohort_id,
        "network": review.network_id,
        "cadence": review.cadence,
        "next_meeting_on": review.next_meeting_on,
        "owner": str(review.owner) if review.owner is not None else None,
        "may_write": may_write,
    }


class ItemIn(InputSchema):
    text: str = Field(min_length=1, max_length=ITEM_TEXT_LIMIT)
    solution: StrictId | None = Field(None, description="A solution in the review's scope")
    owner: StrictId | None = Field(None, description="A user who reads the review")
    due_on: dt.date | None = None


class MeetingIn(InputSchema):
    held_on: dt.date | None = Field(None, description="Default: today")
    notes: str = Field("", max_length=NOTES_LIMIT)
    decisions: list[ItemIn] = Field(default_factory=list, max_length=ITEMS_PER_MEETING)
    actions: list[ItemIn] = Field(default_factory=list, max_length=ITEMS_PER_MEETING)
    done_actions: list[StrictId] = Field(
        default_factory=list, max_length=500, description="Carried actions now done"
    )
    done_decisions: list[StrictId] = Field(
        default_factory=list, max_length=500, description="Carried decisions now carried out"
    )


class ReviewItemOut(Schema):
    id: int
    text: str
    solution: int | None
    owner: str | None
    due_on: dt.date | None
    done_on: dt.date | None


class MeetingOut(Schema):
    id: int
    review: int
    held_on: dt.date
    notes: str
    decisions: list[ReviewItemOut]
    actions: list[ReviewItemOut]


class MeetingPackOut(MeetingOut):
    pack: dict[str, Any] = Field(description="The pack as it was shown, frozen")


def _item_out(item: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "text": item.text,
        "solution": item.solution_id,
        "owner": str(item.owner) if item.owner is not None else None,
        "due_on": item.due_on,
        "done_on": item.done_on,
    }


def meeting_out(meeting: ReviewMeeting, *, with_pack: bool = False) -> dict[str, Any]:
    found = {
        "id": meeting.pk,
        "review": meeting.review_id,
        "held_on": meeting.held_on,
        "notes": meeting.notes,
        "decisions": [_item_out(d) for d in meeting.decisions.select_related("owner")],
        "actions": [_item_out(a) for a in meeting.actions.select_related("owner")],
    }
    if with_pack:
        found["pack"] = meeting.pack
    return found


class PdfIn(InputSchema):
    language: Literal["en", "fr"] | None = Field(None, description="Default: the request's")
    meeting: StrictId | None = Field(None, description="A meeting's frozen pack (default: now)")


class PdfOut(Schema):
    id: int
    review: int
    meeting: int | None
    language: str
    state: str
    error: str
    size: int
    seconds: float | None
    download: str | None


def pdf_out(job: PackPdf) -> dict[str, Any]:
    base = f"/api/v1/reports/reviews/{job.review_id}/pdf/{job.pk}"
    return {
        "id": job.pk,
        "review": job.review_id,
        "meeting": job.meeting_id,
        "language": job.language,
        "state": job.state,
        "error": job.error,
        "size": job.size,
        "seconds": job.seconds,
        "download": f"{base}/download" if job.state == "done" else None,
    }
