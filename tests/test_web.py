"""The web UI: navigation, city and team pages, member management with htmx."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from civiclab.accounts.models import User
from civiclab.network.models import City, Membership, Team
from tests.clients import as_user
from tests.world import World

pytestmark = pytest.mark.django_db


def test_every_section_of_the_navigation_answers(world: World) -> None:
    client = as_user(world.user("member"))
    home = client.get("/")
    assert home.status_code == 200
    for label in ("Network", "City", "Challenges", "Data", "Funding", "Exchange"):
        assert f">{label}</a>" in home.content.decode()
    for url in (
        "/network/",
        "/sections/challenges/",
        "/data/",
        "/funding/",
        "/exchange/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/sections/exchange/").status_code == 404  # the Exchange tab is real now
    assert client.get("/sections/funding/").status_code == 404  # the Funding tab is real now
    assert client.get("/sections/nothing/").status_code == 404
    assert client.get("/sections/data/").status_code == 404  # the Data tab is real now
    assert client.get("/city/").url == "/cities/city-a/"


def test_anonymous_home_lists_only_public_cities(world: World) -> None:
    world.other_city.visibility = "public"
    world.other_city.save()
    page = Client().get("/").content.decode()
    assert "City B" in page and "City A" not in page


def test_city_page_shows_members_only_to_the_city(world: World) -> None:
    page = as_user(world.user("viewer")).get("/cities/city-a/").content.decode()
    assert "team.member@matrix.example.org" not in page  # names, not emails, on the city page
    assert "Members" in page
    other = as_user(world.user("other_city_admin")).get("/cities/city-a/").content.decode()
    assert "Members" not in other and "Manage members" not in other


def test_city_admin_edits_the_city_and_a_member_cannot(world: World) -> None:
    data = {
        "name": "City A+",
        "region": "North",
        "population": "1000",
        "timezone": "Europe/Paris",
        "default_language": "fr",
        "visibility": "public",
        "description": "",
    }
    assert as_user(world.user("member")).post("/cities/city-a/edit/", data).status_code == 403
    response = as_user(world.user("city_admin")).post("/cities/city-a/edit/", data)
    assert response.status_code == 302
    city = City.objects.get(slug="city-a")
    assert (city.name, city.visibility, city.default_language) == ("City A+", "public", "fr")


def test_city_form_reports_a_bad_time_zone(world: World) -> None:
    data = {
        "name": "City A",
        "timezone": "Mars/Base",
        "default_language": "en",
        "visibility": "network",
    }
    response = as_user(world.user("city_admin")).post("/cities/city-a/edit/", data)
    assert response.status_code == 200
    assert "Mars/Base is not a known time zone" in response.content.decode()


def test_team_create_edit_delete(world: World) -> None:
    admin = as_user(world.user("city_admin"))
    created = admin.post(
        "/cities/city-a/teams/new/", {"name": "Housing", "slug": "housing", "visibility": "city"}
    )
    assert created.status_code == 302
    team = Team.objects.get(slug="housing")
    duplicate = admin.post(
        "/cities/city-a/teams/new/", {"name": "Housing 2", "slug": "housing", "visibility": "city"}
    )
    assert duplicate.status_code == 200  # the form explains the clash instead of a 500
    assert as_user(world.user("member")).get("/cities/city-a/teams/new/").status_code == 403
    admin.post(
        "/cities/city-a/teams/housing/edit/",
        {"name": "Housing team", "slug": "housing", "visibility": "network"},
    )
    team.refresh_from_db()
    assert team.name == "Housing team"
    assert (
        as_user(world.user("member")).post("/cities/city-a/teams/housing/delete/").status_code
        == 403
    )
    assert admin.post("/cities/city-a/teams/housing/delete/").status_code == 302
    assert not Team.objects.filter(slug="housing").exists()


def test_member_management_adds_invites_changes_and_removes(world: World) -> None:
    admin = as_user(world.user("city_admin"))
    assert admin.get("/cities/city-a/members/").status_code == 200
    # A person without an account is created and invited by email.
    response = admin.post(
        "/cities/city-a/members/",
        {
            "email": "New.Person@example.org",
            "full_name": "New Person",
            "role": "member",
            "team": world.team.pk,
        },
    )
    assert response.status_code == 302
    newcomer = User.objects.get(email="new.person@example.org")
    membership = Membership.objects.get(user=newcomer)
    assert (membership.city, membership.team, membership.role) == (world.city, world.team, "member")
    assert len(mail.outbox) == 1 and "City A" in mail.outbox[0].subject
    assert "/accounts/password/reset/" in mail.outbox[0].body
    # Adding the same person twice is explained, not a crash.
    again = admin.post(
        "/cities/city-a/members/", {"email": "new.person@example.org", "role": "viewer"}
    )
    assert again.status_code == 200 and "already a member" in again.content.decode()
    # htmx changes one row and returns just that row.
    row = admin.post(
        f"/cities/city-a/members/{membership.pk}/",
        {f"m{membership.pk}-role": "viewer", f"m{membership.pk}-team": ""},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200
    assert row.content.decode().lstrip().startswith(f'<tr id="member-{membership.pk}"')
    membership.refresh_from_db()
    assert (membership.role, membership.team) == ("viewer", None)
    admin.post(f"/cities/city-a/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_city_admin_is_kept(world: World) -> None:
    admin = as_user(world.user("city_admin"))
    own = Membership.objects.get(user=world.user("city_admin"))
    row = admin.post(
        f"/cities/city-a/members/{own.pk}/", {f"m{own.pk}-role": "member"}, HTTP_HX_REQUEST="true"
    )
    assert "at least one city admin" in row.content.decode()
    own.refresh_from_db()
    assert own.role == "city_admin"


@pytest.mark.parametrize("actor", ["member", "viewer", "other_city_admin", "no_membership"])
def test_only_admins_manage_members(world: World, actor: str) -> None:
    client = as_user(world.user(actor))
    target = Membership.objects.get(user=world.user("member"))
    assert client.get("/cities/city-a/members/").status_code in (403, 404)
    assert client.post(
        "/cities/city-a/members/", {"email": "x@example.org", "role": "city_admin"}
    ).status_code in (403, 404)
    assert client.post(
        f"/cities/city-a/members/{target.pk}/", {f"m{target.pk}-role": "city_admin"}
    ).status_code in (403, 404)
    assert client.post(f"/cities/city-a/members/{target.pk}/remove/").status_code in (403, 404)
    target.refresh_from_db()
    assert target.role == "member"
    assert not User.objects.filter(email="x@example.org").exists()


def test_profile_and_language_preference(world: World) -> None:
    client = as_user(world.user("member"))
    response = client.post("/accounts/profile/", {"full_name": "Dana", "language": "fr"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.user("member").pk).language == "fr"
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_healthz() -> None:
    assert Client().get("/healthz").json()["status"] == "ok"


def test_every_response_says_the_servers_time_and_queries(world: World) -> None:
    """GIVEN a member WHEN they load a page and an API list THEN each response's
    Server-Timing header says the request's time and its SQL queries' time and number (the
    benchmarks read it), the number being what the request ran."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(world.user("member"))
    for url in ("/", "/api/v1/cities"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        timing = response.headers["Server-Timing"]
        found = re.fullmatch(r'app;dur=([0-9.]+), db;dur=([0-9.]+);desc="(\d+) queries"', timing)
        assert found, timing
        assert float(found.group(2)) <= float(found.group(1))
        assert int(found.group(3)) == len(queries) > 0
