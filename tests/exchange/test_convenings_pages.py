"""The .ics parsed back, and the pages: organising through the form, answering (htmx),
the full message, notes, cancelling, the panel on the city's page."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client
from icalendar import Calendar

from civiclab.exchange.models.convenings import Convening, Rsvp
from civiclab.exchange.services import convenings as services
from civiclab.exchange.views.convenings.feeds import feed_token
from tests.clients import as_user, body
from tests.exchange.convenings_helpers import Meetings, build, convening
from tests.world import World

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def meetings(world: World) -> Meetings:
    return build(world)


def test_the_ics_parses_back_with_utc_times_a_link_and_the_status(
    world: World, meetings: Meetings, settings
) -> None:
    """GIVEN a Paris-time convening and a cancelled one WHEN the member's feed is parsed with
    icalendar THEN each VEVENT carries UID, DTSTAMP, UTC start and end, summary, description,
    location, the absolute URL of its page, and STATUS:CANCELLED for the cancelled one."""
    settings.SITE_URL = "https://civiclab.example.org"
    start = dt.datetime(2031, 3, 4, 14, 0, tzinfo=PARIS)
    paris = convening(
        world.network, "Paris forum", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        timezone="Europe/Paris", place="Hôtel de ville", description="Bring data.",
    )  # fmt: skip
    services.cancel_convening(None, meetings.forum, "Strike")
    token = feed_token(world.user("member"))
    response = Client().get(f"/exchange/convenings/feed/{token}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    events = {str(e["summary"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    event = events["Paris forum"]
    assert str(event["uid"]) == f"convening-{paris.pk}@civiclab.example.org"
    assert event.decoded("dtstamp").tzinfo is not None
    assert event.decoded("dtstart") == dt.datetime(2031, 3, 4, 13, 0, tzinfo=dt.UTC)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert event["dtstart"].to_ical().decode().endswith("Z")
    assert event["dtend"].to_ical().decode() == "20310304T150000Z"
    assert str(event["url"]) == f"https://civiclab.example.org/exchange/convenings/{paris.pk}/"
    assert str(event["location"]) == "Hôtel de ville"
    assert "Bring data." in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"
    assert str(events["Network forum"]["status"]) == "CANCELLED"
    online = events["Blight cohort meeting"]
    assert str(online["location"]) == "https://meet.example.org/blight"
    # A long description is cut in the feed (the page has it all).
    services.update_convening(None, paris, {"description": "word " * 1000})
    again = Calendar.from_ical(Client().get(f"/exchange/convenings/feed/{token}.ics").content)
    [long] = [e for e in again.walk("VEVENT") if str(e["summary"]) == "Paris forum"]
    assert "…" in str(long["description"]) and len(str(long["description"])) < 2_200
    assert int(long["sequence"]) == 1
    # The URL leads back to the page, which the member may open.
    assert as_user(world.user("member")).get(f"/exchange/convenings/{paris.pk}/").status_code == 200


def test_an_organiser_creates_and_edits_through_the_form(world: World, meetings: Meetings) -> None:
    client = as_user(world.user("network_admin"))
    assert client.get("/exchange/convenings/new/").status_code == 200
    response = client.post(
        "/exchange/convenings/new/",
        {
            "network": world.network.pk, "cohort": meetings.cohort.pk, "kind": "cohort_meeting",
            "title": "Blight check-in", "timezone": "Europe/Paris",
            "starts_at": "2031-05-06T09:30", "ends_at": "2031-05-06T11:00",
            "online_url": "https://meet.example.org/x", "capacity": "2",
            "agenda": "09:30 | Welcome | Ana Ruiz\nTour de table\n10h15 | Mobile's case | Sam",
        },
    )  # fmt: skip
    made = Convening.objects.get(title="Blight check-in")
    assert (
        response.status_code == 302 and response["Location"] == f"/exchange/convenings/{made.pk}/"
    )
    assert made.starts_at == dt.datetime(2031, 5, 6, 9, 30, tzinfo=PARIS)
    assert [(i.at, i.title, i.speaker) for i in made.agenda.all()] == [
        (dt.time(9, 30), "Welcome", "Ana Ruiz"),
        (None, "Tour de table", ""),
        (dt.time(10, 15), "Mobile's case", "Sam"),
    ]
    page = body(client.get(f"/exchange/convenings/{made.pk}/"))
    assert "6 May 2031 09:30 (Europe/Paris)" in page and "Ana Ruiz" in page
    edit = client.get(f"/exchange/convenings/{made.pk}/edit/")
    assert "09:30 | Welcome | Ana Ruiz" in body(edit)
    bad = client.post(
        f"/exchange/convenings/{made.pk}/edit/",
        {"network": world.network.pk, "kind": "cohort_meeting", "title": "x",
         "timezone": "UTC", "starts_at": "2031-05-06T09:30", "ends_at": "2031-05-06T08:00"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "The end must come after the start." in body(bad) or "cohort" in body(bad)
    # Others may not reach the forms.
    member = as_user(world.user("member"))
    assert member.get("/exchange/convenings/new/").status_code == 403
    assert member.get(f"/exchange/convenings/{made.pk}/edit/").status_code == 403
    assert member.get(f"/exchange/convenings/{made.pk}/notes/").status_code == 403


def test_answering_with_htmx_and_the_full_message(world: World, meetings: Meetings) -> None:
    services.update_convening(None, meetings.forum, {"capacity": 1})
    url = f"/exchange/convenings/{meetings.forum.pk}/rsvp/"
    first = as_user(world.user("member")).post(url, {"response": "going"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and 'aria-pressed="true">Going' in body(first)
    second = as_user(world.user("viewer")).post(url, {"response": "going"}, HTTP_HX_REQUEST="true")
    assert "This convening is full: you are on the waiting list" in body(second)
    assert "number 1" in body(second)
    plain = as_user(world.user("city_admin")).post(url, {"response": "maybe"})
    assert plain.status_code == 302
    assert Rsvp.objects.get(user=world.user("city_admin")).response == "maybe"
    refused = as_user(world.user("member")).post(url, {"response": "nope"}, HTTP_HX_REQUEST="true")
    assert "Answer going, maybe or not going" in body(refused)


def test_notes_and_cancelling(world: World, meetings: Meetings) -> None:
    admin = as_user(world.user("network_admin"))
    notes = "<script>alert(1)</script>\nWe agreed to share data."
    done = admin.post(f"/exchange/convenings/{meetings.forum.pk}/notes/", {"notes": notes})
    assert done.status_code == 302
    page = body(as_user(world.user("member")).get(f"/exchange/convenings/{meetings.forum.pk}/"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "We agreed to share data." in page
    assert (
        admin.post(
            f"/exchange/convenings/{meetings.forum.pk}/cancel/", {"reason": "Snow"}
        ).status_code
        == 302
    )
    page = body(as_user(world.user("member")).get(f"/exchange/convenings/{meetings.forum.pk}/"))
    assert "This convening was cancelled." in page and "Snow" in page
    assert (
        as_user(world.user("member"))
        .post(f"/exchange/convenings/{meetings.forum.pk}/cancel/")
        .status_code
        == 403
    )


def test_the_city_page_shows_the_upcoming_convenings(world: World, meetings: Meetings) -> None:
    page = body(as_user(world.user("member")).get("/cities/city-a/"))
    assert "Network forum" in page and "Blight cohort meeting" in page
    assert "Zqwater secret meeting" not in page
    # City B's page shown to A's member: B's cohorts' meetings A may not see stay hidden.
    page_b = body(as_user(world.user("member")).get("/cities/city-b/"))
    assert "Zqwater secret meeting" not in page_b


def test_the_pages_read_in_french(world: World, meetings: Meetings) -> None:
    member = world.user("network_admin")
    member.language = "fr"
    member.save()
    client = as_user(member)
    services.update_convening(None, meetings.forum, {"capacity": 1})
    services.set_rsvp(world.user("member"), meetings.forum, "going")
    listing = body(client.get("/exchange/convenings/"))
    assert "Rencontres" in listing and "Nouvelle rencontre" in listing
    page = body(client.get(f"/exchange/convenings/{meetings.forum.pk}/"))
    assert "Ordre du jour" in page and "1 personne inscrite" in page
    assert "Je participe" in page and "Annuler la rencontre" in page
    assert "Réunion de cohorte" in body(client.get(f"/exchange/convenings/{meetings.meeting.pk}/"))
    assert "Qui me trouve" in body(client.get("/exchange/directory/me/"))
    assert "Annuaire" in body(client.get("/exchange/directory/"))


def test_the_demo_seed_makes_the_cohort_meeting_once(db) -> None:
    from civiclab.exchange.demo_convenings import MEETING_TITLE, seed_demo_convenings
    from civiclab.network.demo import seed_demo

    seed_demo()
    assert seed_demo_convenings()
    assert seed_demo_convenings() == []
    meeting = Convening.objects.get(title=MEETING_TITLE)
    assert meeting.rsvps.filter(response="going").count() == 2
