"""The audit log page people can use: names, filters, links, CSV, scoping, French."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civiclab.audit.models import AuditEvent
from civiclab.audit.services import record
from civiclab.network import services
from tests.clients import as_user, body
from tests.factories import TeamFactory
from tests.world import World

pytestmark = pytest.mark.django_db

CITY_LOG = "/cities/city-a/audit/"
CITY_CSV = "/cities/city-a/audit/export.csv"


def _named(world: World, actor: str, name: str) -> Any:
    user = world.user(actor)
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user


def _main(page: str) -> str:
    """The page's own content (the header names the reader by their address: their own)."""
    return page.partition("<main")[2] or page


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _event(world: World, actor: Any, action: str, at: datetime, repr_: str) -> None:
    AuditEvent.objects.create(
        at=at,
        actor=actor,
        actor_label=actor.email,
        action=action,
        object_type="network.team",
        object_id="",
        object_repr=repr_,
        city=world.city,
        network=world.network,
    )


def test_people_are_shown_by_name_never_by_address(world: World) -> None:
    admin = _named(world, "city_admin", "Ada Admin")
    services.create_team(admin, world.city, name="Blight squad")
    page = _main(body(as_user(admin).get(CITY_LOG)))
    assert "Ada Admin" in page
    assert "city.admin@matrix.example.org" not in page
    rows = _csv(as_user(admin).get(CITY_CSV))
    assert rows[1][1] == "Ada Admin"
    assert "@" not in rows[1][1]


def test_a_person_without_a_name_shows_the_part_before_the_at(world: World) -> None:
    admin = _named(world, "city_admin", "")
    services.create_team(admin, world.city, name="Blight squad")
    page = _main(body(as_user(admin).get(CITY_LOG)))
    assert ">city.admin</td>" in page
    assert "@matrix.example.org" not in page


def test_filters_by_person_action_kind_and_days(world: World) -> None:
    admin = _named(world, "city_admin", "Ada Admin")
    net_admin = _named(world, "network_admin", "Nina Network")
    _event(world, admin, "team.create", datetime(2026, 1, 10, 12, tzinfo=UTC), "Early team")
    _event(world, admin, "team.update", datetime(2026, 2, 10, 12, tzinfo=UTC), "Changed team")
    _event(world, net_admin, "city.update", datetime(2026, 3, 10, 12, tzinfo=UTC), "City edit")
    client = as_user(admin)

    def shown(query: str) -> set[str]:
        page = body(client.get(f"{CITY_LOG}?{query}"))
        return {n for n in ("Early team", "Changed team", "City edit") if n in page}

    assert shown("") == {"Early team", "Changed team", "City edit"}
    assert shown(f"person={net_admin.pk}") == {"City edit"}
    assert shown("verb=update") == {"Changed team", "City edit"}
    assert shown("kind=team") == {"Early team", "Changed team"}
    assert shown("kind=team&verb=update") == {"Changed team"}
    assert shown("since=2026-02-01") == {"Changed team", "City edit"}
    assert shown("until=2026-02-10") == {"Early team", "Changed team"}
    assert shown("since=2026-02-10&until=2026-02-10") == {"Changed team"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=not-a-day", "Enter a valid date."),
        ("since=1800-01-01", "Pick a day between"),
        ("since=2026-03-01&until=2026-02-01", "The last day comes before the first."),
        ("verb=explode", "Select a valid choice."),
        ("person=999999999999999999999", "Select a valid choice."),
    ],
)
def test_bad_filters_are_explained_never_a_500(world: World, query: str, message: str) -> None:
    admin = world.user("city_admin")
    services.create_team(admin, world.city, name="Blight squad")
    page = as_user(admin).get(f"{CITY_LOG}?{query}")
    assert page.status_code == 200
    assert message in body(page)
    export = as_user(admin).get(f"{CITY_CSV}?{query}")
    assert export.status_code == 400
    assert "Fix the filters first" in export.content.decode()


def test_events_link_to_objects_the_reader_may_still_see(world: World) -> None:
    admin = world.user("city_admin")
    kept = services.create_team(admin, world.city, name="Kept team")
    gone = services.create_team(admin, world.city, name="Gone team")
    services.delete_team(admin, gone)
    # An event filed in A about a team-only team of city B: A's admin may not open it.
    hidden = TeamFactory(city=world.other_city, name="Hidden team", visibility="team")
    record(admin, "team.update", hidden, city=world.city, network=world.network)
    record(admin, "city.update", world.city)
    page = body(as_user(admin).get(CITY_LOG))
    assert f'<a href="/cities/city-a/teams/{kept.slug}/">Kept team (City A)</a>' in page
    assert "Gone team" in page
    assert "Gone team</a>" not in page
    assert "Hidden team" in page
    assert "Hidden team</a>" not in page
    assert f"/teams/{hidden.slug}/" not in page
    # A city's own events are the network's (audit.services.record files them so).
    network_log = _main(body(as_user(world.user("network_admin")).get("/audit/")))
    assert '<a href="/cities/city-a/">City A</a>' in network_log
    links = {row[4].partition(" (")[0]: row[6] for row in _csv(as_user(admin).get(CITY_CSV))[1:]}
    assert links["Kept team"] == f"http://testserver/cities/city-a/teams/{kept.slug}/"
    assert links["Gone team"] == ""
    assert links["Hidden team"] == ""


def test_csv_holds_exactly_the_filtered_rows_of_the_page(world: World) -> None:
    admin = _named(world, "city_admin", "Ada Admin")
    for n in range(3):
        services.create_team(admin, world.city, name=f"Team number {n}")
    team = services.create_team(admin, world.city, name="=HYPERLINK(1)")
    services.update_team(admin, team, name="@SUM(1)")
    services.create_team(world.user("other_city_admin"), world.other_city, name="In B")
    query = "verb=create"
    page = body(as_user(admin).get(f"{CITY_LOG}?{query}"))
    assert f'href="{CITY_CSV}?{query}"' in page
    rows = _csv(as_user(admin).get(f"{CITY_CSV}?{query}"))
    assert rows[0] == ["When", "Who", "Action", "Object kind", "Object", "City", "Link"]
    objects = [row[4].removesuffix(" (City A)") for row in rows[1:]]
    assert sorted(objects) == sorted(
        ["Team number 0", "Team number 1", "Team number 2", "'=HYPERLINK(1)"]
    )
    assert {row[2] for row in rows[1:]} == {"Created"}
    assert {row[3] for row in rows[1:]} == {"Team"}
    assert {row[5] for row in rows[1:]} == {"City A"}
    for name in ("Team number 0", "Team number 1", "Team number 2"):
        assert name in page
    assert "4 events" in page


def test_another_citys_events_never_show(world: World) -> None:
    other = _named(world, "other_city_admin", "Bob Bee")
    services.create_team(world.user("city_admin"), world.city, name="Team in A")
    services.create_team(other, world.other_city, name="Secret of B")
    services.create_team(services.SYSTEM, world.foreign_city, name="Foreign F")
    admin = as_user(world.user("city_admin"))
    page = body(admin.get(CITY_LOG))
    assert "Team in A" in page
    assert "Secret of B" not in page and "Bob Bee" not in page
    # Not even by asking for B's admin as the person: not a choice here.
    filtered = body(admin.get(f"{CITY_LOG}?person={other.pk}"))
    assert "Select a valid choice." in filtered and "Secret of B" not in filtered
    assert "Secret of B" not in admin.get(CITY_CSV).content.decode()
    assert admin.get("/cities/city-b/audit/").status_code in (403, 404)
    assert admin.get("/cities/city-b/audit/export.csv").status_code in (403, 404)
    assert admin.get("/audit/export.csv").status_code == 403
    assert as_user(world.user("member")).get(CITY_CSV).status_code == 403
    network = as_user(world.user("network_admin"))
    exported = network.get("/audit/export.csv").content.decode()
    assert "Secret of B" in exported and "Team in A" in exported
    assert "Foreign F" not in exported
    assert "Foreign F" not in body(network.get("/audit/"))


def test_french_labels(world: World) -> None:
    admin = world.user("city_admin")
    admin.language = "fr"
    admin.save(update_fields=["language"])
    services.create_team(admin, world.city, name="Blight squad")
    french: dict[str, str] = {}
    page = body(as_user(admin).get(CITY_LOG, **french))
    assert "Journal d’audit" in page or "Journal d'audit" in page
    assert "Création" in page and "Équipe" in page
    assert "Type d’objet" in page
    rows = _csv(as_user(admin).get(CITY_CSV, **french))
    assert rows[0][0] == "Date"
    assert rows[1][2:4] == ["Création", "Équipe"]


def test_the_page_reads_in_a_fixed_number_of_queries(world: World) -> None:
    admin = world.user("city_admin")
    client = as_user(admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CITY_LOG).status_code == 200
        return len(queries)

    services.create_team(admin, world.city, name="First")
    few = count()
    for n in range(12):
        team = services.create_team(admin, world.city, name=f"More {n}")
        services.update_team(admin, team, name=f"Renamed {n}")
    assert count() == few


def test_portfolio_objects_link_through_the_registry(world: World) -> None:
    from civiclab.portfolio import services as portfolio

    admin = world.user("city_admin")
    challenge = portfolio.create_challenge(admin, world.city, "Potholes everywhere")
    page = body(as_user(admin).get(CITY_LOG))
    assert f'<a href="/challenges/{challenge.pk}/">Potholes everywhere' in page


def test_an_export_past_the_cap_asks_to_narrow_the_filters(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civiclab.network import views

    monkeypatch.setattr(views, "AUDIT_EXPORT_MAX_ROWS", 3)
    admin = world.user("city_admin")
    for n in range(3):
        team = services.create_team(admin, world.city, name=f"Team {n}x")
    services.update_team(admin, team, name="Renamed")
    refused = as_user(admin).get(CITY_CSV)
    assert refused.status_code == 400
    assert "narrow the filters" in refused.content.decode()
    assert len(_csv(as_user(admin).get(f"{CITY_CSV}?person={admin.pk}&verb=create"))) == 4
    assert len(_csv(as_user(admin).get(f"{CITY_CSV}?kind=city"))) == 1


def test_links_are_resolved_in_chunks(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from civiclab.audit import links

    monkeypatch.setattr(links, "CHUNK", 2)
    admin = world.user("city_admin")
    teams = [services.create_team(admin, world.city, name=f"Chunked {n}") for n in range(5)]
    rows = _csv(as_user(admin).get(CITY_CSV))[1:]
    assert {row[6] for row in rows} == {
        f"http://testserver/cities/city-a/teams/{t.slug}/" for t in teams
    }
