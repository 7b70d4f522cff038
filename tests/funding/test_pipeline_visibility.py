"""Funding leveraged and "who applied" are as private as the applications they come from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civiclab.funding.queries.pipeline import (
    Total,
    leveraged,
    network_breakdown,
    network_counted,
    visible_applications,
    who_applied,
)
from civiclab.network.models import Cohort
from tests.funding import pipeline_factories as make
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def amounts(totals: list[Total]) -> list[tuple[str, Decimal, Decimal, int]]:
    return [(t.currency, t.awarded, t.match, t.applications) for t in totals]


def test_a_private_award_is_counted_for_the_team_only(world: World) -> None:
    """GIVEN a team-T-only award of 900 and a network-shared award of 100 in city A WHEN
    people sum the network's and the city's funding leveraged THEN the team's member and the
    city admin count 1,000; a member of A outside T, city B's admin and another network's admin
    count only what they may see (100, 100, nothing)."""
    make.award(world.city, 900, visibility="team", team=world.team, title="Zqsecret application")
    make.award(world.city, 100, visibility="network", match_amount=Decimal(50))
    expected = {
        "team_member": Decimal(1000),
        "city_admin": Decimal(1000),
        "network_admin": Decimal(1000),
        "member": Decimal(100),
        "other_city_admin": Decimal(100),
    }
    for actor, total in expected.items():
        user = world.user(actor)
        for scope, obj in (("network", world.network), ("city", world.city)):
            assert [t.awarded for t in leveraged(user, scope, obj)] == [total], (actor, scope)
    assert leveraged(world.user("other_network_admin"), "network", world.network) == []
    assert leveraged(None, "network", world.network) == []


def test_only_awards_with_amounts_count_and_currencies_stay_apart(world: World) -> None:
    make.award(world.city, 100, match_amount=Decimal(10))
    make.award(world.city, 200)
    make.award(world.city, 70, currency="EUR")
    make.application(world.city, status="submitted", amount_requested=Decimal(5_000))
    make.application(world.city, status="declined", amount_awarded=Decimal(8_000))
    assert amounts(leveraged(world.user("member"), "city", world.city)) == [
        ("EUR", Decimal(70), Decimal(0), 1),
        ("USD", Decimal(300), Decimal(10), 2),
    ]


def test_leveraged_by_solution_challenge_and_cohort(world: World) -> None:
    challenge = factories.challenge(world.city)
    solution = factories.solution(challenge)
    make.award(world.city, 100, solution=solution)
    make.award(world.city, 20, challenge=challenge)
    make.award(world.city, 3)
    make.award(world.other_city, 4000, visibility="network")
    cohort = Cohort.objects.create(network=world.network, name="Blight", slug="blight")
    cohort.cities.add(world.city)
    member = world.user("member")
    assert [t.awarded for t in leveraged(member, "solution", solution)] == [Decimal(100)]
    assert [t.awarded for t in leveraged(member, "challenge", challenge)] == [Decimal(120)]
    assert [t.awarded for t in leveraged(member, "city", world.city)] == [Decimal(123)]
    assert [t.awarded for t in leveraged(member, "cohort", cohort)] == [Decimal(123)]
    assert [t.awarded for t in leveraged(member, "network", world.network)] == [Decimal(4123)]


def test_the_network_breakdown_and_the_applications_behind_each_number(world: World) -> None:
    """GIVEN awards in A (housing, 2026; a hidden team challenge's, 2027) and B (2027)
    THEN the breakdown by city, priority area and year adds up to the headline, and the
    hidden challenge's area is not shown to a member outside the team."""
    housing = factories.challenge(world.city, priority_area="housing")
    hidden = factories.challenge(
        world.city, visibility="team", team=world.team, priority_area="health"
    )
    make.award(world.city, 100, challenge=housing, decided_on=dt.date(2026, 5, 1))
    make.award(world.city, 10, challenge=hidden, decided_on=dt.date(2027, 5, 1))
    make.award(world.other_city, 1, visibility="network", decided_on=dt.date(2027, 1, 1))
    member = world.user("member")
    breakdown = network_breakdown(member, world.network)
    assert [t.awarded for t in breakdown.headline] == [Decimal(111)]
    assert [(c.slug, t[0].awarded) for c, t in breakdown.by_city] == [
        ("city-a", Decimal(110)),
        ("city-b", Decimal(1)),
    ]
    assert [(p, t[0].awarded) for p, t in breakdown.by_priority] == [
        ("", Decimal(11)),
        ("housing", Decimal(100)),
    ]
    assert [(y, t[0].awarded) for y, t in breakdown.by_year] == [
        (2027, Decimal(11)),
        (2026, Decimal(100)),
    ]
    team = network_breakdown(world.user("team_member"), world.network)
    assert ("health", Decimal(10)) in [(p, t[0].awarded) for p, t in team.by_priority]
    assert [a.amount_awarded for a in network_counted(member, world.network, year=2027)] == [
        Decimal(10),
        Decimal(1),
    ]
    assert len(network_counted(member, world.network, priority="health")) == 0
    assert len(network_counted(member, world.network, city="city-b")) == 1


def test_who_applied_shows_what_cities_shared(world: World) -> None:
    """GIVEN applications to one opportunity: A's team-only award, B's network-shared award,
    B's city-private draft THEN A's member outside the team sees B's shared award only (with
    its amount); B's admin sees B's two and not A's."""
    opportunity = make.opportunity()
    make.award(
        world.city,
        900,
        opportunity=opportunity,
        visibility="team",
        team=world.team,
        title="Zqsecret application",
    )
    make.award(world.other_city, 250, opportunity=opportunity, visibility="network")
    make.application(world.other_city, opportunity=opportunity, status="drafting")
    seen = who_applied(world.user("member"), opportunity, except_city=world.city)
    assert [(a.city.slug, a.status, a.amount_awarded) for a in seen] == [
        ("city-b", "awarded", Decimal(250))
    ]
    assert not who_applied(world.user("member"), opportunity, except_city=world.other_city)
    other = who_applied(world.user("other_city_admin"), opportunity)
    assert sorted(a.status for a in other) == ["awarded", "drafting"]
    assert all(a.city == world.other_city for a in other)
    team = who_applied(world.user("team_member"), opportunity)
    assert len(team) == 2


def test_viewers_read_the_citys_applications(world: World) -> None:
    made = make.application(world.city)
    assert list(visible_applications(world.user("viewer"))) == [made]
    assert not visible_applications(world.user("other_city_admin")).exists()
