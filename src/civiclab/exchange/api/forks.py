"""Fork and adapt: adapt a shared challenge or solution in your city; read a fork and the
lineage of an object (only what you may see)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.accounts.people import display_name
from civiclab.core.api import ERRORS, READ_ERRORS, Id
from civiclab.exchange import kinds
from civiclab.exchange.models.forks import Fork
from civiclab.exchange.queries.forks import lineage, visible_forks
from civiclab.exchange.schemas.forks import ForkCreate, ForkOut, LineageOut
from civiclab.exchange.services import forks as services
from civiclab.network.queries import visible_cities
from civiclab.portfolio.queries import visible_challenges

router = Router(tags=["exchange"])


def fork_out(user: Any, made: Fork) -> dict[str, Any]:
    origin_seen = kinds.visible_ids(made.origin_kind, user, [made.origin_id])
    return {
        "id": made.pk,
        "origin_kind": made.origin_kind,
        "origin_id": made.origin_id if origin_seen else None,
        "copy_kind": made.copy_kind,
        "copy_id": made.copy_id,
        "city": made.city.slug,
        "by": display_name(made.by) if made.by else None,
        "created_at": made.created_at,
        "report": made.report,
    }


@router.post(
    "/forks",
    response={201: ForkOut, **ERRORS},
    operation_id="create_exchange_fork",
    summary="Adapt another city's shared challenge or solution in your city",
)
def create_fork(request: ApiRequest, payload: ForkCreate) -> Status:
    city = get_object_or_404(visible_cities(request.auth), slug=payload.city)
    challenge = (
        get_object_or_404(visible_challenges(request.auth), pk=payload.challenge)
        if payload.challenge is not None
        else None
    )
    made = services.fork(
        request.auth,
        payload.origin_kind,
        payload.origin_id,
        city,
        payload.as_kind,
        challenge=challenge,
        title=payload.title,
        visibility=payload.visibility,
    )
    return Status(201, fork_out(request.auth, made))


@router.get(
    "/forks/{pk}",
    response={200: ForkOut, **READ_ERRORS},
    operation_id="get_exchange_fork",
    summary="A fork: origin, copy, who, when, the re-pointing report",
    auth=AUTH_OR_ANONYMOUS,
)
def get_fork(request: ApiRequest, pk: Id) -> dict[str, Any]:
    made = get_object_or_404(visible_forks(request.auth), pk=pk)
    return fork_out(request.auth, made)


@router.get(
    "/lineage/{kind}/{pk}",
    response={200: LineageOut, **READ_ERRORS},
    operation_id="get_exchange_lineage",
    summary="Where an object was adapted from and who adapted it (forks of forks)",
    auth=AUTH_OR_ANONYMOUS,
)
def get_lineage(request: ApiRequest, kind: str, pk: Id) -> dict[str, Any]:
    if (
        kind not in ("challenge", "idea", "solution")
        or kinds.visible_object(kind, request.auth, pk) is None
    ):
        raise Http404
    seen = lineage(request.auth, kind, pk)
    return {
        "ancestors": seen["ancestors"],
        "descendants": seen["descendants_flat"],
        "adaptations": seen["adaptations"],
    }
