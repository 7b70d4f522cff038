"""The directory: each person's choice (hidden, my city, network) is respected in results,
counts and filters, on the page and in the API; what shows of them is what they chose; their
work only as far as the reader may see it."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.exchange.queries.directory import cards, visible_people
from civiclab.exchange.services.directory import set_entry
from tests.clients import as_user, body
from tests.factories import MembershipFactory, UserFactory
from tests.portfolio.factories import challenge
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: World) -> dict[str, object]:
    """member (A): network, with topics and skills; viewer (A): hidden; other_city_admin (B):
    my city; bnet (B): network; fnet (foreign network): network; the others: the default."""
    set_entry(
        None, world.user("member"),
        {"visibility": "network", "headline": "Vacant lots", "show_team": False},
        topics=["Blight", "Données ouvertes", "blight "], skills=["GIS"],
    )  # fmt: skip
    set_entry(None, world.user("viewer"), {"visibility": "hidden"})
    set_entry(None, world.user("other_city_admin"), {"visibility": "city"})
    bnet = UserFactory(full_name="Bea Network", email="bea@b.example.org")
    MembershipFactory(user=bnet, city=world.other_city, role="member")
    set_entry(None, bnet, {"visibility": "network", "show_email": True}, topics=["Water"])
    fnet = UserFactory(full_name="Zqforeign Person")
    MembershipFactory(user=fnet, city=world.foreign_city, role="member")
    set_entry(None, fnet, {"visibility": "network"})
    challenge(
        world.city, visibility="city", title="Zqprivate challenge", owner=world.user("member")
    )
    challenge(world.city, visibility="network", title="Shared blight", owner=world.user("member"))
    return {"bnet": bnet, "fnet": fnet}


def found(world: World, reader: str, **filters: str) -> set[str]:
    return {u.email for u in visible_people(world.user(reader), **filters)}


def email(actor: str) -> str:
    return f"{actor.replace('_', '.')}@matrix.example.org"


def test_each_choice_is_respected(world: World, people) -> None:
    a_defaults = {email(a) for a in ("team_member", "other_team_member", "city_admin")}
    assert found(world, "member") == {email("member"), "bea@b.example.org", *a_defaults}
    # B's city admin chose "my city": A's people never find them; B's people do.
    assert found(world, "other_city_admin") == {
        email("member"), "bea@b.example.org", email("other_city_admin")
    }  # fmt: skip
    # The hidden viewer finds others but only they find themselves.
    assert email("viewer") in found(world, "viewer")
    assert all(email("viewer") not in found(world, a) for a in ("member", "city_admin"))
    # A network admin of no city finds only who chose the network.
    assert found(world, "network_admin") == {email("member"), "bea@b.example.org"}
    assert found(world, "other_network_admin") == {people["fnet"].email}
    assert found(world, "no_membership") == set()
    assert visible_people(None).count() == 0


def test_filters_and_counts_never_reveal_the_hidden(world: World, people) -> None:
    assert found(world, "member", city="city-b") == {"bea@b.example.org"}
    assert found(world, "member", topic="donnees OUVERTES") == {email("member")}
    assert found(world, "member", skill="gis") == {email("member")}
    assert found(world, "member", q="vacant") == {email("member")}
    assert found(world, "member", topic="water") == {"bea@b.example.org"}
    api = as_user(world.user("member")).get("/api/v1/exchange/directory", {"city": "city-b"})
    assert api.status_code == 200 and api.json()["count"] == 1
    everyone = as_user(world.user("member")).get("/api/v1/exchange/directory").json()
    assert everyone["count"] == len(everyone["items"]) == 5
    assert email("viewer") not in json.dumps(everyone)
    assert email("other_city_admin") not in json.dumps(everyone)
    page = body(as_user(world.user("member")).get("/exchange/directory/", {"city": "city-b"}))
    assert "Bea Network" in page and "1 person" in page
    assert as_user(None).get("/api/v1/exchange/directory").json()["count"] == 0


def test_the_card_shows_what_the_person_chose_and_the_reader_may_see(world: World, people) -> None:
    member = world.user("member")
    [for_a] = cards(world.user("city_admin"), [member])
    [for_b] = cards(world.user("other_city_admin"), [member])
    assert for_a.topics == ["Blight", "Données ouvertes"] and for_a.skills == ["GIS"]
    assert for_a.email is None  # not shown by default
    assert for_a.places == [
        {"city": "City A", "city_slug": "city-a", "team": None, "role": "Member"}
    ]
    assert {w["title"] for w in for_a.work} == {"Zqprivate challenge", "Shared blight"}
    # B's admin sees only the challenge shared with the network.
    assert {w["title"] for w in for_b.work} == {"Shared blight"}
    [bea] = cards(world.user("member"), [people["bnet"]])
    assert bea.email == "bea@b.example.org"
    page = body(as_user(world.user("other_city_admin")).get("/exchange/directory/"))
    assert "Zqprivate challenge" not in page and "Shared blight" in page


def test_only_the_person_sets_their_entry_and_it_is_audited(world: World, people) -> None:
    with pytest.raises(PermissionDenied):
        set_entry(world.user("city_admin"), world.user("member"), {"visibility": "hidden"})
    with pytest.raises(ValidationError):
        set_entry(world.user("member"), world.user("member"), {"visibility": "public"})
    with pytest.raises(ValidationError):
        set_entry(world.user("member"), world.user("member"), {}, topics=["x" * 81])
    with pytest.raises(ValidationError):
        set_entry(
            world.user("member"), world.user("member"), {}, skills=[f"s{i}" for i in range(31)]
        )
    client = as_user(world.user("member"))
    response = client.post(
        "/exchange/directory/me/",
        {"visibility": "hidden", "headline": "Lots", "topics": "blight; housing", "skills": ""},
    )
    assert response.status_code == 302
    assert email("member") not in found(world, "other_city_admin")
    event = AuditEvent.objects.filter(action="directoryentry.update").order_by("-pk").first()
    assert event.actor == world.user("member")
    assert event.details["changes"]["visibility"] == ["network", "hidden"]
    api = client.put(
        "/api/v1/exchange/directory/me",
        json.dumps({"visibility": "network", "skills": ["GIS", "SQL"]}),
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["skills"] == ["GIS", "SQL"]
    assert api.json()["topics"] == ["blight", "housing"]
    assert client.get("/api/v1/exchange/directory/me").json()["visibility"] == "network"
    bad = client.put(
        "/api/v1/exchange/directory/me", json.dumps({"visibility": "public"}),
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422
    form = body(client.get("/exchange/directory/me/"))
    assert "Who finds me" in form


def test_a_new_person_is_found_by_their_city_only(world: World) -> None:
    """GIVEN a member who never chose WHEN others search THEN the default applies: their
    city's people find them, the rest of the network does not."""
    assert email("member") in found(world, "city_admin")
    assert email("member") not in found(world, "other_city_admin")
    assert email("member") not in found(world, "network_admin")


def test_htmx_refreshes_the_results_only(world: World, people) -> None:
    client = as_user(world.user("member"))
    partial = body(client.get("/exchange/directory/", {"topic": "water"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in partial and "Bea Network" in partial and "1 person" in partial
    assert 'id="directory-results"' in partial
