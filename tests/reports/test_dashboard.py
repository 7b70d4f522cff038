"""The dashboard: what needs attention, scoped; the network view; the API; French; queries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.clients import as_user
from tests.permission_matrix import api_headers
from tests.portfolio import factories as pf
from tests.world import ACTORS, World

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def seed(world: World, tag: str = "") -> None:
    """City A: a slipping milestone, one due soon, a high open risk, a decision due; city B
    (same network) a private solution with the same kinds of items."""
    challenge = pf.challenge(world.city, title=f"Blight{tag}")
    solution = pf.solution(
        challenge,
        title=f"Blight squad{tag}",
        stage="deliver",
        end_date=TODAY + dt.timedelta(days=5),
    )
    pf.milestone(solution, title=f"Survey districts{tag}", due_on=TODAY - dt.timedelta(days=9))
    pf.milestone(solution, title=f"First demolitions{tag}", due_on=TODAY + dt.timedelta(days=3))
    pf.risk(solution, title=f"Owners sue{tag}", likelihood=4, impact=4)
    pf.update(solution, body=f"Districts surveyed{tag}")
    secret = pf.challenge(world.other_city, visibility="city", title=f"Secret{tag}")
    hidden = pf.solution(secret, title=f"Hidden squad{tag}", stage="deliver")
    pf.milestone(hidden, title=f"Hidden milestone{tag}", due_on=TODAY - dt.timedelta(days=2))
    pf.risk(hidden, title=f"Hidden risk{tag}", likelihood=5, impact=5)


def test_member_home_is_the_dashboard(world: World) -> None:
    seed(world)
    page = as_user(world.user("member")).get("/").content.decode()
    assert "Survey districts" in page and "First demolitions" in page
    assert "Owners sue" in page and "Decisions due" in page and "Blight squad" in page
    assert "Districts surveyed" in page  # recent activity
    assert "Hidden" not in page
    same = as_user(world.user("member")).get("/delivery/").content.decode()
    assert "Survey districts" in same


def test_anonymous_and_no_membership_keep_the_network_home(world: World) -> None:
    seed(world)
    for user in (None, world.user("no_membership")):
        page = as_user(user).get("/").content.decode()
        assert "Survey districts" not in page
    assert as_user(None).get("/delivery/").status_code == 302


def test_private_object_of_another_city_never_shows_nor_counts(world: World) -> None:
    seed(world)
    # city B's admin sees B's dashboard, not A's items; A's member cannot open B's
    page = as_user(world.user("other_city_admin")).get("/").content.decode()
    assert "Hidden milestone" in page and "Survey districts" not in page
    assert as_user(world.user("member")).get("/delivery/?city=city-b").status_code == 200
    b_for_a = as_user(world.user("member")).get("/delivery/?city=city-b").content.decode()
    assert "Hidden" not in b_for_a
    assert as_user(world.user("member")).get("/delivery/?city=city-f").status_code == 404
    api = as_user(None)
    data = api.get("/api/v1/reports/dashboard", **api_headers(world.user("member"))).json()
    assert {i["city"] for i in data["items"]} == {"city-a"}
    assert not any("Hidden" in i["title"] for i in data["items"])
    kinds = {i["kind"] for i in data["items"]}
    assert {"milestone_slipping", "milestone_due", "risk", "decision_due"} <= kinds
    assert data["total"] == 4


def test_network_admin_sees_every_city_counts_scoped(world: World) -> None:
    from tests.factories import CohortFactory

    seed(world)
    cohort = CohortFactory(network=world.network, name="Blight cohort")
    cohort.cities.add(world.city)
    page = as_user(world.user("network_admin")).get("/").content.decode()
    assert "City A" in page and "City B" in page and "City F" not in page
    assert "Blight cohort" in page and "chip-at_risk" in page
    assert "?city=city-a" in page
    foreign = as_user(world.user("other_network_admin")).get("/").content.decode()
    assert "City A" not in foreign


def test_team_private_solution_hidden_from_other_team(world: World) -> None:
    challenge = pf.challenge(world.city, visibility="team", team=world.team, title="Team only")
    solution = pf.solution(challenge, title="Team squad", stage="deliver")
    pf.milestone(solution, title="Team milestone", due_on=TODAY - dt.timedelta(days=1))
    assert "Team milestone" in as_user(world.user("team_member")).get("/").content.decode()
    assert (
        "Team milestone" not in as_user(world.user("other_team_member")).get("/").content.decode()
    )


def test_french(world: World) -> None:
    seed(world)
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/delivery/").content.decode()
    assert "Jalons en retard" in page
    assert "Le portefeuille en un coup d’œil" in page


def cold_queries(client: object, url: str = "/") -> int:
    cache.clear()  # the rendered dashboard is cached: count what computing it takes
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def test_query_count_is_fixed(world: World) -> None:
    client = as_user(world.user("member"))
    seed(world)
    client.get("/")
    few = cold_queries(client)
    for n in range(6):
        seed(world, tag=f" {n}")
    many = cold_queries(client)
    assert many == few
    assert many <= 24
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/").status_code == 200
    assert len(warm) <= 8  # session (read, save), user, memberships, language, unread badge
    admin = as_user(world.user("network_admin"))
    assert cold_queries(admin) <= 20


def test_a_write_shows_at_once(world: World) -> None:
    seed(world)
    client = as_user(world.user("member"))
    assert "Brand new milestone" not in client.get("/").content.decode()
    solution = pf.solution(pf.challenge(world.city), title="Fresh", stage="deliver")
    pf.milestone(solution, title="Brand new milestone", due_on=TODAY)
    assert "Brand new milestone" in client.get("/").content.decode()
    # another member's cached page is not served to this one
    other = as_user(world.user("other_city_admin")).get("/").content.decode()
    assert "Brand new milestone" not in other


def test_bad_city_is_a_404_not_a_500(world: World) -> None:
    client = as_user(world.user("member"))
    assert client.get("/delivery/?city=" + "x" * 5000).status_code == 404
    headers = api_headers(world.user("member"))
    assert client.get("/api/v1/reports/dashboard?city=nope", **headers).status_code == 404
    assert client.get("/api/v1/reports/dashboard?city=" + "x" * 500, **headers).status_code == 422


def test_city_boundary_is_drawn_and_private_boundary_is_not(world: World, tmp_path: Path) -> None:
    from civiclab.datasets import services as datasets
    from civiclab.geo.services import attach_boundary

    ring = [[-88.15, 30.65], [-88.05, 30.65], [-88.05, 30.75], [-88.15, 30.75], [-88.15, 30.65]]
    feature = {"type": "Feature", "properties": {"Name": "All"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    areas = datasets.import_file(
        None, world.city, "Areas", path, path.name, datasets.ImportOptions()
    ).dataset
    areas.visibility, areas.team = "team", world.team
    areas.save()
    attach_boundary(None, areas, "Name")
    seen = as_user(world.user("team_member")).get("/").content.decode()
    assert 'class="city-outline"' in seen and "<path d=" in seen
    unseen = as_user(world.user("other_team_member")).get("/").content.decode()
    assert 'class="city-outline"' not in unseen


def test_funding_deadline_and_stale_data(world: World, tmp_path: Path) -> None:
    from civiclab.datasets import services as datasets
    from civiclab.datasets.models import DatasetVersion
    from tests.funding.pipeline_factories import application

    application(world.city, title="Blight grant", deadline=TODAY + dt.timedelta(days=10))
    application(world.other_city, title="Hidden grant", deadline=TODAY + dt.timedelta(days=10))
    application(world.city, title="Far grant", deadline=TODAY + dt.timedelta(days=90))
    path = tmp_path / "notices.csv"
    path.write_text("id,opened\n1,2025-01-01\n")
    notices = datasets.import_file(
        None, world.city, "Notices", path, path.name, datasets.ImportOptions()
    ).dataset
    notices.update_frequency = "monthly"
    notices.save()
    DatasetVersion.objects.filter(pk=notices.current_version_id).update(
        created_at=timezone.now() - dt.timedelta(days=70)
    )
    cache.clear()
    data = as_user(None).get("/api/v1/reports/dashboard", **api_headers(world.user("member")))
    found = {(i["kind"], i["title"]) for i in data.json()["items"]}
    assert ("funding_deadline", "Blight grant") in found
    assert ("stale_data", "Notices") in found
    assert not any(title in ("Hidden grant", "Far grant") for _k, title in found)
    page = as_user(world.user("member")).get("/").content.decode()
    assert "Blight grant" in page and "update overdue" in page


def test_cli_attention(world: World) -> None:
    import json as json_module
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    seed(world)
    out = StringIO()
    email = world.user("member").email
    call_command("reports", "attention", "--as", email, "--json", stdout=out)
    data = json_module.loads(out.getvalue())
    assert data["cities"] == ["city-a"] and data["total"] == 4
    assert not any("Hidden" in i["title"] for i in data["items"])
    text = StringIO()
    call_command("reports", "attention", "--as", email, stdout=text)
    assert "Milestones slipping:" in text.getvalue()
    with pytest.raises(CommandError):
        call_command("reports", "attention", "--as", email, "--city", "city-f")


SEES_CITY_A = {
    "viewer",
    "member",
    "team_member",
    "other_team_member",
    "city_admin",
    "network_admin",
}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_permission_matrix_of_the_attention_list(world: World, actor: str) -> None:
    seed(world)
    response = as_user(None).get("/api/v1/reports/dashboard", **api_headers(world.user(actor)))
    assert response.status_code == 200
    titles = {i["title"] for i in response.json()["items"]}
    assert ("Survey districts" in titles) == (actor in SEES_CITY_A)
    # city B's private solution: only its own admin and the network admin
    assert ("Hidden milestone" in titles) == (actor in {"other_city_admin", "network_admin"})
    page = as_user(world.user(actor)).get("/").content.decode()
    assert ("Survey districts" in page) == (actor in SEES_CITY_A and actor != "network_admin")


def test_anonymous_api_is_refused(world: World) -> None:
    assert as_user(None).get("/api/v1/reports/dashboard").status_code == 401
