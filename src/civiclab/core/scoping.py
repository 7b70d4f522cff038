"""Database side of the permission rules: actors from users, querysets scoped by visibility.

Every list in civiclab — page, API or CLI — is built from ``visible_to(queryset, user)`` so
objects a user may not see are never fetched, rather than fetched and filtered afterwards.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from civiclab.core.permissions import (
    DEFAULT_POLICY,
    Action,
    Actor,
    Grant,
    Policy,
    Role,
    Scopes,
    Target,
    Visibility,
    can,
    scopes_for,
)

M = TypeVar("M", bound=Model)

_ACTOR_CACHE = "_civiclab_actor"


def actor_for(user: Any) -> Actor:
    """The :class:`Actor` for a Django user (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor.anonymous()
    cached = getattr(user, _ACTOR_CACHE, None)
    if cached is not None:
        return cached
    # The memberships of the layer above, through the reverse relation it declares: core
    # knows its shape (network, city, role, team), not its model.
    rows = user.memberships.values_list("network_id", "city_id", "role", "team_id")
    actor = Actor(
        user_id=user.pk,
        authenticated=True,
        grants=tuple(Grant(n, c, Role(r), t) for n, c, r, t in rows),
    )
    setattr(user, _ACTOR_CACHE, actor)
    return actor


def attach_actor(reader: Any, actor: Actor) -> None:
    """Make ``reader`` (a user, or a stand-in for one) read as ``actor``: every scoped query
    reads the actor cached on the object it is given (key facts read a network admin as a
    plain member of the network this way)."""
    setattr(reader, _ACTOR_CACHE, actor)


def forget_actor(user: Any) -> None:
    """Drop the cached actor after the user's memberships changed."""
    if hasattr(user, _ACTOR_CACHE):
        delattr(user, _ACTOR_CACHE)


@dataclass(frozen=True)
class ScopeFields:
    """Where a model keeps the fields the rules read (lookups relative to the model)."""

    network: str = "city__network_id"
    city: str = "city_id"
    team: str | None = "team_id"
    visibility: str = "visibility"


CONTENT_FIELDS = ScopeFields()


def scope_filter(scopes: Scopes, fields: ScopeFields = CONTENT_FIELDS) -> Q:
    """The Q object equivalent of :meth:`Scopes.allows`."""
    vis = fields.visibility
    condition = Q(**{vis: Visibility.PUBLIC})
    if scopes.all_in_networks:
        condition |= Q(**{f"{fields.network}__in": scopes.all_in_networks})
    if scopes.network_ids:
        condition |= Q(**{vis: Visibility.NETWORK, f"{fields.network}__in": scopes.network_ids})
    if scopes.city_ids:
        condition |= Q(
            **{
                f"{vis}__in": [Visibility.CITY, Visibility.NETWORK],
                f"{fields.city}__in": scopes.city_ids,
            }
        )
    if scopes.admin_city_ids:
        condition |= Q(**{f"{fields.city}__in": scopes.admin_city_ids})
    if scopes.team_ids and fields.team:
        condition |= Q(**{f"{fields.team}__in": scopes.team_ids})
    return condition


def visible_to(
    queryset: QuerySet[M], user: Any, fields: ScopeFields = CONTENT_FIELDS
) -> QuerySet[M]:
    """Only the rows of ``queryset`` that ``user`` may view."""
    return queryset.filter(scope_filter(scopes_for(actor_for(user)), fields))


# The SQL of each visibility rule, by actor: a rule is a pure function of the actor's grants
# (never of the rows), so its SQL can be compiled once per process and reused. Compiling the
# nested rules (a dataset's sources, an indicator's dataset) cost 4-5 ms of CPU each time, and
# a page asks for them several times.
_COMPILED_RULES: OrderedDict[tuple[Hashable, ...], tuple[str, tuple[Any, ...]] | None] = (
    OrderedDict()
)
_COMPILED_RULES_LOCK = threading.Lock()
COMPILED_RULES_KEPT = 2048


def rule_ids(
    model: type[M], key: Hashable, build: Callable[[], QuerySet[Any]], using: str = "default"
) -> QuerySet[M]:
    """``model``'s rows whose primary key is among ``build()``'s, as a query whose inner part is
    compiled once per process for ``key``. ``key`` must name everything ``build`` reads besides
    the rows themselves — in practice the rule's name and the :class:`Actor` (frozen, so two
    requests of the same person share it, and a changed membership is a new key)."""
    vendor = connections[using].vendor
    cache_key = (vendor, using, key)
    with _COMPILED_RULES_LOCK:
        known = cache_key in _COMPILED_RULES
        found = _COMPILED_RULES.get(cache_key)
        if known:
            _COMPILED_RULES.move_to_end(cache_key)
    if not known:
        query = build().values("pk").query
        try:
            sql, params = query.get_compiler(using).as_sql()
            found = (sql, tuple(params))
        except EmptyResultSet:
            found = None
        with _COMPILED_RULES_LOCK:
            _COMPILED_RULES[cache_key] = found
            while len(_COMPILED_RULES) > COMPILED_RULES_KEPT:
                _COMPILED_RULES.popitem(last=False)
    if found is None:
        return model._default_manager.none()
    sql, params = found
    return model._default_manager.filter(pk__in=RawSQL(sql, params))


def target_of(obj: Any, fields: ScopeFields = CONTENT_FIELDS) -> Target:
    """Read a model instance's place and visibility as a :class:`Target`."""

    def read(path: str) -> Any:
        value = obj
        for part in path.split("__"):
            value = getattr(value, part)
        return value

    team_id = read(fields.team) if fields.team else None
    return Target(
        network_id=read(fields.network),
        city_id=read(fields.city),
        visibility=Visibility(read(fields.visibility)),
        team_id=team_id,
    )


def user_can(
    user: Any,
    action: Action,
    obj_or_target: Any,
    policy: Policy = DEFAULT_POLICY,
    fields: ScopeFields = CONTENT_FIELDS,
) -> bool:
    target = (
        obj_or_target if isinstance(obj_or_target, Target) else target_of(obj_or_target, fields)
    )
    return can(actor_for(user), action, target, policy)


def require(
    user: Any,
    action: Action,
    obj_or_target: Any,
    policy: Policy = DEFAULT_POLICY,
    fields: ScopeFields = CONTENT_FIELDS,
) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may do ``action``."""
    if not user_can(user, action, obj_or_target, policy, fields):
        raise PermissionDenied(f"not allowed to {action} this object")
