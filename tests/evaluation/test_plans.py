"""Plans: drafting, the visibility cap, locking (hash, the outcome-data rule), amendments."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civiclab.audit.models import AuditEvent
from civiclab.core.permissions import Visibility
from civiclab.evaluation.models import PlanAmendment
from civiclab.evaluation.queries import visible_amendments, visible_evaluations
from civiclab.evaluation.services import plans
from tests.evaluation.helpers import dataset_of, solution_of
from tests.world import World

pytestmark = pytest.mark.django_db


def _draft(world: World, tmp_path: Path, **fields):
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    fields.setdefault("question", "Does the squad close cases faster?")
    fields.setdefault("outcome_dataset", dataset)
    fields.setdefault("outcome_column", "days")
    fields.setdefault("unit_column", "property")
    fields.setdefault("analysis_date", dt.date(2099, 12, 1))
    fields.setdefault("columns", {"treated": "treated", "strata": ["district"]})
    return plans.create_plan(world.user("member"), solution, "Squad trial", "rct", **fields)


def test_create_plan_is_checked_capped_and_audited(world: World, tmp_path: Path) -> None:
    """GIVEN a city-visible solution WHEN a member drafts a plan THEN it is city-visible,
    audited; a viewer may not draft one; a plan cannot be wider than its solution."""
    plan = _draft(world, tmp_path)
    assert plan.visibility == Visibility.CITY
    assert AuditEvent.objects.filter(action="evaluation.create", object_id=str(plan.pk)).exists()
    with pytest.raises(PermissionDenied):
        plans.create_plan(world.user("viewer"), plan.solution, "x", "rct")
    with pytest.raises(ValidationError):
        plans.create_plan(None, plan.solution, "x", "rct", visibility=Visibility.PUBLIC)
    with pytest.raises(ValidationError, match="no column"):
        plans.update_plan(world.user("member"), plan, {"outcome_column": "nope"})


def test_lock_freezes_the_plan_with_its_hash(world: World, tmp_path: Path) -> None:
    """GIVEN a complete draft whose outcomes have no time column and were loaded before the
    pilot starts WHEN it is locked THEN its hash is the SHA-256 of its canonical JSON, edits
    are refused, and an amendment (with a reason) is recorded and visible."""
    plan = _draft(world, tmp_path, intervention_date=dt.date(2099, 1, 1))
    member = world.user("member")
    plans.lock_plan(member, plan)
    plan.refresh_from_db()
    document = plans.plan_document(plan)
    raw = json.dumps(document["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(raw.encode()).hexdigest() == plan.content_hash
    assert document["locked_hash"] == plan.content_hash
    with pytest.raises(plans.PlanLocked, match="locked"):
        plans.update_plan(member, plan, {"hypothesis": "Changed"})
    plans.update_plan(
        world.user("city_admin"), plan, {"visibility": Visibility.TEAM, "team": world.team}
    )
    with pytest.raises(PermissionDenied):  # outside the team now
        plans.lock_plan(member, plan)
    member = world.user("team_member")
    with pytest.raises(plans.LockRefused):
        plans.lock_plan(member, plan)
    with pytest.raises(ValidationError):
        plans.amend_plan(member, plan, "hypothesis", "Changed", "  ")
    amendment = plans.amend_plan(member, plan, "hypothesis", "Changed", "The squad was split.")
    assert amendment.before == "" and amendment.after == "Changed"
    assert plans.current_hash(plan) != plan.content_hash
    assert amendment.content_hash == plans.current_hash(plan)
    assert list(visible_amendments(world.user("team_member"))) == [amendment]
    assert not visible_amendments(world.user("other_team_member")).exists()
    assert PlanAmendment.objects.count() == 1
    assert AuditEvent.objects.filter(action="evaluation.amend").count() == 1


def test_lock_refused_once_outcomes_exist(world: World, tmp_path: Path) -> None:
    """GIVEN outcomes with dates inside the analysis window WHEN the plan is locked THEN it is
    refused, unless the plan says it was registered after the data."""
    plan = _draft(world, tmp_path, time_column="closed_on", intervention_date=dt.date(2027, 1, 1))
    with pytest.raises(plans.LockRefused) as refused:
        plans.lock_plan(world.user("member"), plan)
    assert refused.value.code == "outcome_data_exist"
    plans.update_plan(world.user("member"), plan, {"intervention_date": dt.date(2030, 1, 1)})
    plans.lock_plan(world.user("member"), plan)


def test_registered_after_data_may_lock(world: World, tmp_path: Path) -> None:
    plan = _draft(
        world, tmp_path, time_column="closed_on", intervention_date=dt.date(2027, 1, 1),
        registered_after_data=True,
    )  # fmt: skip
    plans.lock_plan(world.user("member"), plan)
    assert plan.is_locked


def test_incomplete_plan_cannot_be_locked(world: World, tmp_path: Path) -> None:
    plan = _draft(world, tmp_path, question="", analysis_date=None)
    with pytest.raises(plans.LockRefused) as refused:
        plans.lock_plan(world.user("member"), plan)
    assert refused.value.details == {"missing": ["question", "analysis date"]}


def test_an_evaluation_is_as_private_as_its_solution(world: World, tmp_path: Path) -> None:
    """GIVEN a city-visible plan WHEN its solution is narrowed to the team THEN people
    outside the team no longer see the plan."""
    plan = _draft(world, tmp_path)
    outsider = world.user("other_team_member")
    assert visible_evaluations(outsider).filter(pk=plan.pk).exists()
    solution = plan.solution
    solution.visibility, solution.team = Visibility.TEAM, world.team
    solution.save()
    assert not visible_evaluations(outsider).filter(pk=plan.pk).exists()
    assert visible_evaluations(world.user("team_member")).filter(pk=plan.pk).exists()


def test_solution_results_are_the_newest_done_of_each_visible_plan(world: World) -> None:
    from civiclab.evaluation.models import EvaluationResult
    from civiclab.evaluation.queries import solution_results
    from tests.evaluation.helpers import plan_of

    solution = solution_of(world)
    plan = plan_of(solution)
    hidden = plan_of(solution, visibility=Visibility.TEAM, team=world.team)
    for made in (plan, hidden):
        EvaluationResult.objects.create(plan=made, plan_hash="a", data_version="1", state="done")
    newest = EvaluationResult.objects.create(
        plan=plan, plan_hash="b", data_version="1", state="done", finished_at=timezone.now()
    )
    EvaluationResult.objects.create(plan=plan, plan_hash="c", data_version="1", state="failed")
    assert solution_results(world.user("member"), solution) == [newest]
    assert len(solution_results(world.user("team_member"), solution)) == 2


def test_every_write_is_audited(world: World, tmp_path: Path) -> None:
    """GIVEN a plan WHEN it is edited, locked, amended, analysed and deleted THEN each is in the
    city's audit log, with who did it."""
    from civiclab.evaluation.services import analysis

    plan = _draft(world, tmp_path, intervention_date=dt.date(2099, 1, 1))
    member, admin = world.user("member"), world.user("city_admin")
    plans.update_plan(member, plan, {"hypothesis": "Faster"})
    plans.lock_plan(member, plan)
    plans.amend_plan(member, plan, "hypothesis", "Much faster", "Bigger squad")
    analysis.request_analysis(member, plan, queue=False)
    pk = str(plan.pk)
    plans.delete_plan(admin, plan)
    actions = list(
        AuditEvent.objects.filter(object_id=pk, action__startswith="evaluation.")
        .order_by("pk")
        .values_list("action", "city_id")
    )
    assert [a for a, _ in actions] == [
        "evaluation.create", "evaluation.update", "evaluation.lock", "evaluation.amend",
        "evaluation.analyse", "evaluation.delete",
    ]  # fmt: skip
    assert {city for _, city in actions} == {world.city.pk}
