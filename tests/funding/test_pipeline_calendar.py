"""The deadline calendar and its .ics feeds: valid iCalendar, scoped to the token's person,
refused when the token is tampered with or outdated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from civiclab.funding.views.calendar import feed_token, user_of_token
from tests.clients import as_user, body
from tests.funding import pipeline_factories as make
from tests.world import World

pytestmark = pytest.mark.django_db


def soon(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def deadlines(world: World) -> None:
    opportunity = make.opportunity(title="HUD closes", close_date=soon(30))
    make.application(world.city, title="City grant", deadline=soon(20), opportunity=opportunity)
    make.application(
        world.city, title="Zqsecret application", deadline=soon(10),
        visibility="team", team=world.team,
    )  # fmt: skip
    make.application(world.city, title="Past grant", deadline=soon(-3))
    make.application(world.city, title="Won grant", deadline=soon(5), status="awarded")
    make.application(world.other_city, title="B grant", deadline=soon(7), visibility="network")


def feed(user, slug: str = "city-a", team: str | None = None, token: str | None = None):
    token = token if token is not None else feed_token(user)
    path = f"/funding/cities/{slug}/" + (f"teams/{team}/" if team else "")
    return Client().get(f"{path}calendar/{token}.ics")


def summaries(response) -> list[tuple[str, dt.date]]:
    calendar = Calendar.from_ical(response.content)
    return [(str(e["summary"]), e.decoded("dtstart")) for e in calendar.walk("VEVENT")]


def test_the_feed_is_valid_icalendar_of_what_its_person_sees(world: World, deadlines) -> None:
    """GIVEN deadlines of A (one team-only, one past, one closed) WHEN a member of A outside
    the team fetches their feed without a session THEN a valid calendar lists the open city
    deadline and its opportunity's close date, soonest first — not the team's, the past or the
    closed one; the team's member's feed adds the team's."""
    response = feed(world.user("member"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    assert summaries(response) == [
        ("Deadline: City grant", soon(20)),
        ("Closes: HUD closes", soon(30)),
    ]
    team = summaries(feed(world.user("team_member")))
    assert ("Deadline: Zqsecret application", soon(10)) in team


def test_the_team_feed_lists_the_teams_only(world: World, deadlines) -> None:
    team = summaries(feed(world.user("team_member"), team="team-t"))
    assert team == [("Deadline: Zqsecret application", soon(10))]
    # A member outside the team sees the team (teams are visible) but none of its secrets.
    outside = feed(world.user("member"), team="team-t")
    assert outside.status_code == 200 and summaries(outside) == []


def test_tampered_tokens_are_refused(world: World, deadlines) -> None:
    member = world.user("member")
    token = feed_token(member)
    for bad in (token[:-2] + ("A" if token[-1] != "A" else "B") * 2, "nonsense", "x" * 300):
        assert feed(member, token=bad).status_code == 404
    # Another person's id under the same signature fails too (the payload is signed).
    assert user_of_token(token).pk == member.pk


def test_a_password_change_or_deactivation_ends_the_feed(world: World, deadlines) -> None:
    member = world.user("member")
    token = feed_token(member)
    member.set_password("a new password 123")
    member.save()
    assert feed(member, token=token).status_code == 404
    fresh = feed_token(member)
    assert feed(member, token=fresh).status_code == 200
    member.is_active = False
    member.save()
    assert feed(member, token=fresh).status_code == 404


def test_a_city_the_person_may_not_see_is_not_found(world: World, deadlines) -> None:
    assert feed(world.user("other_network_admin")).status_code == 404


def test_the_calendar_page_shows_the_feed_address(world: World, deadlines) -> None:
    client = as_user(world.user("member"))
    page = body(client.get("/funding/cities/city-a/calendar/"))
    assert "City grant" in page and "HUD closes" in page and "Zqsecret" not in page
    assert f"/funding/cities/city-a/calendar/{feed_token(world.user('member'))}.ics" in page
    assert Client().get("/funding/cities/city-a/calendar/").status_code == 302


def test_the_registration_expiry_is_a_date_for_the_citys_people(world: World, deadlines) -> None:
    """GIVEN A's SAM.gov registration expiring in 15 days THEN A's member's feed and page show
    it among the deadlines; city B's admin, who may open A's calendar, never sees it (the
    profile is A's own)."""
    from civiclab.funding.services.pipeline import set_profile

    set_profile(None, world.city, ["02"], [], soon(15))
    assert summaries(feed(world.user("member"))) == [
        ("SAM.gov registration expires", soon(15)),
        ("Deadline: City grant", soon(20)),
        ("Closes: HUD closes", soon(30)),
    ]
    page = body(as_user(world.user("member")).get("/funding/cities/city-a/calendar/"))
    assert "SAM.gov registration expires" in page
    outsider = summaries(feed(world.user("other_city_admin")))
    assert all("SAM.gov" not in summary for summary, _day in outsider)
