"""The database filter must agree with the pure rules for every actor and every object."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civiclab.core.permissions import Actor, Grant, Role, Visibility, scopes_for
from civiclab.core.scoping import scope_filter, target_of
from civiclab.network.models import Team
from civiclab.network.queries import TEAM_FIELDS
from tests.factories import CityFactory, NetworkFactory, TeamFactory


@pytest.fixture
def teams_everywhere(db: None) -> dict[str, int]:
    """Teams of every visibility in two cities of one network and one city of another."""
    net, other_net = NetworkFactory(slug="n1"), NetworkFactory(slug="n2")
    cities = [CityFactory(network=net), CityFactory(network=net), CityFactory(network=other_net)]
    for city, vis, n in itertools.product(cities, Visibility, range(2)):
        TeamFactory(city=city, visibility=vis, slug=f"{vis}-{n}")
    ids = {"net": net.pk, "other_net": other_net.pk}
    ids.update({f"city{i}": c.pk for i, c in enumerate(cities)})
    return ids


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_scope_filter_matches_pure_rules(
    teams_everywhere: dict[str, int], data: st.DataObject
) -> None:
    ids = teams_everywhere
    team_ids = list(Team.objects.values_list("pk", flat=True))
    city_grant = st.builds(
        Grant,
        network_id=st.sampled_from([ids["net"], ids["other_net"]]),
        city_id=st.sampled_from([ids["city0"], ids["city1"], ids["city2"]]),
        role=st.sampled_from([Role.VIEWER, Role.MEMBER, Role.CITY_ADMIN]),
        team_id=st.none() | st.sampled_from(team_ids),
    )
    admin_grant = st.builds(
        Grant,
        network_id=st.sampled_from([ids["net"], ids["other_net"]]),
        city_id=st.none(),
        role=st.just(Role.NETWORK_ADMIN),
    )
    grants = data.draw(st.lists(city_grant | admin_grant, max_size=3))
    authenticated = data.draw(st.booleans())
    actor = Actor(user_id=1, authenticated=authenticated, grants=tuple(grants))
    scopes = scopes_for(actor)

    from_db = set(
        Team.objects.filter(scope_filter(scopes, TEAM_FIELDS)).values_list("pk", flat=True)
    )
    from_rules = {
        t.pk
        for t in Team.objects.select_related("city")
        if scopes.allows(target_of(t, TEAM_FIELDS))
    }
    assert from_db == from_rules


def test_a_rule_compiled_once_reads_the_rows_of_now_and_follows_a_new_membership(
    db: None,
) -> None:
    """``rule_ids`` keeps a rule's SQL per actor, never its rows (issue 17's load work).
    GIVEN a person's rule compiled once WHEN a dataset is added or narrowed THEN the next read
    shows it; WHEN the person joins another city THEN that city's datasets show at once (a new
    membership is a new actor, so a new rule); the SQL of two people is never shared."""
    from civiclab.core.scoping import actor_for, forget_actor
    from civiclab.datasets.models import Dataset
    from civiclab.datasets.queries import visible_datasets
    from tests.factories import MembershipFactory, UserFactory

    net = NetworkFactory(slug="rules")
    home, other = CityFactory(network=net), CityFactory(network=net)
    person, stranger = UserFactory(), UserFactory()
    MembershipFactory(user=person, city=home, role="member")

    def seen(user: object) -> set[str]:
        return set(visible_datasets(user).values_list("slug", flat=True))

    Dataset.objects.create(city=home, name="Home", slug="home", visibility="city")
    assert seen(person) == {"home"} and seen(stranger) == set()
    Dataset.objects.create(city=other, name="Other", slug="other", visibility="city")
    Dataset.objects.create(city=home, name="Later", slug="later", visibility="city")
    assert seen(person) == {"home", "later"}
    Dataset.objects.filter(slug="later").update(visibility="team")
    assert seen(person) == {"home"}
    MembershipFactory(user=person, city=other, role="member")
    forget_actor(person)
    assert len(actor_for(person).grants) == 2
    assert seen(person) == {"home", "other"}
    assert seen(stranger) == set()
