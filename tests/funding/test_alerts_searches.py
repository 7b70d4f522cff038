"""Saved searches and followed challenges: saved checked, kept by their owner alone."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from civiclab.funding.models import DigestItem, SavedSearch
from civiclab.funding.services import alerts, digest_mail
from tests.clients import as_user, body
from tests.funding.alerts_fakes import opportunity
from tests.permission_matrix import api_headers
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def test_a_search_is_saved_with_its_filters_checked(world: World) -> None:
    """GIVEN a member of city A WHEN they save a query with filters THEN it is stored with
    the filters that differ from the default, alerts and email on."""
    member = world.user("member")
    search = alerts.save_search(
        member,
        world.city,
        "  Brownfields  ",
        "brownfield",
        {"status": "open", "categories": ["IIJ", "ENV", "IIJ"], "eligibility": "for_my_city"},
    )
    search.refresh_from_db()
    assert search.name == "Brownfields"
    assert search.filters == {"status": "open", "categories": ["ENV", "IIJ"]}
    assert (search.alerts, search.email, search.user, search.city) == (
        True,
        True,
        member,
        world.city,
    )
    assert alerts.search_filters(search).categories == ["ENV", "IIJ"]


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"colour": "red"}, "colour"),
        ({"status": "someday"}, "Status"),
        ({"eligibility": "yes"}, "Eligibility"),
        ({"closing_within": 0}, "Closing within"),
        ({"closing_within": True}, "Closing within"),
        ({"categories": ["NOPE"]}, "NOPE"),
        ({"categories": "IIJ"}, "categories"),
        ({"agencies": ["X" * 101]}, "agencies"),
        ({"agencies": [f"A{i}" for i in range(51)]}, "at most 50"),
        ({"min_ceiling": -1}, "min_ceiling"),
        ({"min_ceiling": 10, "max_ceiling": 5}, "larger than the largest"),
        ({"cost_sharing": "yes"}, "Cost sharing"),
        ({f"k{i}": 1 for i in range(100)}, "At most"),
    ],
)
def test_bad_filters_are_refused_by_name(world: World, filters: dict, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        alerts.save_search(world.user("member"), world.city, "Bad", "", filters)
    assert named in " ".join(refused.value.message_dict["filters"])
    assert not SavedSearch.objects.exists()


def test_names_and_queries_are_bounded(world: World) -> None:
    member = world.user("member")
    with pytest.raises(ValidationError) as refused:
        alerts.save_search(member, world.city, "n" * 201)
    assert "200" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        alerts.save_search(member, world.city, "ok", "q" * 501)
    assert "500" in str(refused.value)
    with pytest.raises(ValidationError):
        alerts.save_search(member, world.city, "   ")
    assert not SavedSearch.objects.exists()


def test_a_person_keeps_at_most_50(world: World) -> None:
    member = world.user("member")
    SavedSearch.objects.bulk_create(
        SavedSearch(user=member, city=world.city, name=f"s{i}") for i in range(50)
    )
    with pytest.raises(ValidationError) as refused:
        alerts.save_search(member, world.city, "one too many")
    assert "50" in str(refused.value)
    # Someone else's count is their own.
    alerts.save_search(world.user("city_admin"), world.city, "mine")


def test_only_for_a_city_one_belongs_to(world: World) -> None:
    with pytest.raises(PermissionDenied):
        alerts.save_search(world.user("other_city_admin"), world.city, "A's eligibility")
    with pytest.raises(PermissionDenied):
        alerts.save_search(None, world.city, "anonymous")


def test_following_a_challenge_needs_to_see_it(world: World) -> None:
    """GIVEN a team-only challenge WHEN someone outside the team follows it THEN refused;
    a team member follows it once (again: the same search)."""
    challenge = factories.challenge(world.city, visibility="team", team=world.team)
    with pytest.raises(PermissionDenied):
        alerts.follow_challenge(world.user("member"), challenge)
    follows = alerts.follow_challenge(world.user("team_member"), challenge)
    assert follows.challenge == challenge and follows.name == challenge.title
    assert alerts.follow_challenge(world.user("team_member"), challenge) == follows
    assert SavedSearch.objects.count() == 1


def test_only_the_owner_changes_or_deletes(world: World) -> None:
    search = alerts.save_search(world.user("member"), world.city, "Mine")
    for other in ("city_admin", "network_admin", "team_member"):
        with pytest.raises(PermissionDenied):
            alerts.update_search(world.user(other), search, alerts=False)
        with pytest.raises(PermissionDenied):
            alerts.delete_search(world.user(other), search)
    alerts.update_search(world.user("member"), search, alerts=False, name="Renamed")
    search.refresh_from_db()
    assert (search.alerts, search.name) == (False, "Renamed")


def test_pages_show_a_search_to_its_owner_only(world: World) -> None:
    """GIVEN a member's saved search WHEN others open the searches page or post to it THEN
    they neither see it nor change it (404), its owner does."""
    search = alerts.save_search(world.user("member"), world.city, "Quietly brownfields")
    settings_url = reverse("funding:search_settings", args=(search.pk,))
    delete_url = reverse("funding:search_delete", args=(search.pk,))
    for other in ("city_admin", "network_admin", "viewer"):
        client = as_user(world.user(other))
        assert "Quietly brownfields" not in body(client.get(reverse("funding:searches")))
        assert client.post(settings_url, {}).status_code == 404
        assert client.post(delete_url).status_code == 404
    assert SavedSearch.objects.get().alerts is True
    owner = as_user(world.user("member"))
    alerts.update_search(
        world.user("member"), search, filters={"status": "open", "categories": ["IIJ", "CD"]}
    )
    page = body(owner.get(reverse("funding:searches")))
    assert "Quietly brownfields" in page and "status: open · categories: CD, IIJ" in page
    # htmx: the row comes back with alerts off, email on.
    row = owner.post(settings_url, {"email": "on"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and 'id="search-' in body(row)
    search.refresh_from_db()
    assert (search.alerts, search.email) == (False, True)
    assert owner.post(delete_url).status_code == 302
    assert not SavedSearch.objects.exists()
    anonymous = as_user(None).get(reverse("funding:searches"))
    assert anonymous.status_code == 302


def test_save_this_search_from_the_catalogue(world: World) -> None:
    """GIVEN the catalogue's query and filters as its form posts them WHEN saved (htmx)
    THEN the search holds them; bad input re-renders the partial with the error."""
    client = as_user(world.user("member"))
    url = reverse("funding:search_new")
    posted = {
        "name": "Streets",
        "q": "complete streets",
        "status": "closing",
        "closing_within": "30",
        "categories": ["IIJ", "CD"],
        "agencies": ["DOT"],
        "cost_sharing": "false",
        "page": "2",  # the catalogue's own parameters are ignored
    }
    saved = client.post(url, posted, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Streets" in body(saved)
    search = SavedSearch.objects.get()
    assert search.query == "complete streets" and search.city == world.city
    assert search.filters == {
        "status": "closing",
        "closing_within": 30,
        "categories": ["CD", "IIJ"],
        "agencies": ["DOT"],
        "cost_sharing": False,
    }
    refused = client.post(
        url, {**posted, "name": "", "categories": ["NOPE"]}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 422
    assert 'name="q" value="complete streets"' in body(refused)
    assert SavedSearch.objects.count() == 1
    # Without htmx: back to the saved searches page.
    assert client.post(url, {**posted, "name": "Again"}).status_code == 302
    # A city one does not belong to is refused, nothing saved.
    refused = client.post(url, {**posted, "city": world.other_city.slug}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and SavedSearch.objects.count() == 2


def test_the_catalogue_forms_own_field_names_are_saved(world: World) -> None:
    """GIVEN the catalogue's form as htmx includes it in "Save this search" (one field per
    facet, named in the singular; cost sharing as yes/no; status "any") WHEN saved THEN the
    saved search holds the same filters under SearchFilters' names."""
    client = as_user(world.user("member"))
    posted = {
        "name": "Housing",
        "q": "vacant lots",
        "status": "any",
        "category": ["HO", "CD"],
        "instrument": ["G"],
        "funder_type": ["federal"],
        "agency": " hud ",
        "cost_sharing": "yes",
    }
    saved = client.post(reverse("funding:search_new"), posted, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200, body(saved)
    assert SavedSearch.objects.get().filters == {
        "status": "any",
        "categories": ["CD", "HO"],
        "instruments": ["G"],
        "funder_types": ["federal"],
        "agencies": ["HUD"],
        "cost_sharing": True,
    }


def test_the_partial_carries_the_catalogues_parameters(world: World, rf: RequestFactory) -> None:
    request = rf.get("/funding/?q=parks&categories=IIJ&categories=ENV")
    request.user = world.user("member")
    html = render_to_string("funding/partials/save_search.html", {}, request=request)
    assert 'name="q" value="parks"' in html
    assert html.count('name="categories"') == 2
    included = render_to_string(
        "funding/partials/save_search.html", {"catalogue_form_id": "filters"}, request=request
    )
    assert 'hx-include="#filters"' in included and 'name="q"' not in included
    request.user = AnonymousUser()
    assert render_to_string("funding/partials/save_search.html", {}, request=request).strip() == ""


def test_follow_a_challenge_from_its_page(world: World) -> None:
    challenge = factories.challenge(world.city, visibility="team", team=world.team)
    page = body(
        as_user(world.user("team_member")).get(reverse("portfolio:challenge", args=(challenge.pk,)))
    )
    follow_url = reverse("funding:follow_challenge", args=(challenge.pk,))
    assert follow_url in page
    assert as_user(world.user("member")).get(follow_url).status_code == 404
    client = as_user(world.user("team_member"))
    assert client.post(follow_url, {"name": ""}).status_code == 302
    assert SavedSearch.objects.get().challenge == challenge
    assert "already follow" in body(client.get(follow_url))


def test_api_searches_are_the_owners(world: World) -> None:
    """GIVEN a search saved through the API WHEN anyone else reads, changes, deletes it or
    dismisses its items THEN 404; its owner does all."""
    owner = as_user(None)
    headers = api_headers(world.user("member"))
    created = owner.post(
        "/api/v1/funding/searches",
        {"name": "Parks", "query": "parks", "filters": {"status": "open"}},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    search_id = created.json()["id"]
    assert created.json()["city"] == world.city.slug
    bad = owner.post(
        "/api/v1/funding/searches",
        {"name": "Bad", "filters": {"status": "never"}},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422 and "Status" in bad.content.decode()
    item = DigestItem.objects.create(
        search_id=search_id, opportunity=opportunity("Parks grant"), kind="new"
    )
    for other in ("city_admin", "network_admin"):
        them = api_headers(world.user(other))
        url = f"/api/v1/funding/searches/{search_id}"
        assert owner.get(url, **them).status_code == 404
        assert (
            owner.patch(url, {"alerts": False}, content_type="application/json", **them).status_code
            == 404
        )
        assert owner.delete(url, **them).status_code == 404
        assert owner.get("/api/v1/funding/searches", **them).json()["count"] == 0
        assert owner.get("/api/v1/funding/digest", **them).json()["count"] == 0
        assert owner.post(f"/api/v1/funding/digest/{item.pk}/dismiss", **them).status_code == 404
    url = f"/api/v1/funding/searches/{search_id}"
    patched = owner.patch(url, {"email": False}, content_type="application/json", **headers)
    assert patched.status_code == 200 and patched.json()["email"] is False
    assert (
        owner.patch(url, {"email": None}, content_type="application/json", **headers).status_code
        == 422
    )
    assert owner.get("/api/v1/funding/digest", **headers).json()["items"][0]["id"] == item.pk
    assert owner.post(f"/api/v1/funding/digest/{item.pk}/dismiss", **headers).status_code == 200
    assert owner.get("/api/v1/funding/digest", **headers).json()["count"] == 0
    assert owner.delete(url, **headers).status_code == 204
    assert not SavedSearch.objects.exists()


def test_api_follows_a_challenge_it_can_see(world: World) -> None:
    challenge = factories.challenge(world.city, visibility="team", team=world.team)
    client = as_user(None)
    payload = {"challenge": challenge.pk, "email": False}
    refused = client.post(
        "/api/v1/funding/searches", payload, content_type="application/json",
        **api_headers(world.user("member")),
    )  # fmt: skip
    assert refused.status_code == 404
    made = client.post(
        "/api/v1/funding/searches", payload, content_type="application/json",
        **api_headers(world.user("team_member")),
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["challenge"] == challenge.pk
    assert made.json()["email"] is False


def test_the_emails_unsubscribe_link_stops_that_searchs_email(world: World) -> None:
    search = alerts.save_search(world.user("member"), world.city, "Parks")
    url = reverse("funding:unsubscribe", args=(digest_mail.unsubscribe_token(search),))
    anonymous = as_user(None)
    assert "Parks" in body(anonymous.get(url))
    search.refresh_from_db()
    assert search.email is True  # opening the link changes nothing (mail scanners open it)
    assert anonymous.post(url).status_code == 200
    search.refresh_from_db()
    assert (search.email, search.alerts) == (False, True)
    forged = reverse("funding:unsubscribe", args=(f"{search.pk}:forged",))
    assert anonymous.get(forged).status_code == 404


def test_the_pages_queries_do_not_grow_with_their_rows(world: World) -> None:
    """GIVEN one, then ten saved searches with digest items WHEN their pages are opened THEN
    the number of queries is the same (no query per row)."""
    member = world.user("member")
    client = as_user(member)
    challenge = factories.challenge(world.city)

    def queries(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        search = alerts.save_search(member, world.city, f"Search {n}", "parks", {"status": "open"})
        DigestItem.objects.create(search=search, opportunity=opportunity(f"Grant {n}"), kind="new")

    add(0)
    alerts.follow_challenge(member, challenge)
    few = {url: queries(url) for url in (reverse("funding:searches"), reverse("funding:digest"))}
    for n in range(1, 10):
        add(n)
    assert {url: queries(url) for url in few} == few
