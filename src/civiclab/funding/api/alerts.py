"""Saved searches, followed challenges and the digest: a person's own, 404 for anyone else."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Id, Page
from civiclab.funding.models import SavedSearch
from civiclab.funding.queries.alerts import own_digest_items, own_searches
from civiclab.funding.schemas.alerts import (
    DigestItemOut,
    SavedSearchCreate,
    SavedSearchOut,
    SavedSearchUpdate,
)
from civiclab.funding.services import alerts as services
from civiclab.network.models import City
from civiclab.network.queries import visible_cities
from civiclab.portfolio.queries import visible_challenges

router = Router(tags=["funding"])


@router.get(
    "/searches",
    response={200: list[SavedSearchOut], **READ_ERRORS},
    operation_id="list_funding_searches",
    summary="Your saved searches and followed challenges",
)
@paginate(Page)
def list_searches(request: ApiRequest):
    return own_searches(request.auth)


def _city(request: ApiRequest, slug: str | None) -> City:
    if slug:
        return get_object_or_404(visible_cities(request.auth), slug=slug)
    membership = (
        request.auth.memberships.filter(city__isnull=False)
        .select_related("city", "city__network")
        .order_by("created_at")
        .first()
    )
    if membership is None:
        raise ValidationError({"city": _("You belong to no city: name one in `city`.")})
    return membership.city  # type: ignore[no-any-return]


@router.post(
    "/searches",
    response={201: SavedSearchOut, **ERRORS},
    operation_id="create_funding_search",
    summary="Save a search, or follow a challenge's matches",
)
def create_search(request: ApiRequest, payload: SavedSearchCreate) -> Status:
    if payload.challenge is not None:
        if payload.query or payload.filters:
            raise ValidationError(_("A followed challenge has no search text or filters."))
        challenge = get_object_or_404(visible_challenges(request.auth), pk=payload.challenge)
        search = services.follow_challenge(request.auth, challenge, payload.name)
        if not payload.alerts or not payload.email:
            search = services.update_search(
                request.auth, search, alerts=payload.alerts, email=payload.email
            )
        return Status(201, search)
    if not payload.name.strip():
        raise ValidationError({"name": _("Name the search.")})
    search = services.save_search(
        request.auth,
        _city(request, payload.city),
        payload.name,
        payload.query,
        payload.filters,
        alerts=payload.alerts,
        email=payload.email,
    )
    return Status(201, search)


def _own(request: ApiRequest, search_id: int) -> SavedSearch:
    return get_object_or_404(own_searches(request.auth), pk=search_id)


@router.get(
    "/searches/{search_id}",
    response={200: SavedSearchOut, **READ_ERRORS},
    operation_id="get_funding_search",
    summary="One of your saved searches",
)
def get_search(request: ApiRequest, search_id: Id) -> SavedSearch:
    return _own(request, search_id)


@router.patch(
    "/searches/{search_id}",
    response={200: SavedSearchOut, **ERRORS},
    operation_id="update_funding_search",
    summary="Rename a saved search, change it, or turn its alerts and email on or off",
)
def update_search(request: ApiRequest, search_id: Id, payload: SavedSearchUpdate) -> SavedSearch:
    search = _own(request, search_id)
    changes = payload.dict(exclude_unset=True)
    nulls = [key for key, value in changes.items() if value is None]
    if nulls:
        raise ValidationError({key: _("May not be null.") for key in nulls})
    return services.update_search(request.auth, search, **changes)


@router.delete(
    "/searches/{search_id}",
    response={204: None, **ERRORS},
    operation_id="delete_funding_search",
    summary="Delete a saved search and its digest items",
)
def delete_search(request: ApiRequest, search_id: Id) -> Status:
    services.delete_search(request.auth, _own(request, search_id))
    return Status(204, None)


@router.get(
    "/digest",
    response={200: list[DigestItemOut], **READ_ERRORS},
    operation_id="list_funding_digest",
    summary="Your digest items not dismissed, newest first",
)
@paginate(Page)
def list_digest(request: ApiRequest):
    return own_digest_items(request.auth)


@router.post(
    "/digest/{item_id}/dismiss",
    response={200: DigestItemOut, **ERRORS},
    operation_id="dismiss_funding_digest_item",
    summary="Dismiss one of your digest items",
)
def dismiss_item(request: ApiRequest, item_id: Id):
    item = get_object_or_404(own_digest_items(request.auth), pk=item_id)
    return services.dismiss_item(request.auth, item)
