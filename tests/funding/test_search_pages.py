"""The catalogue page, the matches pages and the search API: visibility, defaults, dismissals."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from civiclab.funding.models import MatchDismissal
from tests.clients import as_user, body
from tests.funding.search_helpers import opportunity
from tests.permission_matrix import api_headers
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_for_my_city_for_a_member_and_all_for_anonymous(world: World) -> None:
    """GIVEN an opportunity for cities and one for individuals WHEN a member of city A opens
    the catalogue THEN only the first is listed, with its chip and reasons; an anonymous visitor
    sees both."""
    opportunity(title="Sidewalk repair for cities", applicant_codes=["02"])
    opportunity(title="Sidewalk scholarships for individuals", applicant_codes=["21"])
    page = body(as_user(world.user("member")).get("/funding/?q=sidewalk"))
    assert "Sidewalk repair for cities" in page and "individuals" not in page
    assert "Eligible" in page and "City or township governments" in page
    anonymous = body(as_user(None).get("/funding/?q=sidewalk"))
    assert "Sidewalk repair" in anonymous and "Sidewalk scholarships" in anonymous


def test_htmx_gets_the_results_only_and_bad_filters_are_named(world: World) -> None:
    opportunity(title="Trees")
    client = as_user(None)
    partial = body(client.get("/funding/?q=trees", HTTP_HX_REQUEST="true"))
    assert partial.startswith('<div id="funding-results"') and "Trees" in partial
    refused = client.get("/funding/?closing_within=9999")
    assert refused.status_code == 200 and "Correct the filters" in body(refused)


def test_the_matches_page_shows_why_and_dismisses(world: World) -> None:
    made = opportunity(title="Blight removal for vacant homes", activity_categories=["HO"])
    challenge = factories.challenge(world.city, priority_area="housing")
    client = as_user(world.user("member"))
    page = body(client.get(f"/funding/challenges/{challenge.pk}/matches/"))
    assert "Blight removal" in page and "Matching words" in page
    response = client.post(
        f"/funding/challenges/{challenge.pk}/dismissals/",
        {"opportunity": made.pk, "reason": "not_relevant", "note": "Done"},
    )
    assert response.status_code == 302
    assert MatchDismissal.objects.filter(challenge=challenge, opportunity=made).exists()
    page = body(client.get(f"/funding/challenges/{challenge.pk}/matches/"))
    assert "Dismissed" in page and "Done" in page
    client.post(
        f"/funding/challenges/{challenge.pk}/dismissals/", {"undo": "1", "opportunity": made.pk}
    )
    assert not MatchDismissal.objects.exists()


def test_a_private_challenges_matches_are_a_404_to_others(world: World) -> None:
    challenge = factories.challenge(world.city, visibility="team", team=world.team)
    solution = factories.solution(challenge)
    for actor in ("member", "other_city_admin", "anonymous"):
        client = as_user(world.user(actor))
        assert client.get(f"/funding/challenges/{challenge.pk}/matches/").status_code == 404
        assert client.get(f"/funding/solutions/{solution.pk}/matches/").status_code == 404
    viewer = as_user(world.user("team_member"))
    assert viewer.get(f"/funding/solutions/{solution.pk}/matches/").status_code == 200


def test_a_viewer_may_not_dismiss(world: World) -> None:
    made = opportunity(title="Blight")
    challenge = factories.challenge(world.city)
    response = as_user(world.user("viewer")).post(
        f"/funding/challenges/{challenge.pk}/dismissals/",
        {"opportunity": made.pk, "reason": "not_relevant"},
    )
    assert response.status_code == 403
    assert not MatchDismissal.objects.exists()


def test_the_challenge_page_links_its_matches(world: World) -> None:
    challenge = factories.challenge(world.city)
    page = body(as_user(world.user("member")).get(f"/challenges/{challenge.pk}/"))
    assert f"/funding/challenges/{challenge.pk}/matches/" in page


def test_the_api_searches_matches_and_dismisses(world: World) -> None:
    made = opportunity(title="Blight removal for vacant homes", applicant_codes=["02"])
    opportunity(title="Blight research", applicant_codes=["06"])
    member = world.user("member")
    client = as_user(None)
    found = client.get("/api/v1/funding/opportunities?q=blight", **api_headers(member)).json()
    assert [i["opportunity_id"] for i in found["items"]] == [made.external_id]
    assert found["items"][0]["eligibility"] == "eligible" and found["items"][0]["reasons"]
    everything = client.get("/api/v1/funding/opportunities?q=blight").json()
    assert everything["total"] == 2 and "eligibility" in everything["facets"]
    refused = client.get("/api/v1/funding/opportunities?status=soon")
    assert refused.status_code == 422
    challenge = factories.challenge(world.city)
    url = f"/api/v1/funding/challenges/{challenge.pk}/matches"
    matches = client.get(url, **api_headers(member)).json()
    assert matches["items"][0]["opportunity_id"] == made.external_id
    assert matches["items"][0]["why"]
    dismissed = client.post(
        f"/api/v1/funding/challenges/{challenge.pk}/dismissals",
        data=json.dumps({"opportunity_id": made.pk, "reason": "too_small"}),
        content_type="application/json",
        **api_headers(member),
    )
    assert dismissed.status_code == 201, dismissed.content
    assert client.get(url, **api_headers(member)).json()["items"] == []
    undone = client.delete(
        f"/api/v1/funding/challenges/{challenge.pk}/dismissals/{made.pk}", **api_headers(member)
    )
    assert undone.status_code == 204
    private = factories.challenge(world.city, visibility="team", team=world.team)
    hidden = client.get(f"/api/v1/funding/challenges/{private.pk}/matches", **api_headers(member))
    assert hidden.status_code == 404
    viewer = client.post(
        f"/api/v1/funding/challenges/{challenge.pk}/dismissals",
        data=json.dumps({"opportunity_id": made.pk, "reason": "too_small"}),
        content_type="application/json",
        **api_headers(world.user("viewer")),
    )
    assert viewer.status_code == 403


def test_a_french_reader_reads_why_in_french(world: World) -> None:
    opportunity(title="Blight removal for vacant homes", activity_categories=["HO"])
    challenge = factories.challenge(world.city, priority_area="housing")
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = body(client.get(f"/funding/challenges/{challenge.pk}/matches/"))
    assert "Mots en commun" in page and "Logement" in page
    catalogue = body(client.get("/funding/?q=blight"))
    assert "Éligible" in catalogue and "Rechercher" in catalogue
