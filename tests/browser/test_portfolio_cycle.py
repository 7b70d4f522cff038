"""The portfolio issue's whole cycle in a real browser, as the demo's Mobile analyst: create a
challenge, log a data finding and an interview insight, add a cause, add two ideas and score
them, advance one to a solution with a goal, an indicator target and a milestone, move it into
delivery, and see it on the board and in the portfolio table."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets import services as datasets
from civiclab.datasets.demo import DEMO_DATASETS, REAL_DATA
from civiclab.indicators.demo import DEMO_INDICATORS
from civiclab.indicators.services import create_indicator
from civiclab.network.demo import DEMO_PASSWORD, seed_demo
from civiclab.network.models import City
from civiclab.portfolio.models import Challenge, Evidence, Idea, Score, Solution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ANALYST = "mobile.analyst@demo.civiclab.org"


def _mobile_with_an_indicator() -> None:
    seed_demo()
    mobile = City.objects.get(slug="mobile")
    (data,) = [d for d in DEMO_DATASETS if d.city == "mobile" and d.name == "Vacant buildings"]
    source = REAL_DATA / data.file
    version = datasets.import_file(
        None, mobile, data.name, source, source.name, datasets.ImportOptions(visibility="public")
    )
    (item,) = [i for i in DEMO_INDICATORS if i.name == "Vacant building notices"]
    create_indicator(None, version.dataset, item.name, item.spec, **item.fields)


def _sign_in(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _save(page: Page, label: str = "Save") -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]", has_text=label).first.click()


def _add_and_score_idea(
    page: Page, base: str, challenge: Challenge, title: str, scores: dict
) -> Idea:
    page.goto(f"{base}/challenges/{challenge.pk}/ideas/new/")
    page.fill("input[name=title]", title)
    page.select_option("select[name=origin]", "residents")
    _save(page)
    idea = Idea.objects.get(challenge=challenge, title=title)
    assert page.url.endswith(f"/ideas/{idea.pk}/")
    for criterion, value in scores.items():
        page.select_option(f"select[name=score_{criterion}]", str(value))
    _save(page, "Save my scores")
    return idea


def test_a_challenge_from_first_evidence_to_a_solution_in_delivery(
    page: Page, live_server: LiveServer, artifacts_dir: Path
) -> None:
    _mobile_with_an_indicator()
    _sign_in(page, live_server)
    base = live_server.url

    page.goto(f"{base}/challenges/new/?city=mobile")
    page.fill("input[name=title]", "Heirs' property keeps homes empty")
    page.fill("textarea[name=problem_statement]", "Homes with unclear title stand empty.")
    page.select_option("select[name=priority_area]", "housing")
    _save(page)
    challenge = Challenge.objects.get(title="Heirs' property keeps homes empty")
    assert page.url.endswith(f"/challenges/{challenge.pk}/")

    page.goto(f"{base}/challenges/{challenge.pk}/evidence/new/?kind=data")
    page.fill("input[name=title]", "Notices are not falling")
    page.select_option("select[name=indicator]", label="Vacant building notices")
    _save(page)
    page.goto(f"{base}/challenges/{challenge.pk}/evidence/new/?kind=insight")
    page.fill("input[name=title]", "Interview with a family")
    page.fill("textarea[name=body]", "Grandma's house is ours, but the court says it isn't.")
    page.select_option("select[name=method]", "interview")
    page.check("input[name=consent]")
    _save(page)
    finding = Evidence.objects.get(challenge=challenge, kind="data")
    assert finding.snapshot["value"] is not None  # the number, frozen
    main = page.locator("main")
    expect(main).to_contain_text("Interview with a family")
    expect(main).to_contain_text("Notices are not falling")

    cause_form = page.locator("form[action$='/causes/']").first
    cause_form.locator("input[name=text]").fill("Titles pass to heirs without probate")
    cause_form.locator("button[type=submit]").click()
    expect(main).to_contain_text("Titles pass to heirs without probate")

    tracing = _add_and_score_idea(
        page, base, challenge, "Heirs' property legal clinic",
        {"impact": 5, "feasibility": 4, "cost": 3, "equity": 5, "evidence": 4},
    )  # fmt: skip
    _add_and_score_idea(
        page, base, challenge, "Title search at tax sale",
        {"impact": 3, "feasibility": 2, "cost": 2, "equity": 3, "evidence": 2},
    )  # fmt: skip
    assert Score.objects.filter(idea__challenge=challenge).count() == 10

    page.goto(f"{base}/ideas/{tracing.pk}/")
    expect(page.locator("main")).to_contain_text("4.2")  # the overall mean of the scores
    page.fill("input[name=title] >> nth=-1", "Legal clinic pilot")
    page.fill("textarea[name=goal_statement]", "Clear 100 titles by the end of 2027.")
    page.select_option("select[name=indicator]", label="Vacant building notices")
    page.fill("input[name=target_value]", "150")
    page.fill("input[name=target_date]", "2027-12-31")
    page.fill("input[name=milestone_title]", "Clinic opens")
    page.fill("input[name=milestone_due]", "2027-02-01")
    _save(page, "Create the solution")
    solution = Solution.objects.get(challenge=challenge)
    assert page.url.endswith(f"/solutions/{solution.pk}/")
    assert solution.targets.get().target_value == 150.0
    assert solution.milestones.get().title == "Clinic opens"
    expect(page.locator("main")).to_contain_text("Clear 100 titles by the end of 2027.")

    page.goto(f"{base}/portfolio/board/")
    column = page.locator("section.board-column.phase-prepare")
    expect(column).to_contain_text("Heirs' property keeps homes empty")

    # Into delivery: the solution's stage moves the challenge to the deliver phase.
    page.goto(f"{base}/solutions/{solution.pk}/edit/")
    page.select_option("select[name=stage]", "deliver")
    _save(page)
    page.goto(f"{base}/portfolio/board/")
    column = page.locator("section.board-column.phase-deliver")
    expect(column).to_contain_text("Heirs' property keeps homes empty")
    page.goto(f"{base}/portfolio/")
    row = page.locator("main table tr", has_text="Heirs' property keeps homes empty")
    expect(row).to_contain_text("Legal clinic pilot")
    page.screenshot(path=str(artifacts_dir / "browser-portfolio-table.png"), full_page=True)
