"""The evaluation tools in the browser's forms: the power calculator (typed numbers, the
plan's history, a dataset column picked), randomisation, and running an analysis."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from civiclab.evaluation.models import Assignment
from civiclab.evaluation.services import plans
from tests.clients import as_user, body
from tests.evaluation.helpers import dataset_of, solution_of
from tests.world import World

pytestmark = pytest.mark.django_db
pytest.importorskip("civiclab.evaluation.services.power")
pytest.importorskip("civiclab.evaluation.services.assignments")


def _plan(world: World, tmp_path: Path):  # type: ignore[no-untyped-def]
    dataset = dataset_of(world.city, tmp_path)
    plan = plans.create_plan(
        world.user("member"),
        solution_of(world),
        "Squad trial",
        "rct",
        question="Faster?",
        outcome_dataset=dataset,
        outcome_column="days",
        unit_column="property",
        intervention_date=dt.date(2099, 1, 1),
        analysis_date=dt.date(2099, 12, 1),
        columns={"treated": "treated", "strata": ["district"]},
        lower_is_better=True,
    )
    return plan, dataset


def test_power_calculator_typed_from_the_plan_and_from_a_column(
    world: World, tmp_path: Path
) -> None:
    plan, dataset = _plan(world, tmp_path)
    viewer = as_user(world.user("viewer"))
    url = reverse("evaluation:power", args=[plan.pk])
    base = {"design": "rct", "outcome_kind": "continuous", "alpha": "0.05", "power": "0.8"}
    typed = body(viewer.get(url, {**base, "n": "400", "sd": "7.1"}))
    assert 'class="power-mde">1.99<' in typed and 'data-evaluation-chart="power-chart"' in typed
    partial = viewer.get(url, {**base, "n": "40", "history": "plan"}, HTTP_HX_REQUEST="true")
    text = body(partial)
    assert "<html" not in text and "power-mde" in text and "From the history" in text
    picked = body(
        viewer.get(
            reverse("evaluation:city_power", args=[world.city.slug]),
            {
                **base,
                "n": "40",
                "history": f"dataset:{dataset.pk}",
                "history_column": "days",
                "history_unit": "property",
            },
        )
    )
    assert "power-mde" in picked and "From the history" in picked
    refused = body(viewer.get(url, {**base}))
    assert 'role="alert"' in refused  # neither units nor effect: said in words


def test_randomise_through_the_form_shows_balance_hash_and_dataset(
    world: World, tmp_path: Path
) -> None:
    plan, dataset = _plan(world, tmp_path)
    member = as_user(world.user("member"))
    url = reverse("evaluation:randomise", args=[plan.pk])
    assert as_user(world.user("viewer")).post(url, {}).status_code == 403
    form = {
        "dataset": str(dataset.pk), "unit_column": "property", "method": "stratified",
        "arms": "control, treatment", "strata": "district", "covariates": "days",
        "seed": "7",
    }  # fmt: skip
    response = member.post(url, form)
    assert response.status_code == 302, body(response)
    made = Assignment.objects.get(plan=plan)
    assert made.seed == 7 and sum(made.counts.values()) == 40
    page = body(member.get(response["Location"]))
    assert made.assignment_hash in page and "days" in page
    assert reverse("datasets:dataset", args=[world.city.slug, made.saved_version.dataset.slug]) in (
        page
    )


def test_run_the_analysis_from_the_plan(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    """Queued when the transaction commits (the worker runs at once in the tests): the result
    page shows the finished result, labelled as not pre-registered (the plan is a draft)."""
    pytest.importorskip("civiclab.evaluation.stats.router")
    plan, _dataset = _plan(world, tmp_path)
    member = as_user(world.user("member"))
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(reverse("evaluation:analyse", args=[plan.pk]))
    assert response.status_code == 302
    page = body(member.get(response["Location"]))
    assert "Not pre-registered" in page and "result-sentences" in page
    assert 'data-evaluation-chart="effect-chart"' in page
