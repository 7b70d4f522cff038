"""Who sees which convening — on the pages, in the API and in the .ics feeds: another
network's or another cohort's convening never shows, to a guess as to a list."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from icalendar import Calendar

from civiclab.exchange.queries.convenings import visible_convenings
from civiclab.exchange.views.convenings.feeds import feed_token
from tests.clients import as_user, body
from tests.exchange.convenings_helpers import Meetings, build
from tests.world import ACTORS, World

pytestmark = pytest.mark.django_db

# Who sees what, by the world's actors: F = forum, M = A's cohort meeting, O = the other
# cohort's meeting (B only), X = the foreign network's webinar.
EXPECTED = {
    "anonymous": "",
    "no_membership": "",
    "other_network_admin": "X",
    "other_city_admin": "FMO",
    "viewer": "FM",
    "member": "FM",
    "team_member": "FM",
    "other_team_member": "FM",
    "city_admin": "FM",
    "network_admin": "FMO",
}


@pytest.fixture
def meetings(world: World) -> Meetings:
    return build(world)


def letters(meetings: Meetings, titles: set[str]) -> str:
    named = {
        "F": meetings.forum, "M": meetings.meeting, "O": meetings.other_meeting,
        "X": meetings.foreign,
    }  # fmt: skip
    return "".join(k for k, c in named.items() if c.title in titles)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_query_the_pages_and_the_api_agree(world: World, meetings: Meetings, actor) -> None:
    user = world.user(actor)
    assert (
        letters(meetings, set(visible_convenings(user).values_list("title", flat=True)))
        == (EXPECTED[actor])
    )
    client = as_user(user)
    every = [meetings.forum, meetings.meeting, meetings.other_meeting, meetings.foreign]
    api = client.get("/api/v1/exchange/convenings", {"when": "all"})
    if user is None:
        assert api.status_code == 200 and api.json()["count"] == 0
    else:
        titles = {item["title"] for item in api.json()["items"]}
        assert letters(meetings, titles) == EXPECTED[actor]
        assert api.json()["count"] == len(EXPECTED[actor])
        page = body(client.get("/exchange/convenings/"))
        assert letters(meetings, {c.title for c in every if c.title in page}) == EXPECTED[actor]
    for convening in every:
        shown = letters(meetings, {convening.title})
        expected = 200 if shown in EXPECTED[actor] else 404
        assert client.get(f"/api/v1/exchange/convenings/{convening.pk}").status_code == expected
        response = client.get(f"/exchange/convenings/{convening.pk}/")
        if user is None:
            assert response.status_code == 302  # to the sign-in page
        else:
            assert response.status_code == expected
            assert client.get(f"/exchange/convenings/{convening.pk}.ics").status_code == expected


def feed_titles(response) -> set[str]:
    assert response.status_code == 200
    return {str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_the_feeds_show_what_their_person_sees(world: World, meetings: Meetings, actor) -> None:
    user = world.user(actor)
    token = feed_token(user)
    person = feed_titles(Client().get(f"/exchange/convenings/feed/{token}.ics"))
    assert letters(meetings, person) == EXPECTED[actor]
    network = Client().get(f"/exchange/networks/matrix-net/convenings/{token}.ics")
    if "F" in EXPECTED[actor]:
        assert letters(meetings, feed_titles(network)) == EXPECTED[actor].replace("X", "")
    else:
        assert network.status_code == 404
    cohort = Client().get(f"/exchange/networks/matrix-net/cohorts/water/convenings/{token}.ics")
    if "O" in EXPECTED[actor]:
        assert letters(meetings, feed_titles(cohort)) == "O"
    else:
        assert cohort.status_code == 404


def test_a_declined_convening_leaves_the_personal_feed(world: World, meetings: Meetings) -> None:
    member = world.user("member")
    client = as_user(member)
    client.post(f"/exchange/convenings/{meetings.forum.pk}/rsvp/", {"response": "not_going"})
    token = feed_token(member)
    assert letters(meetings, feed_titles(Client().get(f"/exchange/convenings/feed/{token}.ics")))
    assert "Network forum" not in feed_titles(
        Client().get(f"/exchange/convenings/feed/{token}.ics")
    )


def test_tampered_or_outdated_tokens_are_refused(world: World, meetings: Meetings) -> None:
    member = world.user("member")
    token = feed_token(member)
    bad = token[:-2] + ("A" if token[-1] != "A" else "B") * 2
    for wrong in (bad, "nonsense", "x" * 300):
        assert Client().get(f"/exchange/convenings/feed/{wrong}.ics").status_code == 404
    # A funding feed's token opens no convening feed (another salt).
    from civiclab.funding.views.calendar import feed_token as funding_token

    funding = funding_token(member)
    assert Client().get(f"/exchange/convenings/feed/{funding}.ics").status_code == 404
    member.set_password("another-long-password-42")
    member.save()
    assert Client().get(f"/exchange/convenings/feed/{token}.ics").status_code == 404


def test_the_api_refuses_writes_of_non_organisers(world: World, meetings: Meetings) -> None:
    client = as_user(world.user("city_admin"))
    made = client.post(
        "/api/v1/exchange/convenings",
        json.dumps({"network": "matrix-net", "title": "x", "starts_at": "2031-01-01T10:00Z",
                    "ends_at": "2031-01-01T11:00Z"}),
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 403
    assert made.json()["error"]["code"] == "forbidden"
    patched = client.patch(
        f"/api/v1/exchange/convenings/{meetings.forum.pk}",
        json.dumps({"title": "Mine"}),
        content_type="application/json",
    )
    assert patched.status_code == 403
    # Another network's convening is not found, rather than forbidden.
    foreign = client.put(
        f"/api/v1/exchange/convenings/{meetings.foreign.pk}/rsvp",
        json.dumps({"response": "going"}),
        content_type="application/json",
    )
    assert foreign.status_code == 404


def test_the_api_organises_and_answers(world: World, meetings: Meetings) -> None:
    """GIVEN the network's admin WHEN they create, change, answer, attach notes and cancel
    through the API THEN each answer has the convening as the page shows it; bad input is a
    422 naming the field; a cancelled convening's answer is a 409."""
    admin = as_user(world.user("network_admin"))

    def send(method: str, url: str, data: dict) -> object:
        return getattr(admin, method)(
            f"/api/v1/exchange/convenings{url}", json.dumps(data), content_type="application/json"
        )

    made = send("post", "", {
        "network": "matrix-net", "title": "API forum", "kind": "cohort_meeting",
        "cohort": meetings.cohort.pk, "starts_at": "2031-06-01T14:00+02:00",
        "ends_at": "2031-06-01T16:00+02:00", "timezone": "Europe/Paris", "capacity": 1,
        "agenda": [{"at": "14:00", "title": "Welcome", "speaker": "Ana"}],
    })  # fmt: skip
    assert made.status_code == 201, made.content
    detail = made.json()
    assert detail["starts_at"].startswith("2031-06-01T12:00") and detail["cohort"] == (
        meetings.cohort.pk
    )
    assert detail["agenda"] == [{"at": "14:00:00", "title": "Welcome", "speaker": "Ana"}]
    assert detail["url"].endswith(f"/exchange/convenings/{detail['id']}/")
    url = f"/{detail['id']}"
    naive = send("patch", url, {"starts_at": "2031-06-01T09:00"})
    assert naive.status_code == 422
    assert naive.json()["error"]["details"][0]["field"] == "starts_at"
    other = send("patch", url, {"cohort": meetings.other_cohort.pk + 1000})
    assert other.status_code == 422
    member = as_user(world.user("member"))
    going = member.put(
        f"/api/v1/exchange/convenings{url}/rsvp", json.dumps({"response": "going"}),
        content_type="application/json",
    )  # fmt: skip
    assert going.json()["response"] == "going"
    full = send("put", f"{url}/rsvp", {"response": "going"})
    assert full.json()["response"] == "waitlist" and "full" in full.json()["message"]
    assert member.get(f"/api/v1/exchange/convenings{url}").json()["my_response"] == "going"
    assert send("put", f"{url}/notes", {"notes": "Done."}).json()["notes"] == "Done."
    cancelled = send("post", f"{url}/cancel", {"reason": "Rain"})
    assert cancelled.json()["cancelled"] is True and cancelled.json()["cancel_reason"] == "Rain"
    closed = send("put", f"{url}/rsvp", {"response": "maybe"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "convening_closed"
