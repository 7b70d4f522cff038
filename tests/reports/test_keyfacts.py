"""Key facts: every number equals the length of the list it links to, and counts only what
the reader could open (a private object of another city is never counted, listed or linked)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from civiclab.core.scoping import forget_actor
from civiclab.evaluation.models import EvaluationResult
from civiclab.reports.queries import keyfacts as queries
from tests.clients import as_user, body
from tests.evaluation.helpers import plan_of
from tests.factories import CohortFactory, MembershipFactory
from tests.funding.pipeline_factories import award
from tests.portfolio import factories as pf
from tests.world import World

pytestmark = pytest.mark.django_db


@dataclass
class Seeded:
    public: Any  # city A's public challenge
    secret: Any  # city B's city-only challenge
    cohort: Any


def result(plan: Any, low: float, high: float, **fields: Any) -> EvaluationResult:
    return EvaluationResult.objects.create(
        plan=plan,
        plan_hash=fields.pop("plan_hash", "h"),
        data_version="1",
        state="done",
        estimate={"estimate": (low + high) / 2, "ci_low": low, "ci_high": high},
        finished_at=fields.pop("finished_at", timezone.now()),
        **fields,
    )


def seed(world: World) -> Seeded:
    """City A: a public challenge (housing) and a city-only one (health), each with an idea
    and a solution, an evaluated public solution with an effect, two awards (USD and EUR).
    City B: a city-only challenge with everything too (never counted for A's people)."""
    cohort = CohortFactory(network=world.network, name="Blight cohort", slug="blight")
    world.city.cohorts.add(cohort)
    world.other_city.cohorts.add(cohort)
    public = pf.challenge(world.city, visibility="public", priority_area="housing")
    hidden = pf.challenge(world.city, visibility="city", priority_area="health")
    secret = pf.challenge(world.other_city, visibility="city", priority_area="housing")
    for challenge in (public, hidden, secret):
        pf.idea(challenge)
        solution = pf.solution(challenge)
        plan = plan_of(solution)
        result(plan, 1.0, 3.0)
        award(challenge.city, 1000, solution=solution, visibility=challenge.visibility)
    award(world.city, 500, currency="EUR", challenge=public, visibility="public")
    # A stopped solution, a closed challenge, a result with no effect: not counted.
    closed = pf.challenge(world.city, visibility="public", phase="closed")
    pf.solution(public, stage="stopped", title="Stopped")
    flat = plan_of(pf.solution(public, title="Flat"), title="Flat trial")
    result(flat, -1.0, 2.0)
    # The newest result of a plan is the one that counts: here it found nothing.
    later = plan_of(pf.solution(public, title="Faded"), title="Faded trial")
    result(later, 1.0, 2.0, plan_hash="a", finished_at=timezone.now() - dt.timedelta(days=9))
    result(later, -0.5, 0.5, plan_hash="b")
    assert closed.phase == "closed"
    return Seeded(public, secret, cohort)


def totals(user: Any, group: str = "city", **filters: Any) -> queries.KeyFacts:
    return queries.key_facts(user, group, queries.Filters(**filters))


def test_the_counts_follow_the_definitions(world: World) -> None:
    """GIVEN city A's and B's work WHEN A's member reads the key facts THEN only A's is
    counted, with the closed, the stopped and the effect-less left out."""
    seed(world)
    cells = totals(world.user("member")).total.cells
    assert {f: cells[f].count for f in queries.FACTS} == {
        "problems": 2,
        "ideas": 2,
        "solutions": 4,  # two, and "Flat" and "Faded"; "Stopped" left out
        "evaluated": 4,
        "funding": 3,
        "outcomes": 2,
    }
    money = {m.currency: m.awarded for m in cells["funding"].money}
    assert money == {"USD": Decimal("2000.00"), "EUR": Decimal("500.00")}


def test_another_citys_private_work_is_never_counted(world: World) -> None:
    seed(world)
    for actor in ("member", "viewer", "city_admin"):
        found = totals(world.user(actor))
        assert [row.label for row in found.rows] == ["City A"], actor
    # The network admin counts what the cities shared with the network: here A's public work.
    admin = totals(world.user("network_admin"))
    assert [row.label for row in admin.rows] == ["City A"]
    assert admin.total.cells["problems"].count == 1
    b_admin = totals(world.user("other_city_admin"))
    # B's admin sees B's own, and A's public work only.
    assert {row.label: row.cells["problems"].count for row in b_admin.rows} == {
        "City A": 1,
        "City B": 1,
    }


def test_the_network_admin_counts_what_the_cities_shared(world: World) -> None:
    """GIVEN B's city-only work (which the network admin may open) and B's work shared with
    the network WHEN the network admin reads the key facts THEN only the shared is counted and
    listed: the network's numbers are what its cities chose to share."""
    seed(world)
    shared = pf.challenge(world.other_city, visibility="network", priority_area="mobility")
    pf.idea(shared)
    award(world.other_city, 40, challenge=shared, visibility="network", currency="ILS")
    admin = world.user("network_admin")
    found = totals(admin)
    assert {r.label: r.cells["problems"].count for r in found.rows} == {"City A": 1, "City B": 1}
    assert {m.currency for m in found.total.cells["funding"].money} == {"EUR", "USD", "ILS"}
    listed = {c.pk for c in queries.listed(admin, "problems")}
    assert shared.pk in listed and len(listed) == 2
    # A network admin who also belongs to city A counts A's work as A's people do.
    MembershipFactory(user=admin, city=world.city, role="member")
    forget_actor(admin)
    assert totals(admin).total.cells["problems"].count == 3


def test_an_anonymous_visitor_counts_public_work_only(world: World) -> None:
    seed(world)
    cells = totals(None).total.cells
    assert cells["problems"].count == 1
    assert cells["ideas"].count == 1
    assert cells["funding"].count == 2  # the public challenge's two awards
    assert [m.currency for m in cells["funding"].money] == ["EUR", "USD"]
    assert totals(world.user("other_network_admin")).total.cells["problems"].count == 1


@pytest.mark.parametrize("group", queries.GROUPS)
@pytest.mark.parametrize("actor", ["member", "network_admin", "anonymous"])
def test_every_number_equals_the_length_of_its_list(world: World, group: str, actor: str) -> None:
    """Each number (total and per group) is the length of the list its link opens."""
    seed(world)
    user = world.user(actor)
    found = totals(user, group)
    assert found.rows or actor == "anonymous"
    for row in [found.total, *found.rows]:
        for fact in queries.FACTS:
            listed = list(queries.listed(user, fact, row.filters))
            assert len(listed) == row.cells[fact].count, (group, row.label, fact)
            assert len({obj.pk for obj in listed}) == len(listed)


def test_the_page_links_each_number_to_its_list(world: World) -> None:
    seed(world)
    client = as_user(world.user("network_admin"))
    page = body(client.get("/delivery/key-facts/?group=priority"))
    links = re.findall(r'<a href="(/delivery/key-facts/list/\?[^"]+)">(\d+)</a>', page)
    assert len(links) >= 6 * 2
    for url, number in links:
        listed = body(client.get(url.replace("&amp;", "&")))
        assert listed.count('class="keyfacts-item"') == int(number), url
        count = re.search(r'class="keyfacts-count">(\d+)<', listed)
        assert count and count.group(1) == number


def test_private_work_of_another_city_never_shows_on_the_pages(world: World) -> None:
    seeded = seed(world)
    client = as_user(world.user("member"))
    page = body(client.get("/delivery/key-facts/"))
    assert '<th scope="row">City B' not in page
    listed = body(client.get("/delivery/key-facts/list/?fact=problems"))
    assert f"/challenges/{seeded.public.pk}/" in listed
    assert f"/challenges/{seeded.secret.pk}/" not in listed
    by_city = body(client.get("/delivery/key-facts/list/?fact=ideas&city=city-b"))
    assert 'class="keyfacts-count">0<' in by_city


def test_the_groups_and_filters(world: World) -> None:
    seeded = seed(world)
    member = world.user("member")
    by_cohort = totals(member, "cohort")
    assert [(r.label, r.cells["problems"].count) for r in by_cohort.rows] == [("Blight cohort", 2)]
    by_area = {r.key: r.cells["problems"].count for r in totals(member, "priority").rows}
    assert by_area == {"housing": 1, "health": 1}
    year = timezone.now().year
    assert [r.key for r in totals(member, "year").rows] == [year]
    assert totals(member, year=year - 1).total.cells["problems"].count == 0
    only = totals(member, cohort=seeded.cohort.pk, city="city-a", priority="health").total.cells
    assert only["problems"].count == 1
    assert totals(member, city="city-b").total.cells["problems"].count == 0


def test_a_hidden_challenges_area_is_not_shown(world: World) -> None:
    """An award the reader sees, for a challenge they may not see, is counted without its
    challenge's priority area."""
    hidden = pf.challenge(world.other_city, visibility="city", priority_area="health")
    award(world.other_city, 70, challenge=hidden, visibility="public")
    rows = totals(world.user("member"), "priority").rows
    assert [(r.key, r.label, r.cells["funding"].count) for r in rows] == [("", "Not shown", 1)]
    assert len(list(queries.listed(world.user("member"), "funding", rows[0].filters))) == 1


def test_bad_input_is_refused_clearly(world: World) -> None:
    client = as_user(None)
    assert client.get("/delivery/key-facts/?group=planet").status_code == 400
    assert client.get("/delivery/key-facts/?year=12").status_code == 400
    assert client.get("/delivery/key-facts/list/").status_code == 400
    assert client.get("/delivery/key-facts/list/?fact=problems&cohort=-1").status_code == 400
    api = client.get("/api/v1/reports/keyfacts?group=planet")
    assert api.status_code == 422
    assert client.get("/api/v1/reports/keyfacts/unicorns").status_code == 422
    assert client.get("/api/v1/reports/keyfacts?priority=moon").status_code == 422


def test_the_api_gives_the_same_numbers_and_lists(world: World) -> None:
    seed(world)
    client = as_user(world.user("member"))
    data = client.get("/api/v1/reports/keyfacts?group=year").json()
    assert data["total"]["facts"]["problems"]["count"] == 2
    listed = client.get("/api/v1/reports/keyfacts/funding").json()
    assert listed["count"] == 3 == len(listed["items"])
    assert {i["currency"] for i in listed["items"]} == {"USD", "EUR"}
    anonymous = as_user(None).get("/api/v1/reports/keyfacts").json()
    assert anonymous["total"]["facts"]["problems"]["count"] == 1


def test_the_command_line_reads_as_anonymous_unless_told(world: World, capsys: Any) -> None:
    seed(world)
    call_command("reports", "keyfacts", "--json")
    import json

    anonymous = json.loads(capsys.readouterr().out)
    assert anonymous["total"]["facts"]["problems"]["count"] == 1
    call_command("reports", "keyfacts", "--as", world.user("city_admin").email, "--json")
    admin = json.loads(capsys.readouterr().out)
    assert admin["total"]["facts"]["problems"]["count"] == 2
    call_command("reports", "keyfacts", "--fact", "outcomes", "--as", world.user("member").email)
    assert "Outcomes achieved: 2" in capsys.readouterr().out


def test_the_page_in_french(world: World) -> None:
    seed(world)
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = body(client.get("/delivery/key-facts/"))
    assert "Problèmes traités" in page
    assert "Chiffres clés" in page
    assert "Regrouper par" in page
    refused = body(client.get("/delivery/key-facts/?year=12"))
    assert "Une année de 1900 à 2200" in refused


def test_the_city_page_links_to_its_key_facts(world: World) -> None:
    page = body(as_user(world.user("member")).get("/cities/city-a/"))
    assert "/delivery/key-facts/?city=city-a&amp;group=year" in page


def test_the_numbers_take_the_same_queries_however_many_rows(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed(world)
    client = as_user(world.user("network_admin"))
    with CaptureQueriesContext(connection) as few:
        client.get("/delivery/key-facts/?group=cohort")
    for _ in range(3):
        seed_more = pf.challenge(world.other_city, visibility="network", priority_area="mobility")
        pf.idea(seed_more)
        award(world.other_city, 10, challenge=seed_more, visibility="network")
    with CaptureQueriesContext(connection) as many:
        client.get("/delivery/key-facts/?group=cohort")
    assert len(many) == len(few)
