"""The indicators issue's "done when", in a real browser: an i-team member turns the demo
city's 311 data into an indicator with a baseline, a target and an equity breakdown, sees the
signals on its run chart, and the CLI and the API give the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.accounts.models import User
from civiclab.datasets import services as datasets
from civiclab.datasets.demo import DEMO_DATASETS, REAL_DATA
from civiclab.indicators.models import Indicator
from civiclab.network.demo import seed_demo
from civiclab.network.models import City
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _detroit_311() -> City:
    seed_demo()
    detroit = City.objects.get(slug="detroit")
    (item,) = [d for d in DEMO_DATASETS if d.city == "detroit" and d.name == "311 requests"]
    source = REAL_DATA / item.file
    datasets.import_file(None, detroit, item.name, source, source.name, datasets.ImportOptions())
    return detroit


def _sign_in(page: Page, live_server: LiveServer, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_member_builds_a_311_indicator_with_goal_equity_and_signals(
    page: Page, live_server: LiveServer, artifacts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    detroit = _detroit_311()
    member = UserFactory(email="analyst@detroit.example")
    MembershipFactory(user=member, city=detroit, role="member")
    _sign_in(page, live_server, member)

    page.goto(f"{live_server.url}/cities/detroit/indicators/new/?dataset=311-requests")
    page.fill("input[name=name]", "Days to close 311 requests")
    page.select_option("select[name=measure]", "duration")
    page.select_option("select[name=column]", "CreatedDate")
    page.select_option("select[name=end]", "CloseDate")
    page.select_option("select[name=stat]", "median")
    page.select_option("select[name=unit]", "days")
    page.select_option("select[name=time_column]", "CreatedDate")
    page.select_option("select[name=period]", "quarter")
    page.select_option("select[name=breakdown]", "PoliceDistrict")
    page.select_option("select[name=polarity]", "lower_is_better")
    page.fill("input[name=baseline_start]", "2014-01-01")
    page.fill("input[name=baseline_end]", "2014-12-31")
    page.fill("input[name=target_value]", "0.75")
    page.fill("input[name=target_date]", "2019-12-31")

    # The live preview shows the chart and the breakdown before anything is saved.
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview figure.chart-drawn")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("Northeastern")
    assert not Indicator.objects.exists()

    with page.expect_navigation():
        page.locator("main form button[type=submit]", has_text="Save").click()
    indicator = Indicator.objects.get(city=detroit)
    assert page.url.endswith(f"/cities/detroit/indicators/{indicator.slug}/")

    figure = page.locator('figure[data-chart="indicator-chart"].chart-drawn')
    expect(figure).to_be_visible()
    labels = page.evaluate(
        "() => Chart.getChart(document.querySelector('figure.chart canvas'))"
        ".data.datasets.map(d => d.label)"
    )
    assert labels == ["Value", "Median", "Target", "Point in a signal"]
    main = page.locator("main")
    expect(main).to_contain_text("Baseline")
    expect(main).to_contain_text("0.75")
    expect(page.locator(".signals li").first).to_be_visible()  # signals, in words
    expect(main).to_contain_text("Northeastern")  # breakdown and equity by district
    expect(main).to_contain_text("Gap")
    page.screenshot(path=str(artifacts_dir / "browser-indicator-311.png"), full_page=True)

    # The CLI and the API give the same numbers as the page's series.
    spec_file = artifacts_dir / "detroit-311-spec.json"
    spec_file.write_text(json.dumps(indicator.spec))
    capsys.readouterr()
    call_command("indicator", "eval", str(spec_file), "--city", "detroit", "--json")
    from_cli = json.loads(capsys.readouterr().out)
    client = Client()
    client.force_login(member)
    api = client.get(f"/api/v1/cities/detroit/indicators/{indicator.slug}/series").json()
    overall = api["overall"]
    by_group = {(p["period"], p["group"]): (p["value"], p["n"]) for p in from_cli}
    assert by_group == {(p["period"], p["group"]): (p["value"], p["n"]) for p in api["breakdown"]}
    assert len({p["period"] for p in overall}) == 21  # 2014-Q1 … 2019-Q1
