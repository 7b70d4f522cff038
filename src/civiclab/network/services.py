"""Every write to the network goes through here: checked, done atomically, audited."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import Action, Role, Target, Visibility
from civiclab.core.scoping import actor_for, forget_actor
from civiclab.core.services import apply_changes, changed_values, check
from civiclab.network.models import City, Membership, Network, Team
from civiclab.network.queries import (
    CITY_FIELDS,
    CITY_POLICY,
    MEMBERSHIP_POLICY,
    TEAM_FIELDS,
    TEAM_POLICY,
)

User = get_user_model()

# ``by=None`` means the command line, run by the operator of the server.
SYSTEM = None


def city_scope_target(city: City, team: Team | None = None) -> Target:
    """A stand-in target for things that belong to a city as a whole (people, new teams)."""
    return Target(
        network_id=city.network_id,
        city_id=city.pk,
        visibility=Visibility.CITY,
        team_id=team.pk if team else None,
    )


def _clean_and_save(obj: Any) -> None:
    obj.full_clean()
    obj.save()


@transaction.atomic
def create_network(name: str, slug: str | None = None, description: str = "") -> Network:
    network = Network(name=name, slug=slug or slugify(name), description=description)
    _clean_and_save(network)
    record(SYSTEM, "network.create", network, network=network)
    return network


@transaction.atomic
def create_city(by: Any, network: Network, **fields: Any) -> City:
    if by is not SYSTEM and network.pk not in actor_for(by).network_admin_of():
        raise PermissionDenied("only network admins add cities")
    fields.setdefault("slug", slugify(fields.get("name", "")))
    city = City(network=network, **fields)
    _clean_and_save(city)
    record(by, "city.create", city, city=city)
    return city


@transaction.atomic
def update_city(by: Any, city: City, **changes: Any) -> City:
    diff = apply_changes(by, city, changes, CITY_POLICY, CITY_FIELDS)
    record(by, "city.update", city, changes=diff)
    return city


@transaction.atomic
def create_team(by: Any, city: City, **fields: Any) -> Team:
    fields.setdefault("slug", slugify(fields.get("name", "")))
    team = Team(city=city, **fields)
    check(by, Action.CREATE, city_scope_target(city), TEAM_POLICY)
    _clean_and_save(team)
    record(by, "team.create", team)
    return team


@transaction.atomic
def update_team(by: Any, team: Team, **changes: Any) -> Team:
    diff = apply_changes(by, team, changes, TEAM_POLICY, TEAM_FIELDS)
    record(by, "team.update", team, changes=diff)
    return team


@transaction.atomic
def delete_team(by: Any, team: Team) -> None:
    check(by, Action.DELETE, team, TEAM_POLICY, TEAM_FIELDS)
    record(by, "team.delete", team)
    team.delete()


@transaction.atomic
def create_user(
    email: str, password: str | None = None, full_name: str = "", by: Any = SYSTEM
) -> Any:
    """Create an account. Without a password it gets a random one nobody knows, so the
    person signs in after choosing their own through the emailed reset or invitation link
    (Django mails such links only to accounts with a usable password)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this email address already exists.")})
    user = User(email=email, full_name=full_name)
    user.set_password(password or secrets.token_urlsafe(32))
    _clean_and_save(user)
    record(by, "user.create", user, object_type="accounts.user")
    return user


def _assert_team_in_city(team: Team | None, city: City | None) -> None:
    if team is not None and (city is None or team.city_id != city.pk):
        raise ValidationError({"team": _("The team must belong to the membership's city.")})


@transaction.atomic
def add_membership(
    by: Any, user: Any, city: City, role: Role | str, team: Team | None = None
) -> Membership:
    """Give ``user`` a role in ``city`` (city admins manage their own city's people)."""
    role = Role(role)
    if role is Role.NETWORK_ADMIN:
        raise ValidationError({"role": _("Network admins are appointed for the whole network.")})
    _assert_team_in_city(team, city)
    check(by, Action.CREATE, city_scope_target(city), MEMBERSHIP_POLICY)
    if Membership.objects.filter(user=user, city=city).exists():
        raise ValidationError({"user": _("This person is already a member of this city.")})
    membership = Membership(user=user, network=city.network, city=city, team=team, role=role)
    _clean_and_save(membership)
    forget_actor(user)
    record(by, "membership.create", membership, role=role.value, user=user.email)
    return membership


@transaction.atomic
def make_network_admin(user: Any, network: Network) -> Membership:
    """Appoint a network admin (command line only: there is no one above them to ask)."""
    membership, _created = Membership.objects.get_or_create(
        user=user, network=network, role=Role.NETWORK_ADMIN
    )
    forget_actor(user)
    record(SYSTEM, "membership.create", membership, network=network, role=Role.NETWORK_ADMIN)
    return membership


def _city_admin_count(city: City) -> int:
    return Membership.objects.filter(city=city, role=Role.CITY_ADMIN).count()


@transaction.atomic
def change_membership(
    by: Any, membership: Membership, role: Role | str | None = None, team: Any = ...
) -> Membership:
    """Change a member's role and/or team. ``team=None`` clears it; omit it to keep it."""
    if membership.city is None:
        raise ValidationError({"role": _("Network admin roles are managed from the command line.")})
    check(by, Action.EDIT, city_scope_target(membership.city), MEMBERSHIP_POLICY)
    before = {"role": membership.role, "team": membership.team_id}
    if role is not None:
        role = Role(role)
        if role is Role.NETWORK_ADMIN:
            raise ValidationError(
                {"role": _("Network admins are appointed for the whole network.")}
            )
        if (
            membership.role == Role.CITY_ADMIN
            and role is not Role.CITY_ADMIN
            and _city_admin_count(membership.city) == 1
        ):
            raise ValidationError({"role": _("A city must keep at least one city admin.")})
        membership.role = role
    if team is not ...:
        _assert_team_in_city(team, membership.city)
        membership.team = team
    _clean_and_save(membership)
    forget_actor(membership.user)
    after = {"role": membership.role, "team": membership.team_id}
    record(by, "membership.update", membership, changes=changed_values(before, after))
    return membership


@transaction.atomic
def remove_membership(by: Any, membership: Membership) -> None:
    if membership.city is None:
        raise ValidationError({"role": _("Network admin roles are managed from the command line.")})
    check(by, Action.DELETE, city_scope_target(membership.city), MEMBERSHIP_POLICY)
    if membership.role == Role.CITY_ADMIN and _city_admin_count(membership.city) == 1:
        raise ValidationError({"role": _("A city must keep at least one city admin.")})
    record(by, "membership.delete", membership, user=membership.user.email)
    membership.delete()
    forget_actor(membership.user)
