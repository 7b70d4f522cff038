"""The pipeline's API: profile, applications, status, funding leveraged, one opportunity."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civiclab.funding.models import Application, OpportunityChange
from tests.funding import pipeline_factories as make
from tests.permission_matrix import api_headers
from tests.portfolio import factories
from tests.world import World

pytestmark = pytest.mark.django_db
API = "/api/v1/funding"


def call(user: Any, method: str, url: str, data: Any = None) -> Any:
    client = Client()
    kwargs: dict[str, Any] = dict(api_headers(user))
    if data is not None:
        kwargs.update(data=json.dumps(data), content_type="application/json")
    return getattr(client, method)(url, **kwargs)


def test_profile_read_and_set(world: World) -> None:
    url = f"{API}/cities/city-a/profile"
    got = call(world.user("viewer"), "get", url).json()
    assert got["saved"] is False and got["applicant_codes"][0]["code"] == "02"
    body = {"applicant_codes": ["02"], "partners": [{"name": "Land Bank", "code": "12"}]}
    assert call(world.user("member"), "put", url, body).status_code == 403
    answer = call(world.user("city_admin"), "put", url, body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["partners"] == [
        {"name": "Land Bank", "code": "12", "label": answer.json()["partners"][0]["label"]}
    ]
    # Another city's admin learns nothing of A's partners.
    assert call(world.user("other_city_admin"), "get", url).status_code == 404
    refused = call(world.user("city_admin"), "put", url, {"applicant_codes": ["77"]})
    assert refused.status_code == 422
    assert "'77' is not an applicant type" in refused.content.decode()


def test_create_move_and_read_an_application(world: World) -> None:
    """GIVEN an opportunity WHEN a member of A starts an application by the API, submits it,
    tries to mark it awarded without an amount, then with one THEN 201 with the opportunity's
    title, 200, 422 naming amount_awarded, 200 with the history of four statuses."""
    opportunity = make.opportunity()
    member = world.user("member")
    made = call(
        member,
        "post",
        f"{API}/applications",
        {"city": "city-a", "opportunity": opportunity.pk, "amount_requested": "250000.00"},
    )
    assert made.status_code == 201, made.content
    detail = made.json()
    assert detail["title"] == opportunity.title and detail["status"] == "prospect"
    assert made["Location"] == f"/api/v1/funding/applications/{detail['id']}"
    url = f"{API}/applications/{detail['id']}"
    assert call(member, "post", url + "/status", {"status": "submitted"}).status_code == 200
    refused = call(member, "post", url + "/status", {"status": "awarded"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "amount_awarded"
    wrong = call(member, "post", url + "/status", {"status": "prospect"})
    assert wrong.status_code == 409
    assert wrong.json()["error"]["code"] == "transition_refused"
    done = call(member, "post", url + "/status", {"status": "awarded", "amount_awarded": "200000"})
    assert done.status_code == 200
    assert [h["to_status"] for h in done.json()["history"]] == ["prospect", "submitted", "awarded"]
    assert call(world.user("viewer"), "get", url).status_code == 200
    assert call(world.user("other_city_admin"), "get", url).status_code == 404
    listed = call(world.user("viewer"), "get", f"{API}/applications?status=awarded").json()
    assert [a["id"] for a in listed["items"]] == [detail["id"]]


def test_patch_checklist_links_and_bad_input(world: World) -> None:
    member = world.user("member")
    application = make.application(world.city)
    challenge = factories.challenge(world.city)
    url = f"{API}/applications/{application.pk}"
    answer = call(
        member,
        "patch",
        url,
        {"checklist": {"letters": True}, "challenge": challenge.pk, "notes": "Call HUD"},
    )
    assert answer.status_code == 200, answer.content
    got = answer.json()
    assert got["checklist"] == {"letters": True} and got["readiness"] == [1, 5]
    assert got["challenge"] == challenge.pk and got["notes"] == "Call HUD"
    for bad in (
        {"checklist": {"bribes": True}},
        {"amount_requested": "-1"},
        {"status": "awarded"},
        {"challenge": 10**6},
        {"currency": "dollars"},
    ):
        assert call(member, "patch", url, bad).status_code == 422, bad
    assert call(world.user("viewer"), "patch", url, {"notes": "x"}).status_code == 403


def test_leveraged_scopes_match_the_queries(world: World) -> None:
    challenge = factories.challenge(world.city, priority_area="housing")
    solution = factories.solution(challenge)
    make.award(world.city, 300, solution=solution, match_amount=Decimal(30))
    make.award(world.city, 900, visibility="team", team=world.team, title="Zqsecret application")
    member = world.user("member")
    network = call(member, "get", f"{API}/leveraged?scope=network&id={world.network.pk}").json()
    assert network["totals"] == [
        {"currency": "USD", "awarded": "300.00", "match": "30.00", "applications": 1}
    ]
    assert network["by_city"][0]["key"] == "city-a"
    team = call(world.user("team_member"), "get", f"{API}/leveraged?scope=network").json()
    assert team["totals"][0]["awarded"] == "1200.00"
    for scope, pk in (("solution", solution.pk), ("challenge", challenge.pk)):
        got = call(member, "get", f"{API}/leveraged?scope={scope}&id={pk}").json()
        assert got["totals"][0]["awarded"] == "300.00", scope
    city = call(member, "get", f"{API}/leveraged?scope=city&id={world.city.pk}").json()
    assert city["totals"][0]["awarded"] == "300.00"
    assert call(member, "get", f"{API}/leveraged?scope=city").status_code == 422
    assert call(member, "get", f"{API}/leveraged?scope=galaxy&id=1").status_code == 422
    outsider = world.user("other_network_admin")
    assert (
        call(outsider, "get", f"{API}/leveraged?scope=city&id={world.city.pk}").status_code == 404
    )


def test_one_opportunity_with_eligibility_history_and_who_applied(world: World) -> None:
    opportunity = make.opportunity(applicant_codes=["00"], activity_categories=["CD"])
    OpportunityChange.objects.create(
        opportunity=opportunity, kind="deadline_extended", field="close_date",
        before="2027-02-01", after="2027-03-01",
    )  # fmt: skip
    make.award(world.other_city, 75, opportunity=opportunity, visibility="network")
    make.award(
        world.city, 9, opportunity=opportunity, visibility="team", team=world.team,
        title="Zqsecret application",
    )  # fmt: skip
    got = call(world.user("member"), "get", f"{API}/opportunities/{opportunity.pk}").json()
    assert got["eligibility"]["status"] == "possible"
    assert "pass" in got["eligibility"]["reasons"][0]
    assert got["history"][0]["kind"] == "deadline_extended"
    assert got["categories"][0]["code"] == "CD"
    assert [(a["city"], a["amount_awarded"]) for a in got["applied"]] == [("city-b", "75.00")]
    assert got["grants_gov_url"].endswith(opportunity.external_id)
    other = call(world.user("member"), "get", f"{API}/opportunities/{opportunity.pk}?city=city-b")
    assert other.status_code == 404
    anonymous = call(None, "get", f"{API}/opportunities/{opportunity.pk}").json()
    assert anonymous["eligibility"] is None and anonymous["applied"] == []


def test_a_manual_fund_of_another_network_is_not_found(world: World) -> None:
    fund = make.opportunity(source="manual", network=world.foreign_city.network)
    assert call(world.user("member"), "get", f"{API}/opportunities/{fund.pk}").status_code == 404
    foreign = call(world.user("other_network_admin"), "get", f"{API}/opportunities/{fund.pk}")
    assert foreign.status_code == 200


def test_nothing_half_written_on_a_refused_create(world: World) -> None:
    answer = call(
        world.user("member"),
        "post",
        f"{API}/applications",
        {"city": "city-a", "title": "X", "funder": "Y", "milestones": [10**6]},
    )
    assert answer.status_code == 422
    assert not Application.objects.exists()
