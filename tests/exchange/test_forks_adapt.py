"""Fork and adapt: a copy in one's city with its indicators re-pointed to one's own datasets, the
report of what could not be, the lineage both ways, and who may see and do what."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.exchange.models.forks import Fork
from civiclab.exchange.queries.forks import fork_of_copy, lineage, visible_forks
from civiclab.exchange.services import forks as services
from civiclab.exchange.services.forks import spec_columns
from civiclab.indicators.models import Indicator
from civiclab.portfolio.models import Idea, Solution
from tests.clients import as_user, body
from tests.exchange.forks_helpers import (
    COUNT,
    city_with_admin,
    data,
    monthly,
    own_challenge,
    shared_solution,
)
from tests.factories import MembershipFactory, UserFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def test_spec_columns_reads_every_column_a_spec_names() -> None:
    spec = {
        "measure": {
            "type": "ratio",
            "numerator": {"type": "sum", "column": "a"},
            "denominator": {"type": "duration", "start": "s", "end": "e"},
            "numerator_filters": [{"column": "f1", "op": "=", "value": 1}],
        },
        "time": {"column": "t"},
        "filters": [{"column": "f2", "op": "is null"}],
        "breakdown": ["b1", "b2"],
        "equity": "q",
    }
    assert sorted(spec_columns(spec)) == sorted(["a", "s", "e", "f1", "t", "f2", "b1", "b2", "q"])


def _b_data(world: World, tmp_path: Path) -> None:
    """B has dumping reports with A's columns (days as numbers) and inspections whose days are
    text: the count re-points, the mean of days finds only a nearest miss."""
    data(world.other_city, tmp_path, "Dumping reports", monthly([11] * 3))
    data(world.other_city, tmp_path, "Inspections", monthly([10] * 2, "days", value="n/a"))


def test_a_solution_adapted_as_a_solution_with_its_indicators_repointed(
    world: World, tmp_path: Path
) -> None:
    """GIVEN A's shared solution with a count and a mean of days, and B's datasets, one with
    A's columns and one whose days are words WHEN B's admin adapts it as a solution THEN the copy
    has A's goal and milestones, the count reads B's matching dataset and is linked to the
    copy, the mean is reported as not re-pointed (days is text), and the fork is audited."""
    origin = shared_solution(world.city, tmp_path)
    _b_data(world, tmp_path)
    admin_b = world.user("other_city_admin")
    challenge_b = own_challenge(world.other_city)

    made = services.fork(
        admin_b,
        "solution",
        origin.pk,
        world.other_city,
        "solution",
        challenge=challenge_b,
        visibility="network",
    )

    copy = Solution.objects.get(pk=made.copy_id)
    assert (copy.city, copy.challenge, copy.title) == (world.other_city, challenge_b, origin.title)
    assert copy.goal_statement == origin.goal_statement
    assert [m.title for m in copy.milestones.all()] == ["Squad hired"]
    assert copy.milestones.get().done_on is None
    by_status = {e["name"]: e for e in made.report}
    count = by_status["Blight count"]
    assert count["status"] == "repointed"
    new = Indicator.objects.get(pk=count["indicator"])
    assert new.city == world.other_city and new.dataset.name == "Dumping reports"
    assert list(copy.indicators.all()) == [new]
    mean = by_status["Days to close"]
    assert mean["status"] == "not_repointed" and mean["reason"] == "columns"
    assert mean["dataset"] == "Inspections"
    assert mean["mismatched"] == {"days": ["integer", "category"]}
    event = AuditEvent.objects.get(action="fork.create")
    assert event.city == world.other_city
    assert event.details["repointed"] == 1 and event.details["not_repointed"] == 1
    # The indicators' and the portfolio's own audit events were written by their services.
    assert AuditEvent.objects.filter(action="indicator.create", city=world.other_city).count() == 1
    assert AuditEvent.objects.filter(action="solution.create", city=world.other_city).exists()


def test_no_matching_dataset_is_reported_with_the_missing_columns(
    world: World, tmp_path: Path
) -> None:
    origin = shared_solution(world.city, tmp_path)
    made = services.fork(
        world.user("other_city_admin"),
        "solution",
        origin.pk,
        world.other_city,
        "solution",
        challenge=own_challenge(world.other_city),
    )
    assert {e["status"] for e in made.report} == {"not_repointed"}
    assert made.report[0]["reason"] == "no_dataset"
    assert made.report[0]["missing"] == ["reported"]


def test_an_identical_indicator_of_the_city_is_reused(world: World, tmp_path: Path) -> None:
    origin = shared_solution(world.city, tmp_path)
    dumping = data(world.other_city, tmp_path, "Dumping reports", monthly([11] * 3))
    from tests.exchange.forks_helpers import indicator

    mine = indicator(dumping, "Our dumping count", COUNT, visibility="city")
    made = services.fork(
        world.user("other_city_admin"),
        "solution",
        origin.pk,
        world.other_city,
        "solution",
        challenge=own_challenge(world.other_city),
    )
    entry = next(e for e in made.report if e["name"] == "Blight count")
    assert entry["status"] == "reused" and entry["indicator"] == mine.pk


def test_a_challenge_adapted_as_a_challenge_and_a_solution_as_an_idea(
    world: World, tmp_path: Path
) -> None:
    origin = shared_solution(world.city, tmp_path)
    admin_b = world.user("other_city_admin")
    made = services.fork(admin_b, "challenge", origin.challenge_id, world.other_city, "challenge")
    assert made.copy_kind == "challenge"
    idea_fork = services.fork(
        admin_b,
        "solution",
        origin.pk,
        world.other_city,
        "idea",
        challenge=own_challenge(world.other_city),
        title="Our squad",
    )
    idea = Idea.objects.get(pk=idea_fork.copy_id)
    assert idea.title == "Our squad" and idea.origin == "other_city"
    assert origin.goal_statement in idea.description
    assert {e["status"] for e in idea_fork.report} == {"not_copied"}


def test_refusals(world: World, tmp_path: Path) -> None:
    """Not shared, not visible, into the origin's own city, the wrong kind, another city's
    challenge, a viewer of B: each refused with its reason."""
    origin = shared_solution(world.city, tmp_path)
    private = shared_solution(world.city, tmp_path, visibility="city", tag=" (private)")
    admin_b = world.user("other_city_admin")
    challenge_b = own_challenge(world.other_city)

    def refused(by, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as exc:
            services.fork(by, *args, **kwargs)
        return str(exc.value)

    assert "No such solution" in refused(
        admin_b, "solution", private.pk, world.other_city, "solution", challenge=challenge_b
    )
    assert "No such solution" in refused(
        admin_b, "solution", 999_999, world.other_city, "solution", challenge=challenge_b
    )
    assert "Only work shared" in refused(
        world.user("member"),
        "solution",
        private.pk,
        world.other_city,
        "solution",
        challenge=challenge_b,
    )
    assert "already your city" in refused(
        world.user("city_admin"),
        "solution",
        origin.pk,
        world.city,
        "solution",
        challenge=origin.challenge,
    )
    assert "can be adapted as a solution" in refused(
        admin_b, "solution", origin.pk, world.other_city, "challenge"
    )
    assert "another city" in refused(
        admin_b, "solution", origin.pk, world.other_city, "solution", challenge=origin.challenge
    )
    assert "No such solution" in refused(
        world.user("other_network_admin"),
        "solution",
        origin.pk,
        world.foreign_city,
        "solution",
        challenge=own_challenge(world.foreign_city),
    )
    viewer_b = UserFactory(email="viewer@b.example.org")
    MembershipFactory(user=viewer_b, city=world.other_city, role="viewer")
    with pytest.raises(PermissionDenied):
        services.fork(viewer_b, "challenge", origin.challenge_id, world.other_city, "challenge")
    assert not Fork.objects.exists()


def test_lineage_both_ways_with_forks_of_forks(world: World, tmp_path: Path) -> None:
    """GIVEN A's solution adapted by B (shared), and B's copy adapted by C WHEN A's member,
    B's admin and C's admin read the lineage THEN A sees B's and C's copies as descendants
    (C's at depth 2, with who adapted it), C sees B then A as ancestors."""
    origin = shared_solution(world.city, tmp_path)
    city_c, admin_c = city_with_admin(world, "city-c")
    b = services.fork(
        world.user("other_city_admin"),
        "solution",
        origin.pk,
        world.other_city,
        "solution",
        challenge=own_challenge(world.other_city),
        visibility="network",
    )
    c = services.fork(
        admin_c,
        "solution",
        b.copy_id,
        city_c,
        "solution",
        challenge=own_challenge(city_c),
        visibility="network",
    )

    seen = lineage(world.user("member"), "solution", origin.pk)
    assert [(n.kind, n.id, n.depth) for n in seen["descendants_flat"]] == [
        ("solution", b.copy_id, 1),
        ("solution", c.copy_id, 2),
    ]
    assert seen["adaptations"] == 1 and seen["ancestors"] == []
    assert seen["descendants_flat"][1].fork.by == admin_c
    from_c = lineage(admin_c, "solution", c.copy_id)
    assert [(n.id, n.city) for n in from_c["ancestors"]] == [
        (b.copy_id, world.other_city.name),
        (origin.pk, world.city.name),
    ]
    page = body(as_user(world.user("member")).get(f"/solutions/{origin.pk}/"))
    assert "Adaptations across cities" in page and "City-C" in page
    copy_page = body(as_user(admin_c).get(f"/solutions/{c.copy_id}/"))
    assert f"/exchange/forks/{c.pk}/" in copy_page


def test_a_private_fork_never_shows_nor_counts(world: World, tmp_path: Path) -> None:
    """GIVEN A's solution adapted by B privately (city), and by C in the network WHEN A's member
    reads the lineage, the panel and the API THEN only C's copy appears, counted once; and
    when B narrows a shared copy that C forked, both disappear for A (the chain is cut)."""
    origin = shared_solution(world.city, tmp_path)
    city_c, admin_c = city_with_admin(world, "city-c")
    admin_b = world.user("other_city_admin")
    private = services.fork(
        admin_b,
        "solution",
        origin.pk,
        world.other_city,
        "solution",
        challenge=own_challenge(world.other_city),
        title="Secret copy",
    )
    shared = services.fork(
        admin_c,
        "solution",
        origin.pk,
        city_c,
        "solution",
        challenge=own_challenge(city_c),
        visibility="network",
    )
    member_a = world.user("member")
    seen = lineage(member_a, "solution", origin.pk)
    assert [n.id for n in seen["descendants_flat"]] == [shared.copy_id]
    assert seen["adaptations"] == 1
    assert not visible_forks(member_a).filter(pk=private.pk).exists()
    assert fork_of_copy(member_a, "solution", private.copy_id) is None
    api = as_user(member_a).get(f"/api/v1/exchange/lineage/solution/{origin.pk}")
    assert api.status_code == 200
    assert api.json()["adaptations"] == 1 and "Secret copy" not in api.content.decode()
    assert as_user(member_a).get(f"/api/v1/exchange/forks/{private.pk}").status_code == 404
    assert as_user(member_a).get(f"/exchange/forks/{private.pk}/").status_code == 404
    page = body(as_user(member_a).get(f"/solutions/{origin.pk}/"))
    assert "Secret copy" not in page and "Adapted 1 time" in page

    # A chain through a copy narrowed later: its descendants are cut off with it.
    middle = services.fork(
        admin_b,
        "solution",
        shared.copy_id,
        world.other_city,
        "solution",
        challenge=own_challenge(world.other_city),
        visibility="network",
    )
    assert len(lineage(member_a, "solution", origin.pk)["descendants_flat"]) == 2
    Solution.objects.filter(pk=shared.copy_id).update(visibility="city")
    assert lineage(member_a, "solution", origin.pk)["descendants_flat"] == []
    assert middle.pk  # still there for those who may see it
    assert lineage(admin_c, "solution", origin.pk)["adaptations"] == 1


def test_pages_and_api_adapt(world: World, tmp_path: Path) -> None:
    """The "Adapt in my city" link shows to B's admin on A's shared solution (not to A's
    member); the form and the API create the fork; the report is shown after it."""
    origin = shared_solution(world.city, tmp_path)
    _b_data(world, tmp_path)
    admin_b = world.user("other_city_admin")
    challenge_b = own_challenge(world.other_city)
    client = as_user(admin_b)
    page = body(client.get(f"/solutions/{origin.pk}/"))
    assert f"/exchange/adapt/solution/{origin.pk}/" in page
    assert "/exchange/adapt/" not in body(
        as_user(world.user("member")).get(f"/solutions/{origin.pk}/")
    )
    response = client.post(
        f"/exchange/adapt/solution/{origin.pk}/",
        {
            "city": world.other_city.pk,
            "as_kind": "solution",
            "challenge": challenge_b.pk,
            "title": "Dumping squad",
            "visibility": "city",
        },
    )
    assert response.status_code == 302, body(response)
    made = Fork.objects.get()
    report_page = body(client.get(response["Location"]))
    assert "Re-pointed to your dataset Dumping reports" in report_page
    assert "days is category, not integer" in report_page

    api = client.post(
        "/api/v1/exchange/forks",
        {
            "origin_kind": "challenge",
            "origin_id": origin.challenge_id,
            "city": "city-b",
            "as_kind": "challenge",
        },
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert api.json()["copy_kind"] == "challenge" and api.json()["origin_id"] == origin.challenge_id
    refused = client.post(
        "/api/v1/exchange/forks",
        {
            "origin_kind": "solution",
            "origin_id": origin.pk,
            "city": "city-b",
            "as_kind": "solution",
        },
        content_type="application/json",
    )
    assert refused.status_code == 422 and "challenge" in refused.content.decode()
    got = client.get(f"/api/v1/exchange/forks/{made.pk}").json()
    assert {e["status"] for e in got["report"]} == {"repointed", "not_repointed"}
