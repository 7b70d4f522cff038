"""REST routes for cities, teams and memberships: parse, call a query or service, return."""

from __future__ import annotations

from types import EllipsisType

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, ErrorResponse, Id, Page
from civiclab.core.scoping import actor_for
from civiclab.network import services
from civiclab.network.models import City, Membership, Network, Team
from civiclab.network.queries import (
    visible_cities,
    visible_memberships,
    visible_teams,
)
from civiclab.network.schemas import (
    CityCreate,
    CityOut,
    CityUpdate,
    MembershipCreate,
    MembershipOut,
    MembershipUpdate,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)

router = Router(tags=["network"])


def _city(request: ApiRequest, slug: str) -> City:
    return get_object_or_404(visible_cities(request.auth), slug=slug)


@router.get(
    "/cities",
    response=list[CityOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_cities",
    summary="Cities you can see",
)
@paginate(Page)
def list_cities(request: ApiRequest):
    return visible_cities(request.auth).prefetch_related("cohorts")


@router.get(
    "/cities/{slug}",
    response={200: CityOut, **ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_city",
    summary="One city",
)
def get_city(request: ApiRequest, slug: str) -> City:
    return _city(request, slug)


@router.post(
    "/cities",
    response={201: CityOut, **ERRORS},
    operation_id="create_city",
    summary="Add a city to a network (network admins)",
)
def create_city(request: ApiRequest, payload: CityCreate) -> Status:
    actor = actor_for(request.auth)
    admin_of = actor.network_admin_of()
    if payload.network:
        network = get_object_or_404(Network, slug=payload.network)
    elif len(admin_of) == 1:
        network = Network.objects.get(pk=next(iter(admin_of)))
    elif admin_of:
        raise HttpError(400, _("You administer several networks: name one in `network`."))
    else:
        raise HttpError(403, _("Only network admins add cities."))
    data = payload.dict(exclude={"network"})
    if City.objects.filter(slug=data["slug"]).exists():
        raise HttpError(
            409, _("A city with slug “%(slug)s” already exists.") % {"slug": data["slug"]}
        )
    return Status(201, services.create_city(request.auth, network, **data))


@router.patch(
    "/cities/{slug}",
    response={200: CityOut, **ERRORS},
    operation_id="update_city",
    summary="Change a city (city admins)",
)
def update_city(request: ApiRequest, slug: str, payload: CityUpdate) -> City:
    city = _city(request, slug)
    return services.update_city(request.auth, city, **payload.dict(exclude_unset=True))


@router.get(
    "/cities/{slug}/teams",
    response={200: list[TeamOut], 404: ErrorResponse},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_city_teams",
    summary="Teams of a city you can see",
)
@paginate(Page)
def list_city_teams(request: ApiRequest, slug: str):
    city = _city(request, slug)
    return visible_teams(request.auth).filter(city=city)


@router.post(
    "/cities/{slug}/teams",
    response={201: TeamOut, **ERRORS},
    operation_id="create_team",
    summary="Add a team to a city (city admins)",
)
def create_team(request: ApiRequest, slug: str, payload: TeamCreate) -> Status:
    city = _city(request, slug)
    data = payload.dict()
    if not data.get("slug"):
        data.pop("slug")
    return Status(201, services.create_team(request.auth, city, **data))


@router.get(
    "/teams/{team_id}",
    response={200: TeamOut, **ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_team",
    summary="One team",
)
def get_team(request: ApiRequest, team_id: Id) -> Team:
    return get_object_or_404(visible_teams(request.auth), pk=team_id)


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, **ERRORS},
    operation_id="update_team",
    summary="Change a team (city admins)",
)
def update_team(request: ApiRequest, team_id: Id, payload: TeamUpdate) -> Team:
    team = get_object_or_404(visible_teams(request.auth), pk=team_id)
    return services.update_team(request.auth, team, **payload.dict(exclude_unset=True))


@router.delete(
    "/teams/{team_id}",
    response={204: None, **ERRORS},
    operation_id="delete_team",
    summary="Delete a team (city admins)",
)
def delete_team(request: ApiRequest, team_id: Id) -> Status:
    team = get_object_or_404(visible_teams(request.auth), pk=team_id)
    services.delete_team(request.auth, team)
    return Status(204, None)


@router.get(
    "/memberships",
    response={200: list[MembershipOut], 401: ErrorResponse},
    operation_id="list_memberships",
    summary="Memberships of the cities you belong to",
)
@paginate(Page)
def list_memberships(request: ApiRequest, city: str | None = Query(None)):
    memberships = visible_memberships(request.auth)
    if city:
        memberships = memberships.filter(city__slug=city)
    return memberships


def _membership(request: ApiRequest, membership_id: int) -> Membership:
    return get_object_or_404(visible_memberships(request.auth), pk=membership_id)


@router.post(
    "/memberships",
    response={201: MembershipOut, **ERRORS},
    operation_id="create_membership",
    summary="Give a person a role in a city (city admins)",
)
def create_membership(request: ApiRequest, payload: MembershipCreate) -> Status:
    city = _city(request, payload.city)
    user = get_user_model().objects.filter(email__iexact=payload.email.strip()).first()
    if user is None:
        raise HttpError(404, _("No user with email “%(email)s”.") % {"email": payload.email})
    team = get_object_or_404(Team, pk=payload.team, city=city) if payload.team else None
    return Status(201, services.add_membership(request.auth, user, city, payload.role, team))


@router.patch(
    "/memberships/{membership_id}",
    response={200: MembershipOut, **ERRORS},
    operation_id="update_membership",
    summary="Change a person's role or team (city admins)",
)
def update_membership(
    request: ApiRequest, membership_id: Id, payload: MembershipUpdate
) -> Membership:
    membership = _membership(request, membership_id)
    changes = payload.dict(exclude_unset=True)
    team: Team | EllipsisType | None = ...  # ... : the team is not changed
    if "team" in changes:
        team = (
            get_object_or_404(Team, pk=changes["team"], city_id=membership.city_id)
            if changes["team"]
            else None
        )
    return services.change_membership(request.auth, membership, changes.get("role"), team)


@router.delete(
    "/memberships/{membership_id}",
    response={204: None, **ERRORS},
    operation_id="delete_membership",
    summary="Remove a person from a city (city admins)",
)
def delete_membership(request: ApiRequest, membership_id: Id) -> Status:
    services.remove_membership(request.auth, _membership(request, membership_id))
    return Status(204, None)
