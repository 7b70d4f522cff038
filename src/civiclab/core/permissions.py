"""Who may do what: the one place civiclab decides view/create/edit/delete/publish.

Pure module (no Django imports): it reasons over plain data. ``civiclab.core.scoping`` turns
the same :class:`Scopes` into database filters, so a list and a permission check can never
disagree about what a user sees.

The rules, in short:

* Every content object has an owning city, optionally a team, and a visibility:
  ``team`` < ``city`` < ``network`` < ``public``.
* ``public`` objects are seen by everyone, anonymous visitors included; ``network`` objects by
  anyone with a membership in a city of the same network; ``city`` objects by the city's
  members of any role; ``team`` objects by that team's members and the city's admins.
* Roles rank ``viewer`` < ``member`` < ``city_admin``; ``network_admin`` may do everything in
  the network. A viewer only views; a member creates and edits what it can see in its city;
  a city admin also deletes, publishes (widens visibility) and manages people. An object type
  may demand a higher role for an action through its :class:`Policy`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    MEMBER = "member"
    CITY_ADMIN = "city_admin"
    NETWORK_ADMIN = "network_admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {Role.VIEWER: 1, Role.MEMBER: 2, Role.CITY_ADMIN: 3, Role.NETWORK_ADMIN: 4}


class Visibility(StrEnum):
    TEAM = "team"
    CITY = "city"
    NETWORK = "network"
    PUBLIC = "public"

    @property
    def breadth(self) -> int:
        return _BREADTH[self]


_BREADTH = {Visibility.TEAM: 1, Visibility.CITY: 2, Visibility.NETWORK: 3, Visibility.PUBLIC: 4}


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    PUBLISH = "publish"


@dataclass(frozen=True)
class Grant:
    """One membership seen as plain data: a role in a city, maybe inside one team."""

    network_id: int
    city_id: int | None  # None only for a network-wide role
    role: Role
    team_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """The person asking. Anonymous visitors have no grants and ``authenticated=False``."""

    user_id: int | None = None
    authenticated: bool = False
    grants: tuple[Grant, ...] = ()

    @classmethod
    def anonymous(cls) -> Actor:
        return cls()

    def network_admin_of(self) -> frozenset[int]:
        return frozenset(g.network_id for g in self.grants if g.role is Role.NETWORK_ADMIN)

    def role_in_city(self, network_id: int, city_id: int) -> Role | None:
        """The highest role the actor holds in a city (network admins hold it everywhere)."""
        if network_id in self.network_admin_of():
            return Role.NETWORK_ADMIN
        roles = [g.role for g in self.grants if g.city_id == city_id]
        return max(roles, key=lambda r: r.rank) if roles else None


@dataclass(frozen=True)
class Target:
    """The object acted on: where it lives and how widely it is shared."""

    network_id: int
    city_id: int
    visibility: Visibility
    team_id: int | None = None


@dataclass(frozen=True)
class Policy:
    """The least role an object type requires for each write action."""

    create: Role = Role.MEMBER
    edit: Role = Role.MEMBER
    delete: Role = Role.CITY_ADMIN
    publish: Role = Role.CITY_ADMIN

    def required(self, action: Action) -> Role:
        return {
            Action.CREATE: self.create,
            Action.EDIT: self.edit,
            Action.DELETE: self.delete,
            Action.PUBLISH: self.publish,
        }[action]


DEFAULT_POLICY = Policy()
# People, teams and cities are managed by admins only.
ADMIN_POLICY = Policy(create=Role.CITY_ADMIN, edit=Role.CITY_ADMIN)


@dataclass(frozen=True)
class Scopes:
    """What an actor may see, as sets a database filter can use directly.

    An object is visible when any of these holds:
    ``visibility == public``; its network is in ``all_in_networks`` (network admin);
    its network is in ``network_ids`` and visibility is network; its city is in ``city_ids``
    and visibility is city or network; its city is in ``admin_city_ids`` (any visibility);
    or its team is in ``team_ids``.
    """

    all_in_networks: frozenset[int] = field(default_factory=frozenset)
    network_ids: frozenset[int] = field(default_factory=frozenset)
    city_ids: frozenset[int] = field(default_factory=frozenset)
    admin_city_ids: frozenset[int] = field(default_factory=frozenset)
    team_ids: frozenset[int] = field(default_factory=frozenset)

    def allows(self, target: Target) -> bool:
        vis = target.visibility
        return (
            vis is Visibility.PUBLIC
            or target.network_id in self.all_in_networks
            or (vis is Visibility.NETWORK and target.network_id in self.network_ids)
            or (vis.breadth >= Visibility.CITY.breadth and target.city_id in self.city_ids)
            or target.city_id in self.admin_city_ids
            or (target.team_id is not None and target.team_id in self.team_ids)
        )


def scopes_for(actor: Actor) -> Scopes:
    """Turn an actor's grants into the visibility sets of :class:`Scopes`."""
    grants: Iterable[Grant] = actor.grants if actor.authenticated else ()
    grants = tuple(grants)
    return Scopes(
        all_in_networks=frozenset(g.network_id for g in grants if g.role is Role.NETWORK_ADMIN),
        network_ids=frozenset(g.network_id for g in grants),
        city_ids=frozenset(g.city_id for g in grants if g.city_id is not None),
        admin_city_ids=frozenset(
            g.city_id for g in grants if g.role is Role.CITY_ADMIN and g.city_id is not None
        ),
        team_ids=frozenset(g.team_id for g in grants if g.team_id is not None),
    )


def can_view(actor: Actor, target: Target) -> bool:
    return scopes_for(actor).allows(target)


def can(
    actor: Actor,
    action: Action,
    target: Target,
    policy: Policy = DEFAULT_POLICY,
) -> bool:
    """May ``actor`` perform ``action`` on ``target``?

    For ``create``, ``target`` describes the object about to be made (its city, team and
    visibility). Writing needs the policy's role in the owning city; a member (not an admin)
    must also be able to see the object, so team objects stay with their team.
    """
    if action is Action.VIEW:
        return can_view(actor, target)
    if not actor.authenticated:
        return False
    role = actor.role_in_city(target.network_id, target.city_id)
    if role is None or role.rank < policy.required(action).rank:
        return False
    if role.rank >= Role.CITY_ADMIN.rank:
        return True
    # Below admin, people write only what they can see: a team object needs that team.
    return can_view(actor, target)


def widest_visibility(actor: Actor, network_id: int, city_id: int) -> Visibility:
    """The broadest visibility the actor may set on an object of this city."""
    role = actor.role_in_city(network_id, city_id)
    if role is not None and role.rank >= Role.CITY_ADMIN.rank:
        return Visibility.PUBLIC
    return Visibility.CITY
