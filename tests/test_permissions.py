"""The pure permission rules, without a database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from civiclab.core.permissions import (
    ADMIN_POLICY,
    Action,
    Actor,
    Grant,
    Role,
    Target,
    Visibility,
    can,
    can_view,
    widest_visibility,
)

NET, OTHER_NET = 1, 2
A, B = 10, 20
T, U = 100, 200


def actor(*grants: Grant) -> Actor:
    return Actor(user_id=1, authenticated=True, grants=grants)


def target(vis: Visibility, city: int = A, team: int | None = T, net: int = NET) -> Target:
    return Target(network_id=net, city_id=city, visibility=vis, team_id=team)


def test_anonymous_sees_only_public() -> None:
    anonymous = Actor.anonymous()
    assert can_view(anonymous, target(Visibility.PUBLIC))
    for vis in (Visibility.NETWORK, Visibility.CITY, Visibility.TEAM):
        assert not can_view(anonymous, target(vis))
    for action in (Action.CREATE, Action.EDIT, Action.DELETE, Action.PUBLISH):
        assert not can(anonymous, action, target(Visibility.PUBLIC))


def test_grants_of_an_unauthenticated_actor_count_for_nothing() -> None:
    forged = Actor(user_id=1, authenticated=False, grants=(Grant(NET, A, Role.CITY_ADMIN),))
    assert not can_view(forged, target(Visibility.CITY))
    assert not can(forged, Action.EDIT, target(Visibility.PUBLIC))


def test_member_of_another_city_sees_network_but_not_city_objects() -> None:
    other = actor(Grant(NET, B, Role.CITY_ADMIN))
    assert can_view(other, target(Visibility.NETWORK))
    assert not can_view(other, target(Visibility.CITY))
    assert not can(other, Action.EDIT, target(Visibility.NETWORK))


def test_network_objects_stay_inside_their_network() -> None:
    foreign_admin = actor(Grant(OTHER_NET, None, Role.NETWORK_ADMIN))
    assert not can_view(foreign_admin, target(Visibility.NETWORK))
    assert not can(foreign_admin, Action.DELETE, target(Visibility.NETWORK))


def test_team_objects_need_the_team_or_an_admin() -> None:
    in_team = actor(Grant(NET, A, Role.MEMBER, T))
    other_team = actor(Grant(NET, A, Role.MEMBER, U))
    admin = actor(Grant(NET, A, Role.CITY_ADMIN))
    obj = target(Visibility.TEAM)
    assert can_view(in_team, obj) and can(in_team, Action.EDIT, obj)
    assert not can_view(other_team, obj) and not can(other_team, Action.EDIT, obj)
    assert can_view(admin, obj) and can(admin, Action.DELETE, obj)


def test_viewer_only_views_and_member_cannot_delete_or_publish() -> None:
    viewer = actor(Grant(NET, A, Role.VIEWER))
    member = actor(Grant(NET, A, Role.MEMBER))
    obj = target(Visibility.CITY)
    assert can_view(viewer, obj)
    assert not any(can(viewer, a, obj) for a in (Action.CREATE, Action.EDIT, Action.DELETE))
    assert can(member, Action.CREATE, obj) and can(member, Action.EDIT, obj)
    assert not can(member, Action.DELETE, obj) and not can(member, Action.PUBLISH, obj)


def test_admin_policy_keeps_members_out_of_people_management() -> None:
    member = actor(Grant(NET, A, Role.MEMBER))
    admin = actor(Grant(NET, A, Role.CITY_ADMIN))
    obj = target(Visibility.CITY, team=None)
    assert not can(member, Action.EDIT, obj, ADMIN_POLICY)
    assert can(admin, Action.EDIT, obj, ADMIN_POLICY)


def test_only_admins_may_widen_visibility_beyond_the_city() -> None:
    assert widest_visibility(actor(Grant(NET, A, Role.MEMBER)), NET, A) is Visibility.CITY
    assert widest_visibility(actor(Grant(NET, A, Role.CITY_ADMIN)), NET, A) is Visibility.PUBLIC
    assert widest_visibility(actor(Grant(NET, None, Role.NETWORK_ADMIN)), NET, A) is (
        Visibility.PUBLIC
    )


grants = st.builds(
    Grant,
    network_id=st.sampled_from([NET, OTHER_NET]),
    city_id=st.sampled_from([A, B]),
    role=st.sampled_from([Role.VIEWER, Role.MEMBER, Role.CITY_ADMIN]),
    team_id=st.sampled_from([None, T, U]),
) | st.builds(
    Grant,
    network_id=st.sampled_from([NET, OTHER_NET]),
    city_id=st.none(),
    role=st.just(Role.NETWORK_ADMIN),
)
actors = st.builds(
    Actor,
    user_id=st.just(1),
    authenticated=st.just(True),
    grants=st.lists(grants, max_size=4).map(tuple),
)
targets = st.builds(
    Target,
    network_id=st.just(NET),
    city_id=st.sampled_from([A, B]),
    visibility=st.sampled_from(list(Visibility)),
    team_id=st.sampled_from([None, T, U]),
)


@given(actors, targets)
def test_widening_visibility_never_hides_an_object(who: Actor, obj: Target) -> None:
    broader = [v for v in Visibility if v.breadth >= obj.visibility.breadth]
    if can_view(who, obj):
        for vis in broader:
            assert can_view(who, Target(obj.network_id, obj.city_id, vis, obj.team_id))


@given(actors, targets, st.sampled_from([Action.EDIT, Action.DELETE, Action.PUBLISH]))
def test_whoever_may_write_may_also_view(who: Actor, obj: Target, action: Action) -> None:
    if can(who, action, obj):
        assert can_view(who, obj)


@given(actors, targets)
def test_network_admins_may_do_everything_in_their_network(who: Actor, obj: Target) -> None:
    admin = Actor(1, True, (*who.grants, Grant(obj.network_id, None, Role.NETWORK_ADMIN)))
    assert all(can(admin, action, obj) for action in Action)
