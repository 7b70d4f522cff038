"""Portfolio services: checked writes, the audit trail, phase history, visibility caps, scores
and the permission matrix of every object type (rules and scoped querysets)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civiclab.audit.models import AuditEvent
from civiclab.core.permissions import Visibility
from civiclab.portfolio import services
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Milestone,
    OpportunityArea,
    PhaseChange,
    Risk,
    Score,
    Solution,
    Update,
    scope,
)
from civiclab.portfolio.queries import key_facts, visible
from civiclab.portfolio.rules.scoring import quadrant, summarise
from tests.permission_matrix import check_permission_matrix
from tests.portfolio import factories as f
from tests.world import World

pytestmark = pytest.mark.django_db


def test_create_challenge_records_phase_history_and_audit(world: World) -> None:
    member = world.user("member")
    challenge = services.create_challenge(
        member, world.city, "Blight", problem_statement="Vacant homes", priority_area="housing"
    )
    assert challenge.phase == "investigate" and challenge.owner == member
    services.set_phase(member, challenge, "generate", "Root causes agreed")
    history = list(
        PhaseChange.objects.filter(challenge=challenge).values_list("from_phase", "to_phase")
    )
    assert history == [("", "investigate"), ("investigate", "generate")]
    actions = list(
        AuditEvent.objects.filter(object_id=str(challenge.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["challenge.create", "challenge.phase"]


def test_viewers_and_outsiders_cannot_create(world: World) -> None:
    for actor in ("viewer", "other_city_admin", "no_membership"):
        with pytest.raises(PermissionDenied):
            services.create_challenge(world.user(actor), world.city, "Blight")
    with pytest.raises(PermissionDenied):  # a member may not publish to the network
        services.create_challenge(world.user("member"), world.city, "Blight", visibility="network")
    with pytest.raises(ValidationError) as error:
        services.create_challenge(world.user("member"), world.city, "")
    assert "title" in error.value.message_dict


def test_evidence_and_solutions_are_never_wider_than_their_challenge(world: World) -> None:
    admin = world.user("city_admin")
    challenge = services.create_challenge(admin, world.city, "Blight", visibility="network")
    shared = services.add_evidence(admin, challenge, "insight", "Quote", method="interview")
    assert shared.visibility == "network"
    private = services.add_evidence(admin, challenge, "insight", "Private", visibility="city")
    with pytest.raises(ValidationError):
        services.add_evidence(admin, challenge, "insight", "Too wide", visibility="public")
    solution = services.create_solution(admin, challenge, "Squad")
    services.update_challenge(admin, challenge, {"visibility": "city"})
    for obj in (shared, private, solution):
        obj.refresh_from_db()
        assert obj.visibility == "city"


def test_data_finding_freezes_the_indicator_number(world: World, monkeypatch) -> None:
    from civiclab.indicators import services as indicators

    challenge = f.challenge(world.city)
    dataset = type("D", (), {"current_version_id": 7})()
    fake_indicator = type(
        "I", (), {"name": "Homes", "spec": {"unit": "homes"}, "dataset": dataset}
    )()
    monkeypatch.setattr(
        indicators, "report",
        lambda i: {"series": {"overall": [{"period": "2024-01", "value": 2000.0, "n": 5},
                                          {"period": "2024-02", "value": None, "n": 0}]}},
    )  # fmt: skip
    snapshot = services.indicator_snapshot(fake_indicator)
    assert snapshot["value"] == 2000.0 and snapshot["period"] == "2024-01"
    assert snapshot["unit"] == "homes" and snapshot["version"] == 7
    assert challenge.pk


def test_idea_scores_decisions_and_advancing_to_a_solution(world: World) -> None:
    member, admin = world.user("member"), world.user("city_admin")
    challenge = f.challenge(world.city)
    idea = services.add_part(member, challenge, Idea, title="Tracing squad", origin="residents")
    services.score_idea(member, idea, {"impact": 5, "feasibility": 4})
    services.score_idea(admin, idea, {"impact": 3, "feasibility": 4})
    services.score_idea(member, idea, {"impact": 4})  # scoring again replaces
    with pytest.raises(ValidationError):
        services.score_idea(member, idea, {"glamour": 5})
    with pytest.raises(ValidationError):
        services.score_idea(member, idea, {"impact": 6})
    rows = idea.scores.values_list("reviewer_id", "criterion", "value")
    summary = summarise([c["key"] for c in challenge.rubric], rows)
    impact = summary.criteria[0]
    assert (impact.mean, impact.low, impact.high, impact.reviewers) == (3.5, 3, 4, 2)
    assert summary.reviewers == 2 and not summary.disagreement
    assert quadrant(impact.mean, summary.criteria[1].mean) == "quick_wins"
    with pytest.raises(ValidationError):
        services.decide_idea(member, idea, "parked", "")  # a reason is required
    solution = services.create_solution(
        member, challenge, "Squad", idea=idea, goal_statement="Reduce X from 2,000 to 1,000 by 2027"
    )
    idea.refresh_from_db()
    challenge.refresh_from_db()
    assert idea.status == "advanced" and solution.idea == idea
    assert challenge.phase == "prepare"
    services.add_milestone(member, solution, "Hire", dt.date(2020, 1, 1))
    assert solution.milestones.get().state(dt.date(2021, 1, 1)) == "slipping"
    with pytest.raises(ValidationError):
        services.update_solution(member, solution, {"status": "at_risk"})  # why?
    services.post_update(member, solution, "Two hires late", status="at_risk")
    solution.refresh_from_db()
    assert solution.status == "at_risk" and solution.status_justification == "Two hires late"
    services.update_solution(member, solution, {"stage": "deliver"})
    challenge.refresh_from_db()
    assert challenge.phase == "deliver"
    assert key_facts(member) == {
        "problems_tackled": 1, "ideas_generated": 1, "solutions": 1,
        "solutions_in_delivery": 1, "evidence": 0,
    }  # fmt: skip
    assert key_facts(world.user("other_city_admin"))["problems_tackled"] == 0


def test_causes_stay_in_one_tree(world: World) -> None:
    member = world.user("member")
    challenge, other = f.challenge(world.city), f.challenge(world.city, title="Other")
    root = services.add_part(member, challenge, Cause, text="Owners absent")
    child = services.add_part(member, challenge, Cause, text="Heirs unknown", parent=root)
    with pytest.raises(ValidationError):
        services.update_part(member, root, {"parent": child})  # a cycle
    # Refused after the save, inside its transaction: nothing changed, nothing recorded.
    root.refresh_from_db()
    assert root.parent is None
    assert not AuditEvent.objects.filter(action="cause.update").exists()
    with pytest.raises(ValidationError) as refused:  # a text that may not be null
        services.update_part(member, child, {"text": None})
    assert "text" in refused.value.message_dict
    services.update_part(member, child, {"text": "Heirs abroad"})
    (changed,) = AuditEvent.objects.filter(action="cause.update")
    assert changed.details["changes"] == {"text": ["Heirs unknown", "Heirs abroad"]}
    with pytest.raises(ValidationError):
        services.add_part(member, other, Cause, text="x", parent=root)
    with pytest.raises(ValidationError):  # parts never move between challenges
        services.update_part(member, child, {"challenge": other})
    proof = services.add_evidence(member, challenge, "document", "Tax records", url="https://x.org")
    services.link_cause_evidence(member, child, [proof])
    assert list(child.evidence.all()) == [proof]
    with pytest.raises(ValidationError):
        services.link_cause_evidence(member, child, [f.evidence(other)])


def _challenge_of(world: World, vis: Visibility) -> Challenge:
    return f.challenge(world.city, visibility=vis.value, team=world.team)


MAKERS = {
    Challenge: _challenge_of,
    Evidence: lambda w, v: f.evidence(_challenge_of(w, v)),
    Cause: lambda w, v: f.cause(_challenge_of(w, v)),
    OpportunityArea: lambda w, v: f.opportunity(_challenge_of(w, v)),
    Idea: lambda w, v: f.idea(_challenge_of(w, v)),
    Score: lambda w, v: f.score(f.idea(_challenge_of(w, v)), w.user("member")),
    Solution: lambda w, v: f.solution(_challenge_of(w, v)),
    Milestone: lambda w, v: f.milestone(f.solution(_challenge_of(w, v))),
    Risk: lambda w, v: f.risk(f.solution(_challenge_of(w, v))),
    Decision: lambda w, v: f.decision(f.solution(_challenge_of(w, v))),
    Update: lambda w, v: f.update(f.solution(_challenge_of(w, v))),
}


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m.__name__)
def test_permission_matrix_of_every_portfolio_type(world: World, model: type) -> None:
    check_permission_matrix(
        world,
        MAKERS[model],
        fields=scope(model),
        queryset=lambda user: visible(model, user),
    )
