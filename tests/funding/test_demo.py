"""The issue's "done when", on the demo: the catalogue is imported; Mobile sees the open
opportunities it may apply to and why, gets ranked matches for its blight challenge with
reasons (the one it dismissed left out), and its award is counted in its solution's, its
city's and the network's funding leveraged — the same numbers on the pages, the CLI and the API.
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from civiclab.funding.demo import AWARD, MOBILE_CHALLENGE, NOT_FOR_BLIGHT, demo_award
from civiclab.funding.models import Application, MatchDismissal, Opportunity
from civiclab.portfolio.models import Challenge
from tests.clients import as_user, body
from tests.permission_matrix import api_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    from civiclab.funding.demo import seed_demo_funding
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio

    seed_demo()
    seed_demo_portfolio()
    made = seed_demo_funding()
    assert any("awarded" in line for line in made), made
    assert seed_demo_funding() == []  # once


def _person(email: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=email)


def _cli(*args: str) -> Any:
    out = StringIO()
    call_command("funding", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_mobile_sees_what_it_may_apply_to_and_why(seeded: None) -> None:
    """GIVEN the demo WHEN Mobile searches the catalogue (CLI and API, for its city) THEN the
    open opportunities come with eligibility and reasons, the brownfields grant eligible as a
    city government; the French fund is not offered to Mobile; the page says the same."""
    found = _cli("search", "vacant blighted property", "--eligible-for", "mobile")
    by_id = {row["opportunity_id"]: row for row in found}
    brownfields = by_id["900101"]
    assert brownfields["eligibility"] == "eligible"
    assert any("code 02" in reason for reason in brownfields["reasons"])
    analyst = _person("mobile.analyst@demo.civiclab.org")
    api = as_user(analyst).get(
        "/api/v1/funding/opportunities",
        {"q": "vacant blighted property", "city": "mobile"},
        **api_headers(analyst),
    )
    assert api.status_code == 200, api.content
    items = api.json()["items"]
    assert {i["opportunity_id"] for i in items} == set(by_id)
    assert all(i["eligibility"] in {"eligible", "possible"} for i in items)
    french = Opportunity.objects.get(number="DEMO-FONDS-VERT-RENATURATION")
    page = body(as_user(analyst).get(reverse("funding:catalogue")))
    assert "Brownfields Multipurpose" in page and french.title not in page
    state_only = body(
        as_user(analyst).get(reverse("funding:catalogue"), {"q": "injury violence prevention"})
    )
    assert "the state may pass the funds through to cities" in state_only


def test_mobile_gets_ranked_matches_with_reasons_and_its_dismissal_holds(seeded: None) -> None:
    """GIVEN Mobile's blight challenge WHEN matched THEN opportunities come ranked with why
    (words, passage, eligibility), the dismissed one (lead hazards) is not among them, and
    the page shows the same first match."""
    challenge = Challenge.objects.get(city__slug="mobile", title=MOBILE_CHALLENGE)
    assert MatchDismissal.objects.filter(
        challenge=challenge, opportunity__external_id=NOT_FOR_BLIGHT
    ).exists()
    matches = _cli("match", "--challenge", str(challenge.pk))
    assert matches and all(m["why"] and m["reasons"] for m in matches)
    assert NOT_FOR_BLIGHT not in {m["opportunity_id"] for m in matches}
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True) or any(m["in_pipeline"] for m in matches)
    first = matches[0]
    assert "vacant" in first["matched_terms"] or "blight" in first["matched_terms"]
    page = body(
        as_user(_person("mobile.analyst@demo.civiclab.org")).get(
            reverse("funding:challenge_matches", args=[challenge.pk])
        )
    )
    assert first["title"] in page


def test_the_award_counts_the_same_everywhere(seeded: None) -> None:
    """GIVEN Mobile's application taken to an award of $500,000 WHEN its solution's, its
    city's and the network's funding leveraged are read by the CLI, the API and the pages
    THEN all say 500,000.00 (one awarded application)."""
    award = demo_award()
    assert award is not None and award.amount_awarded == AWARD
    history = [c.to_status for c in award.status_changes.all()]
    assert history[-3:] == ["drafting", "submitted", "awarded"]
    network = award.city.network
    admin = _person("mobile.admin@demo.civiclab.org")
    scopes = {
        "solution": (["--solution", str(award.solution_id)], award.solution_id),
        "city": (["--city", "mobile"], award.city_id),
        "network": (["--network", network.slug], network.pk),
    }
    for scope, (args, pk) in scopes.items():
        cli = _cli("leveraged", *args)["totals"]
        as_admin = _cli("leveraged", *args, "--as", admin.email)["totals"]
        api = as_user(admin).get(
            "/api/v1/funding/leveraged", {"scope": scope, "id": pk}, **api_headers(admin)
        )
        assert api.status_code == 200, (scope, api.content)
        expected = [
            {"currency": "USD", "awarded": "500000.00", "match": "100000.00", "applications": 1}
        ]
        assert cli == as_admin == api.json()["totals"] == expected, scope
    for url in (
        reverse("portfolio:solution", args=[award.solution_id]),
        reverse("network:city", args=["mobile"]),
        reverse("funding:leveraged"),
    ):
        assert "500,000" in body(as_user(admin).get(url)), url
    assert Application.objects.filter(status="awarded").count() == 1
