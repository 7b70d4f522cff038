"""The evaluation pages: who sees them (404 for outsiders), the plan's form, the lock with its
SHA-256 and JSON record, amendments with their reasons, and a result in French."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.evaluation.services import plans
from tests.clients import as_user, body
from tests.evaluation.helpers import dataset_of, plan_of, solution_of
from tests.world import World

pytestmark = pytest.mark.django_db


def _form(dataset: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "title": "Squad trial",
        "question": "Does the squad close cases faster?",
        "hypothesis": "Fewer days to close.",
        "design": "rct",
        "outcome_dataset": dataset.pk,
        "outcome_column": "days",
        "unit_column": "property",
        "outcome_kind": "continuous",
        "lower_is_better": "on",
        "unit_label": "property",
        "intervention_date": "2099-01-01",
        "analysis_date": "2099-12-01",
        "alpha": "0.05",
        "power_target": "0.8",
        "col_treated": "treated",
        "col_strata": "district",
        "visibility": "city",
    }
    data.update(changes)
    return data


def test_member_drafts_locks_and_amends_through_the_forms(world: World, tmp_path: Path) -> None:
    """GIVEN a member of the city WHEN they draft a plan, lock it and amend it through the pages
    THEN the plan page shows the lock's SHA-256 (the one of the downloaded JSON) and the
    amendment with its reason, to a viewer too; a locked plan's edit page leads to amend."""
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    member = as_user(world.user("member"))
    new = reverse("evaluation:new", args=[solution.pk])
    assert member.get(new).status_code == 200
    response = member.post(new, _form(dataset))
    assert response.status_code == 302, body(response)
    plan = EvaluationPlan.objects.get(solution=solution)
    assert plan.columns == {"treated": "treated", "strata": ["district"]}
    assert plan.lower_is_better

    response = member.post(reverse("evaluation:lock", args=[plan.pk]), follow=True)
    plan.refresh_from_db()
    assert plan.is_locked and len(plan.content_hash) == 64
    assert plan.content_hash in body(response)

    download = member.get(reverse("evaluation:plan_json", args=[plan.pk]))
    assert "attachment" in download["Content-Disposition"]
    document = json.loads(download.content)
    canonical = json.dumps(
        document["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert hashlib.sha256(canonical).hexdigest() == plan.content_hash == document["locked_hash"]

    edit = member.get(reverse("evaluation:edit", args=[plan.pk]))
    assert edit.status_code == 302 and edit["Location"].endswith("/amend/")
    amend = reverse("evaluation:amend", args=[plan.pk])
    refused = member.post(amend, {"field": "analysis_date", "value": "2099-12-31", "reason": ""})
    assert refused.status_code == 400
    done = member.post(
        amend,
        {"field": "analysis_date", "value": "2099-12-31", "reason": "The pilot was extended."},
    )
    assert done.status_code == 302
    page = body(as_user(world.user("viewer")).get(reverse("evaluation:plan", args=[plan.pk])))
    assert "The pilot was extended." in page and "2099-12-31" in page
    assert plan.content_hash in page


def test_outsiders_get_404_and_viewers_cannot_write(world: World, tmp_path: Path) -> None:
    solution = solution_of(world)
    plan = plan_of(solution, question="Q?")
    urls = [
        reverse("evaluation:solution", args=[solution.pk]),
        reverse("evaluation:plan", args=[plan.pk]),
        reverse("evaluation:plan_json", args=[plan.pk]),
        reverse("evaluation:power", args=[plan.pk]),
        reverse("evaluation:results", args=[plan.pk]),
    ]
    outsider = as_user(world.user("other_city_admin"))
    viewer = as_user(world.user("viewer"))
    for url in urls:
        assert outsider.get(url).status_code == 404, url
        assert viewer.get(url).status_code == 200, url
    assert as_user(None).get(urls[1]).status_code == 404
    assert viewer.get(reverse("evaluation:edit", args=[plan.pk])).status_code == 403
    assert viewer.post(reverse("evaluation:lock", args=[plan.pk])).status_code == 403
    assert viewer.get(reverse("evaluation:new", args=[solution.pk])).status_code == 403
    city_page = body(viewer.get(reverse("evaluation:city", args=[world.city.slug])))
    assert plan.title in city_page
    assert plan.title not in body(
        outsider.get(reverse("evaluation:city", args=[world.other_city.slug]))
    )


def test_solution_and_city_pages_link_to_evaluations(world: World) -> None:
    solution = solution_of(world)
    client = as_user(world.user("member"))
    page = body(client.get(reverse("portfolio:solution", args=[solution.pk])))
    assert reverse("evaluation:solution", args=[solution.pk]) in page
    page = body(client.get(reverse("network:city", args=[world.city.slug])))
    assert reverse("evaluation:city", args=[world.city.slug]) in page
    listing = client.get(reverse("evaluation:solution", args=[solution.pk]))
    assert 'aria-current="page"' in body(listing) or listing.status_code == 200


def _done_result(plan: EvaluationPlan) -> EvaluationResult:
    return EvaluationResult.objects.create(
        plan=plan,
        plan_hash=plans.current_hash(plan),
        data_version="test",
        state=EvaluationResult.State.DONE,
        progress=1.0,
        pre_registered=True,
        strength="strong",
        estimate={
            "design": "rct",
            "estimator": "welch_t",
            "estimate": -3.14159,
            "se": 0.5,
            "ci_low": -4.25,
            "ci_high": -2.0312,
            "p_value": 0.0001,
            "n": 1400,
            "n_obs": 1400,
            "checks": [],
            "warnings": [],
            "chart": {
                "kind": "arm_means",
                "arms": [
                    {"arm": "control", "n": 700, "mean": 20.5, "low": 19.9, "high": 21.1},
                    {"arm": "treatment", "n": 700, "mean": 17.4, "low": 16.8, "high": 18.0},
                ],
            },
        },
        sentences=[
            {
                "code": "effect_reduced",
                "template": "The pilot reduced {outcome} by {effect} {unit} ({level} % CI "
                "{ci_low} to {ci_high} {unit}).",
                "params": {
                    "outcome": "days to close",
                    "effect": 3.14159,
                    "unit": "days",
                    "level": 95,
                    "ci_low": -4.25,
                    "ci_high": -2.0312,
                },
            }
        ],
    )


def test_result_page_in_english_and_in_french(world: World) -> None:
    """GIVEN a computed result WHEN a member reads it in French THEN the sentence is the French
    template with French numbers (decimal comma), the strength chip and the chart's table."""
    plan = plan_of(solution_of(world), question="Q?")
    result = _done_result(plan)
    url = reverse("evaluation:result", args=[plan.pk, result.pk])
    client = as_user(world.user("member"))
    english = body(client.get(url))
    assert "The pilot reduced days to close by 3.14 days (95 % CI -4.25 to -2.03 days)." in english
    assert "strength-strong" in english and 'data-evaluation-chart="effect-chart"' in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = body(client.get(url))
    assert "Le pilote a réduit days to close de 3,14 days" in french
    assert "-4,25" in french and "strength-strong" in french


def test_a_running_result_polls_its_progress(world: World) -> None:
    plan = plan_of(solution_of(world), question="Q?")
    result = EvaluationResult.objects.create(
        plan=plan, plan_hash="x", data_version="y", state="running", progress=0.4,
        stage="estimating",
    )  # fmt: skip
    client = as_user(world.user("member"))
    page = body(client.get(reverse("evaluation:result", args=[plan.pk, result.pk])))
    status_url = reverse("evaluation:result_status", args=[plan.pk, result.pk])
    assert f'hx-get="{status_url}"' in page and 'value="40"' in page
    assert client.get(status_url).status_code == 200
    EvaluationResult.objects.filter(pk=result.pk).update(state="done", progress=1.0)
    finished = client.get(status_url)
    assert finished.status_code == 286 and finished["HX-Refresh"] == "true"


def test_the_forms_bound_their_texts_as_the_api_does(world: World, tmp_path: Path) -> None:
    """GIVEN the plan and amendment forms WHEN a text is longer than the API accepts (5,000
    characters) THEN the form says so beside the field and nothing is saved."""
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    member = as_user(world.user("member"))
    new = reverse("evaluation:new", args=[solution.pk])
    too_long = member.post(new, _form(dataset, question="x" * 5001))
    assert too_long.status_code in (200, 400) and 'id="id_question_error"' in body(too_long)
    assert not EvaluationPlan.objects.filter(solution=solution).exists()
    assert member.post(new, _form(dataset)).status_code == 302
    plan = EvaluationPlan.objects.get(solution=solution)
    assert member.post(reverse("evaluation:lock", args=[plan.pk])).status_code == 302
    amend = reverse("evaluation:amend", args=[plan.pk])
    refused = member.post(
        amend, {"field": "analysis_date", "value": "2099-12-31", "reason": "r" * 5001}
    )
    assert refused.status_code == 400 and not plan.amendments.exists()
