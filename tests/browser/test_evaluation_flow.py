"""Issue 12 in a real browser: Detroit's demo trial — open the plan, see it locked with its
SHA-256, open the result, see the plain-language sentence and the effect chart drawn."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.network.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADMIN = "detroit.admin@demo.civiclab.org"
pytest.importorskip("civiclab.evaluation.services.assignments")


def test_detroit_opens_its_locked_plan_and_its_result(page: Page, live_server: LiveServer) -> None:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.evaluation.demo import TRIAL_TITLE, seed_demo_evaluations
    from civiclab.evaluation.models import EvaluationPlan
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio

    seed_demo()
    seed_demo_datasets()
    seed_demo_indicators()
    seed_demo_portfolio()
    seed_demo_evaluations()
    plan = EvaluationPlan.objects.get(title=TRIAL_TITLE)

    page.goto(f"{live_server.url}/accounts/login/", wait_until="domcontentloaded")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    page.goto(f"{live_server.url}/solutions/{plan.solution_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Evaluations").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name=TRIAL_TITLE).click()
    expect(page.locator(".plan-locked")).to_be_visible()
    expect(page.locator("#plan-hash")).to_have_text(plan.content_hash)

    with page.expect_navigation():
        page.locator(".actions a", has_text="Result").click()
    expect(page.locator(".result-sentences p").first).to_contain_text("The pilot reduced")
    expect(page.locator(".strength-strong")).to_be_visible()
    figure = page.locator('[data-evaluation-chart="effect-chart"]')
    expect(figure).to_have_attribute("data-drawn", "1")
    box = figure.locator("canvas").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
