"""convenings routes (under /api/v1/exchange/): list, read, create, change, cancel, notes,
answer. The same queries and services as the pages."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, ErrorResponse, Id, Page
from civiclab.exchange.models.convenings import WAITLIST, Convening
from civiclab.exchange.queries import convenings as queries
from civiclab.exchange.schemas.convenings import (
    CancelIn,
    ConveningDetail,
    ConveningFilters,
    ConveningIn,
    ConveningOut,
    ConveningUpdate,
    NotesIn,
    RsvpIn,
    RsvpOut,
)
from civiclab.exchange.services import convenings as services
from civiclab.network.models import Cohort
from civiclab.network.queries import visible_networks

router = Router(tags=["exchange"])
CONVENINGS = "/convenings"
CONVENING = CONVENINGS + "/{convening_id}"
# A cancelled or past convening takes no change or answer (409).
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse}


def _convening(request: ApiRequest, convening_id: int) -> Convening:
    found = queries.with_counts(queries.visible_convenings(request.auth))
    return get_object_or_404(found, pk=convening_id)


def _fields(payload: Any, network_id: int, *, partial: bool) -> tuple[dict[str, Any], Any]:
    fields = payload.dict(exclude_unset=partial, exclude={"network", "agenda"})
    if not partial:
        fields = {k: v for k, v in fields.items() if v is not None}
    agenda = payload.agenda
    if "cohort" in fields and fields["cohort"] is not None:
        cohort = Cohort.objects.filter(pk=fields["cohort"], network_id=network_id).first()
        if cohort is None:
            raise ValidationError({"cohort": _("The network has no such cohort.")})
        fields["cohort"] = cohort
    for name in ("description", "place", "online_url"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    for name in ("kind", "timezone", "title", "starts_at", "ends_at"):
        if name in fields and fields[name] is None:
            del fields[name]
    items = [item.dict() for item in agenda] if agenda is not None else None
    return fields, items


@router.get(
    CONVENINGS,
    response=list[ConveningOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_convenings",
    summary="Convenings you may see (your networks', your cohorts')",
    description="`when`: upcoming (default, soonest first), past (latest first) or all.",
)
@paginate(Page)
def list_convenings(request: ApiRequest, filters: Query[ConveningFilters]) -> Any:
    found = queries.with_counts(queries.visible_convenings(request.auth))
    if filters.network:
        found = found.filter(network__slug=filters.network)
    if filters.cohort:
        found = found.filter(cohort_id=filters.cohort)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.when == "upcoming":
        return queries.upcoming(found)
    if filters.when == "past":
        return queries.past(found)
    return found.order_by("starts_at", "pk")


@router.post(
    CONVENINGS,
    response={201: ConveningDetail, **ERRORS},
    operation_id="create_convening",
    summary="Organise a convening (the network's admins)",
    description=(
        "Times with their offset; a `cohort_meeting` needs its `cohort`. At most 50 agenda "
        "items; a capacity of 1 to 100,000 (none: no limit)."
    ),
)
def create_convening(request: ApiRequest, payload: ConveningIn, response: HttpResponse) -> Status:
    network = get_object_or_404(visible_networks(request.auth), slug=payload.network)
    fields, agenda = _fields(payload, network.pk, partial=False)
    made = services.create_convening(request.auth, network, agenda=agenda, **fields)
    response["Location"] = f"/api/v1/exchange{CONVENINGS}/{made.pk}"
    return Status(201, _convening(request, made.pk))


@router.get(
    CONVENING,
    response={200: ConveningDetail, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_convening",
    summary="A convening, its agenda, notes, counts and your answer",
)
def get_convening(request: ApiRequest, convening_id: Id) -> Convening:
    return _convening(request, convening_id)


@router.patch(
    CONVENING,
    response={200: ConveningDetail, **WRITE_ERRORS},
    operation_id="update_convening",
    summary="Change a convening (the network's admins); `agenda` replaces the agenda",
)
def update_convening(request: ApiRequest, convening_id: Id, payload: ConveningUpdate) -> Convening:
    found = _convening(request, convening_id)
    fields, agenda = _fields(payload, found.network_id, partial=True)
    services.update_convening(request.auth, found, fields, agenda=agenda)
    return _convening(request, convening_id)


@router.post(
    CONVENING + "/cancel",
    response={200: ConveningDetail, **WRITE_ERRORS},
    operation_id="cancel_convening",
    summary="Cancel a convening (it stays listed, marked cancelled)",
)
def cancel_convening(request: ApiRequest, convening_id: Id, payload: CancelIn) -> Convening:
    services.cancel_convening(request.auth, _convening(request, convening_id), payload.reason)
    return _convening(request, convening_id)


@router.put(
    CONVENING + "/notes",
    response={200: ConveningDetail, **ERRORS},
    operation_id="set_convening_notes",
    summary="Attach the notes (plain text, at most 50,000 characters)",
)
def set_convening_notes(request: ApiRequest, convening_id: Id, payload: NotesIn) -> Convening:
    services.set_notes(request.auth, _convening(request, convening_id), payload.notes)
    return _convening(request, convening_id)


@router.put(
    CONVENING + "/rsvp",
    response={200: RsvpOut, **WRITE_ERRORS},
    operation_id="set_convening_rsvp",
    summary="Answer: going, maybe or not going",
    description=(
        "Going to a full convening answers `waitlist`: you are going as soon as a place "
        "frees up. A cancelled or past convening answers 409."
    ),
)
def set_convening_rsvp(request: ApiRequest, convening_id: Id, payload: RsvpIn) -> dict[str, str]:
    rsvp = services.set_rsvp(request.auth, _convening(request, convening_id), payload.response)
    if rsvp.response == WAITLIST:
        message = _(
            "This convening is full: you are on the waiting list, and will be going as soon "
            "as a place frees up."
        )
    else:
        message = _("Answer saved.")
    return {"response": rsvp.response, "message": message}
