"""The portfolio REST API: who sees and changes what, the 404/403/422 contract, filters and
pagination, phases, scores and decisions, solutions from ideas and their indicator targets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from civiclab.core.permissions import DEFAULT_POLICY, Policy, Role
from civiclab.datasets.models import Dataset
from civiclab.indicators.models import Indicator
from civiclab.network.models import City
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Milestone,
    OpportunityArea,
    Risk,
    Score,
    Solution,
    Update,
    scope,
)
from civiclab.portfolio.queries import visible
from tests.factories import CohortFactory
from tests.permission_matrix import api_headers, check_permission_matrix
from tests.portfolio import factories as f
from tests.portfolio.test_services import MAKERS
from tests.world import World

pytestmark = pytest.mark.django_db

API = "/api/v1"
# Parts of a challenge or a solution are deleted by whoever may edit them.
PART_POLICY = Policy(delete=Role.MEMBER)
# Per type: its path under /api/v1 and a valid change.
ROUTES: dict[type, tuple[str, dict[str, Any]]] = {
    Challenge: ("challenges", {"title": "Renamed"}),
    Evidence: ("evidence", {"title": "Renamed"}),
    Cause: ("causes", {"text": "Renamed"}),
    OpportunityArea: ("opportunity-areas", {"title": "Renamed"}),
    Idea: ("ideas", {"title": "Renamed"}),
    Score: ("scores", {"value": 2}),
    Solution: ("solutions", {"title": "Renamed"}),
    Milestone: ("milestones", {"title": "Renamed"}),
    Risk: ("risks", {"title": "Renamed"}),
    Decision: ("decisions", {"reason": "Renamed"}),
    Update: ("updates", {"body": "Renamed"}),
}


def call(method: str, url: str, user: Any = None, body: Any = None) -> Any:
    client = Client()
    if body is not None:
        return getattr(client, method)(
            url, json.dumps(body), content_type="application/json", **api_headers(user)
        )
    return getattr(client, method)(url, **api_headers(user))


def fields_named(response: Any) -> list[str | None]:
    return [d["field"] for d in response.json()["error"]["details"]]


@pytest.mark.parametrize("model", list(ROUTES), ids=lambda m: m.__name__)
def test_permission_matrix_through_the_api(world: World, model: type) -> None:
    """GIVEN an object of each portfolio type in city A, at each visibility, WHEN each kind of
    person reads, changes or deletes it through the API THEN only those the rules name may."""
    path, change = ROUTES[model]

    def url(obj: Any) -> str:
        return f"{API}/{path}/{obj.pk}"

    check_permission_matrix(
        world,
        MAKERS[model],
        policy=DEFAULT_POLICY if model in (Challenge, Solution) else PART_POLICY,
        fields=scope(model),
        queryset=lambda user: visible(model, user),
        api_url=url,
        # A score is changed by its reviewer only: see test_scores_summary_and_decisions.
        api_update=None if model is Score else lambda obj: (url(obj), change),
        api_delete=url,
    )


def test_challenge_contract(world: World) -> None:
    """GIVEN the issue's contract WHEN a challenge is created, read, changed and deleted by
    each kind of person THEN 201 with its id; 404 to those who may not see it (as for one that
    does not exist); 403 to those who see but may not change it; 422 naming the field."""
    body = {
        "city": "city-a",
        "title": "Blight",
        "problem_statement": "Vacant homes",
        "visibility": "city",
    }
    response = call("post", f"{API}/challenges", world.user("member"), body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["title"] == "Blight" and made["city"] == "city-a" and made["visibility"] == "city"
    assert made["phase_history"][0]["to_phase"] == "investigate"
    url = f"{API}/challenges/{made['id']}"
    missing = f"{API}/challenges/{made['id'] + 1000}"

    assert call("get", url, world.user("viewer")).status_code == 200
    outsider = world.user("other_city_admin")
    for method, change in (("get", None), ("patch", {"title": "X"}), ("delete", None)):
        hidden = call(method, url, outsider, change)
        absent = call(method, missing, outsider, change)
        assert hidden.status_code == absent.status_code == 404
        assert hidden.json() == absent.json()
    assert call("patch", url, world.user("viewer"), {"title": "X"}).status_code == 403
    assert call("delete", url, world.user("member")).status_code == 403

    for method, target in (("post", f"{API}/challenges"), ("patch", url)):
        response = call(method, target, world.user("member"), {**body, "title": ""})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"
        assert "title" in fields_named(response)
    wide = call("post", f"{API}/challenges", world.user("member"), {**body, "visibility": "public"})
    assert wide.status_code == 403
    assert Challenge.objects.count() == 1
    assert call("delete", url, world.user("city_admin")).status_code == 204
    assert not Challenge.objects.exists()


def test_every_type_answers_422_naming_the_field(world: World) -> None:
    member = world.user("member")
    challenge = f.challenge(world.city)
    solution = f.solution(challenge)
    bad = {
        "evidence": {"challenge": challenge.pk, "kind": "insight", "title": ""},
        "causes": {"challenge": challenge.pk, "text": ""},
        "opportunity-areas": {"challenge": challenge.pk, "title": ""},
        "ideas": {"challenge": challenge.pk, "title": ""},
        "solutions": {"challenge": challenge.pk, "title": ""},
        "milestones": {"solution": solution.pk, "title": "", "due_on": "2027-01-01"},
        "risks": {"solution": solution.pk, "title": "", "likelihood": 2, "impact": 3},
        "decisions": {"solution": solution.pk, "gate": "", "outcome": "go", "reason": "r"},
    }
    for path, body in bad.items():
        response = call("post", f"{API}/{path}", member, body)
        assert response.status_code == 422, path
        assert {"title", "text", "gate"} & set(fields_named(response)), path
    risk = call(
        "post",
        f"{API}/risks",
        member,
        {"solution": solution.pk, "title": "r", "likelihood": 9, "impact": 3},
    )
    assert fields_named(risk) == ["likelihood"]


def test_challenge_list_filters_and_pagination(world: World) -> None:
    admin = world.user("network_admin")
    cohort = CohortFactory(network=world.network)
    world.other_city.cohorts.add(cohort)
    f.challenge(world.city, title="Blight downtown", priority_area="housing")
    f.challenge(world.city, title="Potholes", phase="generate", visibility="public")
    f.challenge(world.other_city, title="Blight uptown", visibility="network")
    f.challenge(world.foreign_city, title="Hidden", visibility="network")

    def titles(query: str) -> list[str]:
        response = call("get", f"{API}/challenges?{query}", admin)
        assert response.status_code == 200, response.content
        return sorted(item["title"] for item in response.json()["items"])

    assert titles("") == ["Blight downtown", "Blight uptown", "Potholes"]
    assert titles("city=city-a") == ["Blight downtown", "Potholes"]
    assert titles(f"cohort={cohort.slug}") == ["Blight uptown"]
    assert titles("phase=generate") == ["Potholes"]
    assert titles("priority_area=housing") == ["Blight downtown"]
    assert titles("visibility=network") == ["Blight uptown"]
    assert titles("q=BLIGHT") == ["Blight downtown", "Blight uptown"]
    page = call("get", f"{API}/challenges?limit=2&offset=2", admin).json()
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 2, 1)
    assert call("get", f"{API}/challenges?phase=nope", admin).status_code == 422
    anonymous = call("get", f"{API}/challenges").json()
    assert [c["title"] for c in anonymous["items"]] == ["Potholes"]


def test_part_lists_filter_by_parent(world: World) -> None:
    member = world.user("member")
    one, two = f.challenge(world.city), f.challenge(world.city, title="Two")
    f.evidence(one), f.evidence(two), f.idea(one), f.idea(two), f.idea(two)
    s1, s2 = f.solution(one, status="at_risk"), f.solution(two, stage="deliver")
    f.milestone(s1), f.risk(s2), f.update(s1), f.decision(s2)
    f.solution(f.challenge(world.other_city), title="Elsewhere")

    def count(query: str) -> int:
        response = call("get", f"{API}/{query}", member)
        assert response.status_code == 200, response.content
        return int(response.json()["count"])

    assert (count(f"evidence?challenge={one.pk}"), count("evidence")) == (1, 2)
    assert (count(f"ideas?challenge={two.pk}"), count("ideas")) == (2, 3)
    assert count("solutions") == 2  # city B's is not visible to a member of A
    assert count("solutions?status=at_risk") == 1 and count("solutions?stage=deliver") == 1
    assert count("solutions?city=city-a") == 2 and count("solutions?city=city-b") == 0
    assert count(f"milestones?solution={s1.pk}") == 1 and count(f"risks?solution={s1.pk}") == 0
    assert count(f"updates?solution={s1.pk}") == 1 and count(f"decisions?solution={s2.pk}") == 1
    # An empty value (a form's "All") filters nothing; a bad one is refused, not ignored.
    assert count("solutions?city=&status=") == 2 and count("evidence?challenge=") == 2
    assert call("get", f"{API}/ideas?status=nonsense", member).status_code == 422


def test_phase_change_is_kept_in_the_history(world: World) -> None:
    challenge = f.challenge(world.city)
    url = f"{API}/challenges/{challenge.pk}"
    response = call(
        "post", f"{url}/phase", world.user("member"), {"phase": "generate", "note": "Causes agreed"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["phase"] == "generate"
    history = call("get", url, world.user("viewer")).json()["phase_history"]
    assert [(h["from_phase"], h["to_phase"], h["note"]) for h in history] == [
        ("investigate", "generate", "Causes agreed")
    ]
    assert call("post", f"{url}/phase", world.user("member"), {"phase": "x"}).status_code == 422
    assert (
        call("post", f"{url}/phase", world.user("viewer"), {"phase": "deliver"}).status_code == 403
    )


def test_scores_summary_and_decisions(world: World) -> None:
    """GIVEN an idea WHEN two reviewers score it and it is decided on THEN its detail shows the
    mean and spread per criterion and the caller's own scores; bad scores are 422."""
    member, admin = world.user("member"), world.user("city_admin")
    idea = f.idea(f.challenge(world.city))
    url = f"{API}/ideas/{idea.pk}"
    assert call("post", f"{url}/scores", member, {"impact": 5, "feasibility": 4}).status_code == 200
    detail = call("post", f"{url}/scores", admin, {"impact": 3, "feasibility": 4}).json()
    impact = detail["summary"]["criteria"][0]
    assert (impact["criterion"], impact["mean"], impact["spread"], impact["reviewers"]) == (
        "impact",
        4.0,
        1.0,
        2,
    )
    assert detail["summary"]["quadrant"] == "quick_wins" and detail["summary"]["reviewers"] == 2
    assert detail["my_scores"] == {"impact": 3, "feasibility": 4}
    assert call("get", url, member).json()["my_scores"] == {"impact": 5, "feasibility": 4}

    bad = call("post", f"{url}/scores", member, {"impact": 6})
    assert bad.status_code == 422 and fields_named(bad) == ["scores.impact"]
    assert fields_named(call("post", f"{url}/scores", member, {"glamour": 3})) == ["scores"]
    assert call("post", f"{url}/scores", world.user("viewer"), {"impact": 1}).status_code == 403

    scores = call("get", f"{API}/scores?idea={idea.pk}", member).json()["items"]
    assert {(s["criterion"], s["mine"]) for s in scores} == {
        ("impact", True),
        ("feasibility", True),
        ("impact", False),
        ("feasibility", False),
    }
    assert {s["reviewer"] for s in scores} == {member.email, admin.email}
    viewer_sees = call("get", f"{API}/scores?idea={idea.pk}", world.user("viewer")).json()
    assert {s["reviewer"] for s in viewer_sees["items"]} == {None}  # reviewers stay private
    one = call(
        "post", f"{API}/scores", member, {"idea": idea.pk, "criterion": "equity", "value": 2}
    )
    assert one.status_code == 201 and one.json()["value"] == 2

    mine, theirs = (
        Score.objects.get(idea=idea, reviewer=u, criterion="impact") for u in (member, admin)
    )
    changed = call("patch", f"{API}/scores/{mine.pk}", member, {"value": 1})
    assert changed.status_code == 200 and changed.json()["value"] == 1
    assert call("patch", f"{API}/scores/{theirs.pk}", member, {"value": 1}).status_code == 403
    assert call("delete", f"{API}/scores/{theirs.pk}", member).status_code == 204

    no_reason = call("post", f"{url}/decision", member, {"status": "parked"})
    assert no_reason.status_code == 422 and fields_named(no_reason) == ["reason"]
    parked = call("post", f"{url}/decision", member, {"status": "parked", "reason": "Too costly"})
    assert parked.json()["status"] == "parked" and parked.json()["decision_reason"] == "Too costly"
    assert call("post", f"{url}/decision", member, {"status": "maybe"}).status_code == 422


def _indicator(city: City, slug: str = "blighted-homes") -> Indicator:
    dataset = Dataset.objects.create(city=city, slug="vacant", name="Vacant", visibility="city")
    return Indicator.objects.create(
        city=city,
        dataset=dataset,
        slug=slug,
        name="Blighted homes",
        visibility="city",
        spec={"measure": {"type": "count"}},
    )


def test_solution_from_an_idea_with_an_indicator_target(world: World) -> None:
    member = world.user("member")
    challenge = f.challenge(world.city)
    area = call(
        "post",
        f"{API}/opportunity-areas",
        member,
        {"challenge": challenge.pk, "title": "Find owners"},
    ).json()
    idea = call(
        "post",
        f"{API}/ideas",
        member,
        {"challenge": challenge.pk, "title": "Tracing squad", "opportunity_area": area["id"]},
    ).json()
    assert idea["opportunity_area"] == area["id"]
    response = call(
        "post",
        f"{API}/solutions",
        member,
        {"idea": idea["id"], "title": "Squad", "goal_statement": "Halve it"},
    )
    assert response.status_code == 201, response.content
    solution = response.json()
    assert solution["challenge"] == challenge.pk and solution["idea"] == idea["id"]
    assert call("get", f"{API}/ideas/{idea['id']}", member).json()["status"] == "advanced"
    assert call("get", f"{API}/challenges/{challenge.pk}", member).json()["phase"] == "prepare"
    assert call("post", f"{API}/solutions", member, {"title": "Orphan"}).status_code == 422

    indicator = _indicator(world.city)
    url = f"{API}/solutions/{solution['id']}/targets"
    body = {"indicator": indicator.slug, "target_value": 1000, "target_date": "2027-12-31"}
    linked = call("post", url, member, body)
    assert linked.status_code == 200, linked.content
    assert linked.json()["targets"] == [
        {
            "indicator": "blighted-homes",
            "name": "Blighted homes",
            "target_value": 1000.0,
            "target_date": "2027-12-31",
        }
    ]
    assert call("post", url, member, body).status_code == 422  # already linked
    assert fields_named(call("post", url, member, {"indicator": "nope"})) == ["indicator"]
    unlinked = call("delete", f"{url}/{indicator.slug}", member)
    assert unlinked.status_code == 200 and unlinked.json()["targets"] == []

    changed = call("patch", f"{API}/solutions/{solution['id']}", member, {"status": "at_risk"})
    assert fields_named(changed) == ["status_justification"]
    update = call(
        "post",
        f"{API}/updates",
        member,
        {"solution": solution["id"], "body": "Hires late", "status": "at_risk"},
    )
    assert update.status_code == 201
    assert call("get", f"{API}/solutions/{solution['id']}", member).json()["status"] == "at_risk"


def test_evidence_links_causes_and_milestones(world: World) -> None:
    member = world.user("member")
    challenge = f.challenge(world.city)
    indicator = _indicator(world.city)
    made = call(
        "post",
        f"{API}/evidence",
        member,
        {
            "challenge": challenge.pk,
            "kind": "document",
            "title": "2,000 homes",
            "indicator": indicator.slug,
            "dataset": "vacant",
        },
    )
    assert made.status_code == 201, made.content
    evidence = made.json()
    assert (evidence["indicator"], evidence["dataset"]) == ("blighted-homes", "vacant")
    other = _indicator(world.other_city, "elsewhere")
    refused = call("patch", f"{API}/evidence/{evidence['id']}", member, {"indicator": other.slug})
    assert fields_named(refused) == ["indicator"]
    cleared = call("patch", f"{API}/evidence/{evidence['id']}", member, {"indicator": None})
    assert cleared.json()["indicator"] is None and cleared.json()["dataset"] == "vacant"

    root = call(
        "post",
        f"{API}/causes",
        member,
        {"challenge": challenge.pk, "text": "Owners absent", "evidence": [evidence["id"]]},
    ).json()
    assert root["evidence"] == [evidence["id"]]
    child = call(
        "post",
        f"{API}/causes",
        member,
        {"challenge": challenge.pk, "text": "Heirs", "parent": root["id"]},
    ).json()
    cycle = call("patch", f"{API}/causes/{root['id']}", member, {"parent": child["id"]})
    assert fields_named(cycle) == ["parent"]
    unlinked = call("patch", f"{API}/causes/{root['id']}", member, {"evidence": []})
    assert unlinked.json()["evidence"] == []

    solution = f.solution(challenge)
    milestone = call(
        "post",
        f"{API}/milestones",
        member,
        {"solution": solution.pk, "title": "Hire", "due_on": "2020-01-01"},
    ).json()
    assert milestone["state"] == "slipping"
    done = call("patch", f"{API}/milestones/{milestone['id']}", member, {"done_on": "2020-02-01"})
    assert done.json()["state"] == "done"
    risk = call(
        "post",
        f"{API}/risks",
        member,
        {"solution": solution.pk, "title": "Suits", "likelihood": 2, "impact": 4},
    ).json()
    assert risk["severity"] == 8
    gate = call(
        "post",
        f"{API}/decisions",
        member,
        {"solution": solution.pk, "gate": "prepare → deliver", "outcome": "go", "reason": "Ready"},
    )
    assert gate.status_code == 201 and gate.json()["outcome"] == "go"


def test_the_whole_cycle_through_the_api(world: World) -> None:
    """Done when: a team runs a challenge from first evidence to a solution in delivery
    through the API alone, and another city sees only what was shared."""
    member, outsider = world.user("team_member"), world.user("other_city_admin")
    indicator = _indicator(world.city)

    def post(path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = call("post", f"{API}/{path}", member, body)
        assert response.status_code == status, (path, response.content)
        return response.json()

    opened = {"city": world.city.slug, "title": "Blight", "problem_statement": "Vacant homes"}
    challenge = post("challenges", {**opened, "visibility": "city"})
    cid = challenge["id"]
    finding = post("evidence", {"challenge": cid, "kind": "data", "title": "Notices",
                                "indicator": indicator.slug})  # fmt: skip
    insight = post("evidence", {"challenge": cid, "kind": "insight", "title": "Neighbour",
                                "body": "Nothing happens", "method": "interview",
                                "consent": True, "tags": ["trust"]})  # fmt: skip
    assert finding["snapshot"]["indicator"] == "Blighted homes"
    cause = post("causes", {"challenge": cid, "text": "Owners unknown",
                            "evidence": [insight["id"]]})  # fmt: skip
    assert cause["evidence"] == [insight["id"]]
    post(f"challenges/{cid}/phase", {"phase": "generate", "note": "Causes agreed"}, 200)
    ideas = [post("ideas", {"challenge": cid, "title": t}) for t in ("Squad", "Land bank")]
    for idea, impact in zip(ideas, (5, 2), strict=True):
        post(f"ideas/{idea['id']}/scores", {"impact": impact, "feasibility": 4}, 200)
    summary = call("get", f"{API}/ideas/{ideas[0]['id']}", member).json()["summary"]
    assert summary["quadrant"] == "quick_wins"
    post(f"ideas/{ideas[1]['id']}/decision", {"status": "parked", "reason": "Later"}, 200)
    solution = post("solutions", {"idea": ideas[0]["id"], "title": "Squad",
                                  "goal_statement": "Halve notices by 2027"})  # fmt: skip
    sid = solution["id"]
    post(f"solutions/{sid}/targets", {"indicator": indicator.slug, "target_value": 100}, 200)
    post("milestones", {"solution": sid, "title": "Hire", "due_on": "2027-01-01"})
    post("risks", {"solution": sid, "title": "Lawsuits", "likelihood": 2, "impact": 4})
    post("decisions", {"solution": sid, "gate": "prepare → deliver", "outcome": "go",
                       "reason": "Pilot ready"})  # fmt: skip
    moved = call("patch", f"{API}/solutions/{sid}", member, {"stage": "deliver"})
    assert moved.status_code == 200, moved.content
    post("updates", {"solution": sid, "body": "Squad hired", "status": "on_track"})
    got = call("get", f"{API}/challenges/{cid}", member).json()
    assert got["phase"] == "deliver"
    assert [c["to_phase"] for c in got["phase_history"]] == [
        "investigate",
        "generate",
        "prepare",
        "deliver",
    ]
    # Another city sees none of it until it is shared with the network.
    assert call("get", f"{API}/challenges/{cid}", outsider).status_code == 404
    assert call("get", f"{API}/solutions/{sid}", outsider).status_code == 404
    assert call("get", f"{API}/challenges", outsider).json()["count"] == 0
