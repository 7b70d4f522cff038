"""Catalogue routes: the import history (network admins) and funds entered by hand."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from civiclab.accounts.authentication import ApiRequest
from civiclab.core.api import ERRORS, Id, Page
from civiclab.core.scoping import actor_for
from civiclab.funding.queries.catalogue import imports_for, visible_opportunities
from civiclab.funding.schemas.catalogue import (
    CatalogueImportOut,
    FundCreate,
    FundOut,
    FundUpdate,
)
from civiclab.funding.services import catalogue as services
from civiclab.network.models import Network

router = Router(tags=["funding"])

# Stored nullable in the model: the API's null means "none".
_NOT_NULL_TEXT = {"number", "description", "eligibility_text", "close_date_explanation", "url"}


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    if "funder_name" in data:
        data["agency_name"] = data.pop("funder_name") or ""
    for name in _NOT_NULL_TEXT:
        if name in data and data[name] is None:
            data[name] = ""
    for name in ("applicant_codes", "activity_categories", "instruments"):
        if name in data and data[name] is None:
            data[name] = []
    return data


@router.get(
    "/imports",
    response={200: list[CatalogueImportOut], **ERRORS},
    operation_id="list_catalogue_imports",
    summary="The catalogue's import history (network admins)",
)
@paginate(Page)
def list_imports(request: ApiRequest):
    if not actor_for(request.auth).network_admin_of():
        raise HttpError(403, _("Only network admins see the catalogue's imports."))
    return imports_for(request.auth)


@router.post(
    "/funds",
    response={201: FundOut, **ERRORS},
    operation_id="create_fund",
    summary="Enter a fund by hand (city admins and network admins)",
)
def create_fund(request: ApiRequest, payload: FundCreate) -> Status:
    networks = {grant.network_id for grant in actor_for(request.auth).grants}
    if payload.network:
        network = get_object_or_404(Network.objects.filter(pk__in=networks), slug=payload.network)
    elif len(networks) == 1:
        network = Network.objects.get(pk=next(iter(networks)))
    elif networks:
        raise HttpError(400, _("You belong to several networks: name one in `network`."))
    else:
        raise HttpError(403, _("Only the network's admins and city admins enter funds."))
    data = _fields(payload.dict(exclude={"network"}, exclude_unset=True))
    return Status(201, services.create_fund(request.auth, network, **data))


@router.patch(
    "/funds/{pk}",
    response={200: FundOut, **ERRORS},
    operation_id="update_fund",
    summary="Change a fund entered by hand (its author, city admins and network admins)",
)
def update_fund(request: ApiRequest, pk: Id, payload: FundUpdate) -> Any:
    fund = get_object_or_404(visible_opportunities(request.auth).filter(source="manual"), pk=pk)
    data = _fields(payload.dict(exclude_unset=True))
    return services.update_fund(request.auth, fund, **data)
