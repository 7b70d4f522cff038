"""packs: REST routes under /api/v1/reports/ — reviews, the current pack (JSON), meetings
with their frozen packs and what they recorded, and the pack as PDF (rendered by the worker:
asked with a 202, polled, fetched).

A review the caller does not read is a 404, like one that does not exist; one they read but
may not write is a 403."""

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import get_language
from ninja import Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, ErrorResponse, Id, Page
from civiclab.core.errors import DomainError
from civiclab.network.models import City, Cohort, Team
from civiclab.network.queries import visible_cities, visible_cohorts, visible_teams
from civiclab.reports.models.packs import (
    PackPdf,
    Review,
    ReviewAction,
    ReviewDecision,
    ReviewMeeting,
)
from civiclab.reports.queries import packs as queries
from civiclab.reports.schemas.packs import (
    MeetingIn,
    MeetingOut,
    MeetingPackOut,
    PdfIn,
    PdfOut,
    ReviewIn,
    ReviewOut,
    meeting_out,
    pdf_out,
    review_out,
)
from civiclab.reports.services import packs as services

router = Router(tags=["reports"])
REVIEWS = "/reviews"
REVIEW = REVIEWS + "/{review_id}"
# The most reviews or meetings a list reads (pages are cut from them).
LIST_LIMIT = 500


class PdfNotReady(DomainError):
    status = 409
    code = "pdf_not_ready"


def _review(request: ApiRequest, review_id: int) -> Review:
    found = queries.visible_reviews(request.auth).filter(pk=review_id).first()
    if found is None:
        raise Http404
    return found


@router.get(
    REVIEWS,
    response={200: list[ReviewOut], **READ_ERRORS},
    operation_id="list_reviews",
    summary="The delivery reviews the caller reads (next meeting first)",
)
@paginate(Page)
def list_reviews(request: ApiRequest) -> Any:
    found = queries.visible_reviews(request.auth)[:LIST_LIMIT]
    return [review_out(r, queries.may_write(request.auth, r)) for r in found]


def _one(queryset: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.post(
    REVIEWS,
    response={201: ReviewOut, **ERRORS},
    operation_id="create_review",
    summary="Create a recurring review of a team, a city's portfolio or a cohort",
    description=(
        "`scope` team (with `team`), city (with `city`) or cohort (with `cohort`). Members of "
        "the city write its reviews (a team's: the team's members and the city's admins); a "
        "cohort's review, the network's admins (`403`). A team, city or cohort the caller does "
        "not see is a `404`."
    ),
)
def create_review(request: ApiRequest, payload: ReviewIn, response: HttpResponse) -> Status:
    team: Team | None = _one(visible_teams(request.auth), payload.team)
    city: City | None = _one(visible_cities(request.auth), payload.city)
    cohort: Cohort | None = _one(visible_cohorts(request.auth), payload.cohort)
    review = services.create_review(
        request.auth,
        scope=payload.scope,
        title=payload.title,
        cadence=payload.cadence,
        next_meeting_on=payload.next_meeting_on,
        team=team,
        city=city,
        cohort=cohort,
        owner=payload.owner,
    )
    response["Location"] = f"/api/v1/reports{REVIEWS}/{review.pk}"
    return Status(201, review_out(_review(request, review.pk), True))


@router.get(
    REVIEW,
    response={200: ReviewOut, **READ_ERRORS},
    operation_id="get_review",
    summary="A delivery review",
)
def get_review(request: ApiRequest, review_id: Id) -> dict[str, Any]:
    review = _review(request, review_id)
    return review_out(review, queries.may_write(request.auth, review))


@router.get(
    REVIEW + "/pack",
    response={200: dict[str, Any], **READ_ERRORS},
    operation_id="get_review_pack",
    summary="The review's pack, prepared now",
    description=(
        "For each solution in scope: its status, indicators with goal status, new run-chart "
        "signals since the last meeting and the expected trajectory against the actual series, "
        "slipping and due milestones, open risks by severity, evaluation status and funding "
        "deadlines; with the decisions and actions carried from earlier meetings and the "
        "decisions due. The same for every reader of the review."
    ),
)
def get_review_pack(request: ApiRequest, review_id: Id) -> dict[str, Any]:
    return queries.prepare_pack(_review(request, review_id))


@router.get(
    REVIEW + "/meetings",
    response={200: list[MeetingOut], **READ_ERRORS},
    operation_id="list_review_meetings",
    summary="The review's meetings, newest first, with what each recorded",
)
@paginate(Page)
def list_review_meetings(request: ApiRequest, review_id: Id) -> Any:
    review = _review(request, review_id)
    return [meeting_out(m) for m in queries.meetings_of(review)[:LIST_LIMIT]]


@router.get(
    REVIEW + "/meetings/{meeting_id}",
    response={200: MeetingPackOut, **READ_ERRORS},
    operation_id="get_review_meeting",
    summary="A meeting, with its pack frozen as it was shown",
)
def get_review_meeting(request: ApiRequest, review_id: Id, meeting_id: Id) -> dict[str, Any]:
    review = _review(request, review_id)
    meeting = ReviewMeeting.objects.filter(review=review, pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting_out(meeting, with_pack=True)


@router.post(
    REVIEW + "/meetings",
    response={201: MeetingPackOut, **ERRORS},
    operation_id="hold_review_meeting",
    summary="Hold a meeting: freeze the pack, record decisions and actions",
    description=(
        "The pack is frozen as it is now; `decisions` and `actions` (`text`, optional "
        "`solution` in the review's scope, `owner` who reads the review, `due_on`) are "
        "recorded and carried to the next packs until done; `done_actions` and "
        "`done_decisions` close carried ones. The next meeting moves on one cadence. Those who "
        "may not write the review get a `403`; bad items a `422` naming them."
    ),
)
def hold_review_meeting(
    request: ApiRequest, review_id: Id, payload: MeetingIn, response: HttpResponse
) -> Status:
    review = _review(request, review_id)
    meeting = services.hold_meeting(
        request.auth,
        review,
        held_on=payload.held_on,
        notes=payload.notes,
        decisions=[item.model_dump() for item in payload.decisions],
        actions=[item.model_dump() for item in payload.actions],
        done_actions=payload.done_actions,
        done_decisions=payload.done_decisions,
    )
    response["Location"] = (
        f"/api/v1/reports{REVIEW.format(review_id=review.pk)}/meetings/{meeting.pk}"
    )
    return Status(201, meeting_out(meeting, with_pack=True))


@router.post(
    REVIEW + "/actions/{action_id}/done",
    response={200: dict[str, Any], **ERRORS},
    operation_id="close_review_action",
    summary="Mark a carried action done",
)
def close_review_action(request: ApiRequest, review_id: Id, action_id: Id) -> dict[str, Any]:
    review = _review(request, review_id)
    action = (
        ReviewAction.objects.filter(meeting__review=review, pk=action_id)
        .select_related("meeting", "meeting__review", "solution", "owner")
        .first()
    )
    if action is None:
        raise Http404
    services.mark_done(request.auth, action)
    return queries.item_dict(action)


@router.post(
    REVIEW + "/decisions/{decision_id}/done",
    response={200: dict[str, Any], **ERRORS},
    operation_id="close_review_decision",
    summary="Mark a carried decision carried out",
)
def close_review_decision(request: ApiRequest, review_id: Id, decision_id: Id) -> dict[str, Any]:
    review = _review(request, review_id)
    decision = (
        ReviewDecision.objects.filter(meeting__review=review, pk=decision_id)
        .select_related("meeting", "meeting__review", "solution", "owner")
        .first()
    )
    if decision is None:
        raise Http404
    services.mark_done(request.auth, decision)
    return queries.item_dict(decision)


@router.post(
    REVIEW + "/pdf",
    response={202: PdfOut, **ERRORS},
    operation_id="request_review_pdf",
    summary="Ask for the pack as a tagged PDF (PDF/UA), rendered by the worker",
    description=(
        "Answers `202` with the job; poll it until `state` is `done` (then fetch `download`) "
        "or `failed`. `language` en or fr (default: the request's). `meeting`: that meeting's "
        "frozen pack instead of the current one."
    ),
)
def request_review_pdf(request: ApiRequest, review_id: Id, payload: PdfIn) -> Status:
    review = _review(request, review_id)
    meeting = None
    if payload.meeting is not None:
        meeting = ReviewMeeting.objects.filter(review=review, pk=payload.meeting).first()
        if meeting is None:
            raise Http404
    language = payload.language or (get_language() or "en")[:2]
    job = services.request_pdf(request.auth, review, language=language, meeting=meeting)
    job.refresh_from_db()
    return Status(202, pdf_out(job))


def _job(request: ApiRequest, review_id: int, pdf_id: int) -> PackPdf:
    review = _review(request, review_id)
    job = queries.pdfs_of(request.auth, review).filter(pk=pdf_id).first()
    if job is None:
        raise Http404
    return job


@router.get(
    REVIEW + "/pdf/{pdf_id}",
    response={200: PdfOut, **READ_ERRORS},
    operation_id="get_review_pdf",
    summary="A pack PDF's state",
)
def get_review_pdf(request: ApiRequest, review_id: Id, pdf_id: Id) -> dict[str, Any]:
    return pdf_out(_job(request, review_id, pdf_id))


@router.get(
    REVIEW + "/pdf/{pdf_id}/download",
    response={200: bytes, 409: ErrorResponse, **READ_ERRORS},
    operation_id="download_review_pdf",
    openapi_extra={
        "responses": {
            200: {
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
            }
        }
    },
    summary="The pack PDF (once rendered; `409` before)",
)
def download_review_pdf(request: ApiRequest, review_id: Id, pdf_id: Id) -> HttpResponse:
    job = _job(request, review_id, pdf_id)
    if job.state != "done":
        raise PdfNotReady(f"The PDF is {job.state}, not ready.")
    content = PackPdf.objects.filter(pk=job.pk).values_list("content", flat=True).first()
    response = HttpResponse(bytes(content or b""), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="review-{job.review_id}-pack-{job.pk}-{job.language}.pdf"'
    )
    return response
