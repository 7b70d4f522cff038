"""How the portfolio's REST routes read objects, and how one table row becomes a type's routes.

Every list and every lookup starts from ``queries.visible(model, user)``, so an object the
caller may not see is a 404, exactly like one that does not exist. ``register`` makes the list,
create, get, change and delete routes of a type from a ``PartType``; what differs between types
(how a payload becomes an object, which filters a list takes) is in the row, not in a copy of
the route.

(No ``from __future__ import annotations`` here: the routes made here take their payload schema
from a variable, which django-ninja must see as a real annotation.)
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import Combinable
from django.shortcuts import get_object_or_404
from ninja import FilterLookup, FilterSchema, Query, Router, Status
from ninja.pagination import paginate
from pydantic import Field, create_model, field_validator

from civiclab.accounts.authentication import AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import ERRORS, READ_ERRORS, Id, Page
from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.services import check
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.network.queries import visible_teams
from civiclab.portfolio import services
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Evidence,
    Milestone,
    Score,
    Solution,
    scope,
)
from civiclab.portfolio.queries import visible, with_sources_shown

# What each type's answers read, fetched with it rather than once per row.
RELATED: dict[type[models.Model], tuple[str, ...]] = {
    Challenge: ("city", "owner"),
    Evidence: ("indicator", "dataset"),
    Milestone: ("owner", "solution__city__network"),
    Solution: ("city", "owner"),
    Score: ("reviewer", "idea__challenge__city"),
}
PREFETCH: dict[type[models.Model], tuple[str, ...]] = {
    Challenge: ("phase_changes",),
    Cause: ("evidence",),
}


def visible_rows(model: type[models.Model], request: ApiRequest) -> Any:
    """The rows of ``model`` the caller may see, with what their answers read."""
    rows = (
        visible(model, request.auth)
        .select_related(*RELATED.get(model, ()))
        .prefetch_related(*PREFETCH.get(model, ()))
    )
    if model is Evidence:  # which of its sources (and frozen number) the caller may read
        rows = with_sources_shown(cast("QuerySet[Evidence]", rows), request.auth)
    return rows


def get_visible(model: type[models.Model], request: ApiRequest, pk: int) -> Any:
    """One object the caller may see, or a 404."""
    return get_object_or_404(visible_rows(model, request), pk=pk)


def may_edit(request: ApiRequest, obj: models.Model) -> None:
    """Refuse (403) a caller who may see ``obj`` but not change it."""
    check(request.auth, Action.EDIT, obj, DEFAULT_POLICY, scope(type(obj)))


def one_of(request: ApiRequest, model: type[models.Model], pk: Any, name: str, **match: Any) -> Any:
    """An object a payload names by id: it must be visible and belong where it should."""
    if pk is None:
        return None
    found = visible(model, request.auth).filter(pk=pk, **match).first()
    if found is None:
        raise ValidationError({name: f"No such {name.replace('_', ' ')} here."})
    return found


def slug_of(request: ApiRequest, kind: str, slug: str | None, city_id: int) -> Any:
    """The city's indicator or dataset a payload names by slug."""
    if slug is None:
        return None
    rows = (
        visible_indicators(request.auth) if kind == "indicator" else visible_datasets(request.auth)
    )
    found = rows.filter(city_id=city_id, slug=slug).first()
    if found is None:
        raise ValidationError({kind: f"The city has no {kind} {slug!r}."})
    return found


def team_of(request: ApiRequest, city_id: int, pk: int | None) -> Any:
    """The city's team a payload names by id."""
    if pk is None:
        return None
    team = visible_teams(request.auth).filter(pk=pk, city_id=city_id).first()
    if team is None:
        raise ValidationError({"team": "No such team in the city."})
    return team


def _changes(model: type[models.Model], payload: Any) -> dict[str, Any]:
    """The fields sent; ``null`` for a field that cannot be empty means "unchanged"."""
    changes = payload.dict(exclude_unset=True)
    names = {f.name for f in model._meta.get_fields()}
    for key, value in list(changes.items()):
        if value is None and key in names and not getattr(model._meta.get_field(key), "null", 1):
            del changes[key]
    return changes


@dataclass(frozen=True)
class Filter:
    """A query parameter of a list: ``?name=value`` keeps the rows whose ``lookup`` is value."""

    name: str
    annotation: Any
    lookup: str
    description: str | None = None


class PartFilters(FilterSchema):
    """The base of every portfolio list's filters (ninja's ``FilterSchema``): a parameter left
    out, or empty (a form's "All"), filters nothing."""

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_all(cls, value: Any) -> Any:
        return None if value == "" else value


def filter_schema(model: type[models.Model], filters: tuple[Filter, ...]) -> type[FilterSchema]:
    """The ``FilterSchema`` of a list from its table row: one optional field per filter."""
    fields: dict[str, Any] = {
        f.name: (
            Annotated[f.annotation, FilterLookup(f.lookup)],
            Field(None, description=f.description),
        )
        for f in filters
    }
    return create_model(f"{model.__name__}Filters", __base__=PartFilters, **fields)


BY_CHALLENGE = Filter("challenge", Id | None, "challenge_id")


@dataclass(frozen=True)
class PartType:
    """A type of the portfolio and what its routes at ``/{path}`` and ``/{path}/{pk}`` need.

    ``name`` is singular and makes the operation ids (``create_<name>``, ``get_<name>``, …); the
    list's is ``list_<path>``. Without ``create``, only the routes of one object are made.
    """

    path: str
    name: str
    model: type[models.Model]
    out: Any  # one object: the answer of get, change and create
    update_in: Any
    # (request, object, fields sent) -> the changes to make, ids and slugs resolved
    resolve: Callable[[ApiRequest, Any, dict[str, Any]], dict[str, Any]] | None = None
    update: Callable[..., Any] = services.update_part
    delete: Callable[..., Any] = services.delete_part
    # (request, object) -> the answer, for a type that adds to what the schema reads
    present: Callable[[ApiRequest, Any], Any] | None = None
    who_deletes: str = "members"
    list_out: Any = None
    list_summary: str = ""
    filters: tuple[Filter, ...] = ()
    ordering: tuple[str | Combinable, ...] = ("pk",)  # what ``order_by`` takes
    create_in: Any = None
    create: Callable[[ApiRequest, Any], models.Model] | None = None  # (request, payload)
    create_summary: str = ""
    create_description: str | None = None


def register(router: Router, part: PartType) -> None:
    """Add ``part``'s routes to ``router``: list and create, then get, change and delete."""
    if part.create is not None:
        _collection_routes(router, part, part.create)
    _object_routes(router, part)


def _answer(part: PartType, request: ApiRequest, pk: int) -> Any:
    found = get_visible(part.model, request, pk)
    return part.present(request, found) if part.present else found


def _collection_routes(
    router: Router, part: PartType, make: Callable[[ApiRequest, Any], models.Model]
) -> None:
    plural = part.path.replace("-", "_")

    schema = filter_schema(part.model, part.filters)

    # ``schema`` is a class made at run time for each part, which django-ninja reads; mypy cannot
    # take a variable as a type, hence the ignore and the cast (both change nothing at run time)
    def list_rows(request: ApiRequest, filters: Query[schema]) -> Any:  # type: ignore[valid-type]
        rows = cast(FilterSchema, filters).filter(visible_rows(part.model, request))
        return rows.order_by(*part.ordering)

    router.get(
        f"/{part.path}",
        # the schema is a run-time value (one per part), which django-ninja reads as it is;
        # mypy cannot see a variable as a type: safe to silence
        response=list[part.list_out],  # type: ignore[name-defined]
        auth=AUTH_OR_ANONYMOUS,
        operation_id=f"list_{plural}",
        url_name=f"list_{plural}",
        summary=part.list_summary,
    )(paginate(Page)(list_rows))

    @router.post(
        f"/{part.path}",
        response={201: part.out, **ERRORS},
        operation_id=f"create_{part.name}",
        url_name=f"create_{part.name}",
        summary=part.create_summary,
        description=part.create_description,
    )
    # ``part.create_in`` is the part's schema class, read by django-ninja at run time (see the
    # module's docstring); mypy cannot take a variable as a type: safe to silence
    def create_one(request: ApiRequest, payload: part.create_in) -> Status:  # type: ignore[name-defined]
        return Status(201, _answer(part, request, make(request, payload).pk))


def _object_routes(router: Router, part: PartType) -> None:
    label = part.name.replace("_", " ")
    path = f"/{part.path}/{{pk}}"

    @router.get(
        path,
        response={200: part.out, **READ_ERRORS},
        auth=AUTH_OR_ANONYMOUS,
        operation_id=f"get_{part.name}",
        url_name=f"get_{part.name}",
        summary=f"One {label}",
    )
    def get_one(request: ApiRequest, pk: Id) -> Any:
        return _answer(part, request, pk)

    @router.patch(
        path,
        response={200: part.out, **ERRORS},
        operation_id=f"update_{part.name}",
        url_name=f"update_{part.name}",
        summary=f"Change a {label} (members)",
        description="Only the fields sent change.",
    )
    # ``part.update_in``: a run-time schema class, as ``create_one``'s payload above
    def update_one(request: ApiRequest, pk: Id, payload: part.update_in) -> Any:  # type: ignore[name-defined]
        found = get_visible(part.model, request, pk)
        may_edit(request, found)
        changes = _changes(part.model, payload)
        if part.resolve is not None:
            changes = part.resolve(request, found, changes)
        part.update(request.auth, found, changes)
        return _answer(part, request, pk)

    @router.delete(
        path,
        response={204: None, **ERRORS},
        operation_id=f"delete_{part.name}",
        url_name=f"delete_{part.name}",
        summary=f"Delete a {label} ({part.who_deletes})",
    )
    def delete_one(request: ApiRequest, pk: Id) -> Status:
        part.delete(request.auth, get_visible(part.model, request, pk))
        return Status(204, None)
