"""The refusals of the evaluation services reach a French reader in French: through the API
(Accept-Language: fr) and on the pages (the language cookie)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.clients import as_user, body
from tests.evaluation.helpers import dataset_of, plan_of, solution_of
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def call(user: Any, method: str, url: str, data: Any = None) -> Any:
    kwargs: dict[str, Any] = {"content_type": "application/json", **api_headers(user), **FRENCH}
    if data is not None:
        kwargs["data"] = json.dumps(data)
    return getattr(Client(), method)(url, **kwargs)


def test_api_refusals_in_french(world: World, tmp_path: Path) -> None:
    """GIVEN a French API request WHEN a lock is refused (outcome data exist), a locked plan is
    edited, an amendment lacks its reason and the power calculator lacks the SD THEN each
    error message is the French one."""
    member = world.user("member")
    plan = plan_of(
        solution_of(world), design="pre_post", outcome_dataset=dataset_of(world.city, tmp_path),
        outcome_column="days", unit_column="property", time_column="closed_on",
        question="?", intervention_date=dt.date(2027, 1, 1), analysis_date=dt.date(2028, 1, 1),
    )  # fmt: skip
    url = f"/api/v1/evaluations/{plan.pk}"
    refused = call(member, "post", f"{url}/lock").json()["error"]
    assert refused["code"] == "outcome_data_exist", refused
    assert "existent déjà" in refused["message"] and "analysis window" not in refused["message"]
    assert call(member, "patch", url, {"registered_after_data": True}).status_code == 200
    assert call(member, "post", f"{url}/lock").status_code == 200
    again = call(member, "post", f"{url}/lock").json()["error"]
    assert again["code"] == "already_locked" and "déjà verrouillé" in again["message"]
    edited = call(member, "patch", url, {"hypothesis": "Changed"}).json()["error"]
    assert edited["code"] == "plan_locked" and "Le plan est verrouillé" in edited["message"]
    bad = call(member, "post", f"{url}/amendments", {"field": "hypothesis", "value": "x",
                                                     "reason": " "}).json()["error"]  # fmt: skip
    assert bad["details"][0]["message"] == "Dites pourquoi le plan change."
    power = call(None, "post", "/api/v1/evaluations/power", {"n": 400}).json()["error"]
    assert power["message"].startswith("Indiquez l’écart-type du résultat"), power


def test_a_page_refusal_in_french(world: World, tmp_path: Path) -> None:
    """GIVEN a French reader WHEN the lock of a plan with outcome data in its window is
    refused on the plan page THEN the refusal is said in French."""
    plan = plan_of(
        solution_of(world), design="pre_post", outcome_dataset=dataset_of(world.city, tmp_path),
        outcome_column="days", unit_column="property", time_column="closed_on",
        question="?", intervention_date=dt.date(2027, 1, 1), analysis_date=dt.date(2028, 1, 1),
    )  # fmt: skip
    client = as_user(world.user("member"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = body(client.post(reverse("evaluation:lock", args=[plan.pk]), follow=True))
    assert "existent déjà" in page and "already exist" not in page
    plan.registered_after_data = True
    plan.save()
    client.post(reverse("evaluation:lock", args=[plan.pk]))
    again = body(client.post(reverse("evaluation:lock", args=[plan.pk]), follow=True))
    assert "Le plan est déjà verrouillé" in again
