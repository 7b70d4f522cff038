"""REST route for the signed-in user."""

from __future__ import annotations

from ninja import Router

from civiclab.accounts.authentication import ApiRequest
from civiclab.accounts.schemas import MembershipBrief, MeOut
from civiclab.core.api import ErrorResponse

router = Router(tags=["accounts"])


@router.get(
    "/me",
    response={200: MeOut, 401: ErrorResponse},
    operation_id="get_me",
    summary="The user the token or session belongs to",
)
def me(request: ApiRequest) -> MeOut:
    user = request.auth
    memberships = user.memberships.select_related("network", "city", "team")
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        language=user.language,
        memberships=[
            MembershipBrief(
                network=m.network.slug,
                city=m.city.slug if m.city else None,
                team=m.team.slug if m.team else None,
                role=m.role,
            )
            for m in memberships
        ],
    )
