"""The demo's evaluations: Detroit's pre-registered trial and Mobile's synthetic control are
computed when the demo is seeded, and their pages show the stored numbers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from civiclab.evaluation.demo import SYNTH_TITLE, TRIAL_TITLE, UNITS
from civiclab.evaluation.models import EvaluationPlan
from civiclab.evaluation.templatetags.evaluation_text import number, render_message
from tests.clients import as_user, body

pytestmark = pytest.mark.django_db
pytest.importorskip("civiclab.evaluation.services.assignments")


@pytest.fixture
def seeded() -> None:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.evaluation.demo import seed_demo_evaluations
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio

    seed_demo()
    seed_demo_datasets()
    seed_demo_indicators()
    seed_demo_portfolio()
    made = seed_demo_evaluations()
    assert len(made) == 2, made
    assert seed_demo_evaluations() == []  # once


def _admin(slug: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=f"{slug}.admin@demo.civiclab.org")


def test_detroit_trial_is_pre_registered_randomised_and_computed(seeded: None) -> None:
    plan = EvaluationPlan.objects.get(title=TRIAL_TITLE)
    assert plan.is_locked and not plan.registered_after_data
    assignment = plan.assignments.get()
    assert sum(assignment.counts.values()) == UNITS and assignment.strata == ["district"]
    assert plan.locked_at > assignment.created_at
    result = plan.results.get()
    assert result.state == "done" and result.pre_registered and result.strength == "strong"
    estimate = result.estimate
    # The simulated triage halves the days (about −2.2 days): the interval holds it.
    assert estimate["ci_low"] < -1.5 < estimate["ci_high"] < 0
    assert plan.minimum_detectable_effect and 0.5 < plan.minimum_detectable_effect < 5

    client = as_user(_admin("detroit"))
    page = body(client.get(reverse("evaluation:result", args=[plan.pk, result.pk])))
    assert number(estimate["estimate"]) in page and number(estimate["ci_low"]) in page
    assert "strength-strong" in page and "Pre-registered" in page
    plan_page = body(client.get(reverse("evaluation:plan", args=[plan.pk])))
    assert plan.content_hash in plan_page
    shown = body(
        client.get(reverse("evaluation:assignment", args=[plan.pk]) + f"?id={assignment.pk}")
    )
    assert assignment.assignment_hash in shown and "violations" in shown
    # What was learned is on the solution's page (evaluation's panel, core.page_links).
    solution_page = body(client.get(reverse("portfolio:solution", args=[plan.solution_id])))
    assert "What the evaluations found" in solution_page and "strength-strong" in solution_page
    assert escape(render_message(result.sentences[0])) in solution_page
    # … and, once the evaluation is kept within Detroit, not for another city's admin.
    outsider = as_user(_admin("mobile"))
    solution_url = reverse("portfolio:solution", args=[plan.solution_id])
    assert "What the evaluations found" in body(outsider.get(solution_url))  # network-wide
    EvaluationPlan.objects.filter(pk=plan.pk).update(visibility="city")
    answer = outsider.get(solution_url)
    assert answer.status_code == 404 or "What the evaluations found" not in body(answer)


def test_mobile_synthetic_control_is_registered_after_data(seeded: None) -> None:
    plan = EvaluationPlan.objects.get(title=SYNTH_TITLE)
    assert plan.is_locked and plan.registered_after_data
    result = plan.results.get()
    assert result.state == "done", result.error
    assert not result.pre_registered and result.registered_after_data
    page = body(
        as_user(_admin("mobile")).get(reverse("evaluation:result", args=[plan.pk, result.pk]))
    )
    assert "Registered after data" in page and 'data-evaluation-chart="effect-chart"' in page
    assert number(result.estimate["estimate"]) in page


def test_the_api_and_the_cli_agree_with_the_demo_pages(
    seeded: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the demo's trial WHEN its result is read through the API and its sizing redone
    with ``civiclab evaluate power`` THEN they give the numbers the pages show."""
    import json

    from django.core.management import call_command
    from django.test import Client

    from civiclab.datasets.services import find_dataset
    from civiclab.evaluation.demo import UNITS, _history
    from tests.permission_matrix import api_headers

    plan = EvaluationPlan.objects.get(title=TRIAL_TITLE)
    admin = _admin("detroit")
    response = Client().get(f"/api/v1/evaluations/{plan.pk}/result", **api_headers(admin))
    assert response.status_code == 200, response.content
    found = response.json()
    stored = plan.results.get()
    assert found["estimate"]["estimate"] == stored.estimate["estimate"]
    assert found["strength"] == "strong"

    sd = float(_history(find_dataset(plan.city, "311 requests")).std())
    capsys.readouterr()
    call_command("evaluate", "power", "--n", str(UNITS), "--sd", str(sd), "--json")
    answer = json.loads(capsys.readouterr().out)
    assert round(answer["mde"], 2) == plan.minimum_detectable_effect


def test_the_cli_analysis_of_the_trials_outcomes_gives_the_pages_numbers(
    seeded: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the demo's trial WHEN an analyst runs ``civiclab evaluate analyse`` on its outcome
    dataset with the plan's columns THEN the estimate and interval are those of the stored
    result (the pages' numbers), labelled not pre-registered."""
    import json

    from django.core.management import call_command

    plan = EvaluationPlan.objects.get(title=TRIAL_TITLE)
    stored = plan.results.get().estimate
    capsys.readouterr()
    call_command(
        "evaluate", "analyse", "--city", "detroit", "--dataset", plan.outcome_dataset.slug,
        "--design", "rct", "--outcome", "days_to_close", "--unit", "property",
        "--treated", "treated", "--strata", "district", "--covariates", "violations,fines",
        "--json",
    )  # fmt: skip
    found = json.loads(capsys.readouterr().out)
    for key in ("estimate", "se", "ci_low", "ci_high", "n"):
        assert found[key] == pytest.approx(stored[key], rel=1e-9), key
    assert found["estimator"] == stored["estimator"] and found["design"] == "rct"
