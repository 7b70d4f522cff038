"""Analyses in the worker: a result done with its strength and sentences, cached per plan and
data version; refusals kept as messages; power from the city's own history."""

from __future__ import annotations

from pathlib import Path

import pytest

from civiclab.evaluation.models import EvaluationResult
from civiclab.evaluation.services import analysis, assignments, plans, power
from tests.evaluation.helpers import TRIAL, dataset_of, plan_of, solution_of
from tests.world import World

pytestmark = pytest.mark.django_db


def _plan(world: World, tmp_path: Path, **fields):
    dataset = dataset_of(world.city, tmp_path)
    fields.setdefault("columns", {"treated": "treated"})
    return plan_of(
        solution_of(world), outcome_dataset=dataset, outcome_column="days",
        unit_column="property", unit_label="property", outcome_unit="days",
        outcome_label="days to close", lower_is_better=True, **fields,
    )  # fmt: skip


def test_a_trial_is_analysed_in_the_worker(world: World, tmp_path: Path) -> None:
    """GIVEN a two-arm trial's outcomes WHEN its analysis runs THEN the result is done, with
    the estimate (3 days fewer in the treated arm, by construction), a strength from the
    design and sentences; a draft plan's result says it was not pre-registered."""
    for module in ("rct", "evidence", "wording"):
        pytest.importorskip(f"civiclab.evaluation.stats.{module}")
    plan = _plan(world, tmp_path)
    result = analysis.request_analysis(None, plan, queue=False)
    assert result.state == EvaluationResult.State.QUEUED
    analysis.run_result(result.pk)
    result.refresh_from_db()
    assert result.state == "done", result.error
    assert result.estimate["n"] == 40 and result.estimate["estimate"] < 0
    assert result.strength in ("strong", "moderate")
    texts = [s["text"] for s in result.sentences]
    assert texts[0].startswith("The pilot reduced days to close")
    assert any("not pre-registered" in t for t in texts)
    again = analysis.request_analysis(None, plan, queue=False)
    assert again.pk == result.pk  # the same plan and data: the same result


def test_a_refusal_is_kept_as_its_message(world: World, tmp_path: Path) -> None:
    """GIVEN a trial plan naming a cluster design with no cluster column WHEN analysed THEN the
    result failed with the router's message naming what is missing, and no estimate."""
    pytest.importorskip("civiclab.evaluation.stats.router")
    plan = _plan(world, tmp_path, design="cluster_rct")
    result = analysis.request_analysis(None, plan, queue=False)
    analysis.run_result(result.pk)
    result.refresh_from_db()
    assert result.state == "failed" and result.estimate == {}
    assert "cluster" in result.error["text"]


def test_an_amendment_makes_a_new_result(world: World, tmp_path: Path) -> None:
    plan = _plan(
        world, tmp_path, question="Faster?", analysis_date="2099-12-01",
        intervention_date="2099-01-01",
    )  # fmt: skip
    plan.refresh_from_db()
    draft = analysis.request_analysis(None, plan, queue=False)
    plans.lock_plan(None, plan)
    first = analysis.request_analysis(None, plan, queue=False)
    assert first.pre_registered and first.pk != draft.pk  # the lock changes the wording
    plans.amend_plan(None, plan, "outcome_label", "median days", "Clearer words")
    second = analysis.request_analysis(None, plan, queue=False)
    assert second.pk != first.pk and second.plan_hash == analysis.result_key(plan)


def test_power_from_the_citys_history(world: World, tmp_path: Path) -> None:
    """GIVEN a plan over a dataset of outcomes WHEN power is asked from history THEN the
    baseline (mean, SD) comes from the data and the MDE for its units is reported."""
    pytest.importorskip("civiclab.evaluation.stats.history")
    plan = _plan(world, tmp_path)
    answer = power.plan_power(None, plan, {"from_history": True})
    assert answer["baseline"]["n_obs"] == 40
    assert answer["n"] == 40 and answer["mde"] > 0 and answer["curve"]


def test_randomise_with_a_balance_table(world: World, tmp_path: Path) -> None:
    pytest.importorskip("civiclab.evaluation.stats.balance")
    plan = _plan(world, tmp_path)
    dataset = plan.outcome_dataset
    made = assignments.randomise(
        None, plan, dataset, unit_column="property", method="stratified",
        strata=["district"], covariates=["days"], seed=7,
    )  # fmt: skip
    assert made.counts == {"control": 20, "treatment": 20}
    assert made.balance and made.balance[0]["covariate"] == "days"
    assert made.saved_version.rows == TRIAL.count("\n") - 1


def test_power_from_a_stand_in_plan_without_a_solution(world: World, tmp_path: Path) -> None:
    """The power page reads the history of a dataset through an unsaved plan that names it
    (no solution): it is checked as that data's reader."""
    pytest.importorskip("civiclab.evaluation.stats.history")
    from civiclab.evaluation.models import EvaluationPlan

    dataset = dataset_of(world.city, tmp_path)
    stand_in = EvaluationPlan(
        city=world.city, visibility=dataset.visibility, outcome_dataset=dataset,
        outcome_column="days", unit_column="property", design="rct",
    )  # fmt: skip
    answer = power.plan_power(world.user("viewer"), stand_in, {"from_history": True})
    assert answer["baseline"]["n_obs"] == 40
