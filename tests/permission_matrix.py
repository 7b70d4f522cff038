"""The role × visibility × action matrix, reusable by every object type.

A later issue adds an object type and proves its tenant isolation in one call::

    check_permission_matrix(
        world, make=lambda w, vis: ChallengeFactory(city=w.city, team=w.team, visibility=vis),
        queryset=visible_challenges, ui_url=lambda c: f"/challenges/{c.pk}/",
        api_url=lambda c: f"/api/v1/challenges/{c.pk}",
    )

The expectations below are written out as tables of people, not computed by the module under
test, so a wrong rule in ``civiclab.core.permissions`` makes these tests fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.test import Client

from civiclab.accounts.tokens import create_token
from civiclab.core.permissions import DEFAULT_POLICY, Action, Policy, Role, Visibility
from civiclab.core.scoping import CONTENT_FIELDS, ScopeFields, forget_actor, user_can
from tests.clients import as_user
from tests.world import ACTORS, World

IN_CITY = {"viewer", "member", "team_member", "other_team_member", "city_admin", "network_admin"}

# Who may view an object owned by city A and team T, by its visibility.
EXPECTED_VIEW: dict[Visibility, frozenset[str]] = {
    Visibility.PUBLIC: frozenset(ACTORS),
    Visibility.NETWORK: frozenset(IN_CITY | {"other_city_admin"}),
    Visibility.CITY: frozenset(IN_CITY),
    Visibility.TEAM: frozenset({"team_member", "city_admin", "network_admin"}),
}

# Each actor's standing in city A (0: none).
RANK_IN_HOME_CITY = {
    "viewer": 1,
    "member": 2,
    "team_member": 2,
    "other_team_member": 2,
    "city_admin": 3,
    "network_admin": 4,
}
ROLE_RANK = {Role.VIEWER: 1, Role.MEMBER: 2, Role.CITY_ADMIN: 3, Role.NETWORK_ADMIN: 4}
SEES_TEAM_OBJECTS = {"team_member", "city_admin", "network_admin"}


def expected_write(actor: str, required: Role, visibility: Visibility) -> bool:
    """A write needs the required standing in A; team objects also need team T or an admin."""
    if RANK_IN_HOME_CITY.get(actor, 0) < ROLE_RANK[required]:
        return False
    return visibility is not Visibility.TEAM or actor in SEES_TEAM_OBJECTS


@dataclass
class Mismatch:
    actor: str
    visibility: str
    check: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        return (
            f"{self.check:<14} actor={self.actor:<20} visibility={self.visibility:<8} "
            f"expected {self.expected}, got {self.got}"
        )


def api_headers(user: Any) -> dict[str, str]:
    """Bearer-token headers for ``user`` (a token is made once per user object)."""
    if user is None:
        return {}
    if not hasattr(user, "_test_api_token"):
        user._test_api_token = create_token(user, "tests").secret
    return {"HTTP_AUTHORIZATION": f"Bearer {user._test_api_token}"}


def check_permission_matrix(
    world: World,
    make: Callable[[World, Visibility], Model],
    *,
    visibilities: Iterable[Visibility] = tuple(Visibility),
    policy: Policy = DEFAULT_POLICY,
    fields: ScopeFields = CONTENT_FIELDS,
    queryset: Callable[[Any], QuerySet[Any]] | None = None,
    ui_url: Callable[[Any], str] | None = None,
    api_url: Callable[[Any], str] | None = None,
    api_update: Callable[[Any], tuple[str, dict[str, Any]]] | None = None,
    api_delete: Callable[[Any], str] | None = None,
    actors: Iterable[str] = ACTORS,
    source_visibility: Visibility | None = None,
    can_view: Callable[[Any, Any], bool] | None = None,
) -> None:
    """Check every actor × visibility: the permission module, the scoped queryset, the page,
    the API detail, and optionally API update and delete. Fails listing every mismatch.

    For an object derived from another (an indicator from its dataset), ``make`` narrows the
    source to ``source_visibility`` after making the object: then only the people who may see
    both are expected to see it (or change it), and ``can_view(user, obj)`` replaces the
    permission module's view check, which knows the object's own visibility only."""
    mismatches: list[Mismatch] = []
    source_viewers = frozenset(
        ACTORS if source_visibility is None else EXPECTED_VIEW[source_visibility]
    )

    def expect(actor: str, vis: Visibility, check: str, expected: Any, got: Any) -> None:
        if expected != got:
            mismatches.append(Mismatch(actor, vis.value, check, expected, got))

    for vis in visibilities:
        obj = make(world, vis)
        for actor in actors:
            user = world.user(actor)
            if user is not None:
                forget_actor(user)
            may_view = actor in EXPECTED_VIEW[vis] and actor in source_viewers
            if can_view is not None:
                expect(actor, vis, "can view", may_view, can_view(user, obj))
            elif source_visibility is None:
                expect(
                    actor,
                    vis,
                    "can view",
                    may_view,
                    user_can(user, Action.VIEW, obj, policy, fields),
                )
            for action in (Action.EDIT, Action.DELETE, Action.PUBLISH):
                if source_visibility is not None:
                    break  # the object's own rules: checked without a narrowed source
                expect(
                    actor,
                    vis,
                    f"can {action}",
                    expected_write(actor, policy.required(action), vis),
                    user_can(user, action, obj, policy, fields),
                )
            if queryset is not None:
                listed = queryset(user).filter(pk=obj.pk).exists()
                expect(actor, vis, "listed", may_view, listed)
            if ui_url is not None:
                status = as_user(user).get(ui_url(obj)).status_code
                expect(actor, vis, "page", _outcome(may_view), _outcome_of(status))
            if api_url is not None:
                response = Client().get(api_url(obj), **api_headers(user))
                expect(actor, vis, "api get", _outcome(may_view), _outcome_of(response.status_code))
    if api_update is not None:
        _check_api_writes(
            world, make, visibilities, policy, actors, api_update, "edit", expect, source_viewers
        )
    if api_delete is not None:
        _check_api_writes(
            world,
            make,
            visibilities,
            policy,
            actors,
            lambda o: (api_delete(o), None),
            "delete",
            expect,
            source_viewers,
        )
    assert not mismatches, "permission matrix mismatches:\n" + "\n".join(map(str, mismatches))


def _outcome(allowed: bool) -> str:
    return "shown" if allowed else "refused"


def _outcome_of(status: int) -> str | int:
    """A page or API answer as shown/refused; anything else (a 500) is reported as is."""
    if status == 200:
        return "shown"
    if status in (302, 401, 403, 404):  # 302: sent to the login page
        return "refused"
    return status


def _check_api_writes(
    world: World,
    make: Callable[[World, Visibility], Model],
    visibilities: Iterable[Visibility],
    policy: Policy,
    actors: Iterable[str],
    request: Callable[[Any], tuple[str, dict[str, Any] | None]],
    action: str,
    expect: Callable[..., None],
    source_viewers: frozenset[str] = frozenset(ACTORS),
) -> None:
    required = policy.edit if action == "edit" else policy.delete
    for vis in visibilities:
        for actor in actors:
            obj = make(world, vis)
            model = type(obj)
            before = model.objects.filter(pk=obj.pk).values().first()
            url, payload = request(obj)
            user = world.user(actor)
            client = Client()
            if action == "edit":
                response = client.patch(
                    url, json.dumps(payload), content_type="application/json", **api_headers(user)
                )
            else:
                response = client.delete(url, **api_headers(user))
            allowed = expected_write(actor, required, vis) and actor in source_viewers
            ok = response.status_code in (200, 204)
            expect(actor, vis, f"api {action}", allowed, ok)
            if not allowed:
                after = model.objects.filter(pk=obj.pk).values().first()
                expect(actor, vis, f"unchanged {action}", before, after)
                expect(
                    actor, vis, f"refused {action}", True, response.status_code in (401, 403, 404)
                )
