"""Run charts in a real browser: Chart.js draws the indicator page's chart, the builder's
preview chart is drawn again after each htmx swap, and a card draws on a page without
Chart.js."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Template
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets import services as datasets
from civiclab.indicators import services
from civiclab.indicators.models import Indicator
from tests.datasets.helpers import write
from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many pixels of the canvas Chart.js painted (0 for a blank canvas).
PAINTED = """
(canvas) => {
  const ctx = canvas.getContext('2d');
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) painted++; }
  return painted;
}
"""


def _signed_in_member(page: Page, live_server: LiveServer, tmp_path: Path) -> Indicator:
    city = CityFactory(slug="mobile", name="Mobile")
    user = UserFactory(email="robin@example.org")
    MembershipFactory(user=user, city=city, role="member")
    lines = ["id,opened"]
    for month in range(8):
        lines += [f"{len(lines)},2024-{month + 1:02d}-05" for _ in range(20 - 2 * month)]
    path = write(tmp_path / "requests.csv", "\n".join(lines) + "\n")
    version = datasets.import_file(
        None, city, "Requests", path, path.name, datasets.ImportOptions()
    )
    indicator = services.create_indicator(
        user,
        version.dataset,
        "Requests",
        {"measure": {"type": "count"}, "time": {"column": "opened", "period": "month"}},
        target_value=4.0,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    return indicator


def test_indicator_page_draws_its_run_chart(
    page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    """GIVEN an indicator with values, a median, a target and a trend WHEN its page opens
    THEN Chart.js draws a labelled, non-empty canvas with the series, median, target and
    signal legend, and the table of values is still there."""
    indicator = _signed_in_member(page, live_server, tmp_path)
    page.goto(f"{live_server.url}/cities/mobile/indicators/{indicator.slug}/")
    figure = page.locator('figure[data-chart="indicator-chart"].chart-drawn')
    expect(figure).to_be_visible()
    canvas = figure.locator("canvas")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute("aria-label", "Requests: values from January 2024 to"
                                     " August 2024. Latest value: 6. Median: 13. Target: 4."
                                     " 8 points in a signal of change.")  # fmt: skip
    assert canvas.evaluate(PAINTED) > 1000
    chart = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('figure[data-chart] canvas'));
          return {
            datasets: chart.data.datasets.map(d => d.label),
            x: chart.options.scales.x.title.text,
            animated: chart.options.animation !== false,
          };
        }"""
    )
    assert chart["datasets"] == ["Value", "Median", "Target", "Point in a signal"]
    assert chart["x"] == "Period"
    expect(page.locator("table caption", has_text="Values per period")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "browser-indicator-chart.png"), full_page=True)


def test_reduced_motion_turns_animation_off(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    indicator = _signed_in_member(page, live_server, tmp_path)
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/cities/mobile/indicators/{indicator.slug}/")
    expect(page.locator("figure.chart-drawn")).to_be_visible()
    animation = page.evaluate(
        "() => Chart.getChart(document.querySelector('figure.chart canvas')).options.animation"
    )
    assert animation is False


def _wait_until_painted(page: Page) -> None:
    """Wait for the preview's canvas now in place to be laid out and painted: the builder may
    swap the preview in more than once (the changed field, then the button), and a canvas
    read mid-swap has no width."""
    page.wait_for_function(
        "() => { const c = document.querySelector('#preview figure.chart-drawn canvas');"
        " return c !== null && c.width > 0 && (" + PAINTED.strip() + ")(c) > 1000; }",
        timeout=20_000,
    )


def test_builder_preview_redraws_after_each_htmx_swap(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    """GIVEN the builder of an indicator WHEN Preview is pressed twice THEN each swapped-in
    preview draws its chart, and the chart of the replaced canvas is destroyed."""
    indicator = _signed_in_member(page, live_server, tmp_path)
    page.goto(f"{live_server.url}/cities/mobile/indicators/{indicator.slug}/edit/")
    preview = page.get_by_role("button", name="Preview")
    preview.click()
    figure = page.locator('#preview figure[data-chart="preview-chart"].chart-drawn')
    expect(figure).to_be_visible()
    _wait_until_painted(page)
    page.evaluate("() => { document.querySelector('#preview canvas').dataset.first = 'yes'; }")

    page.select_option("select[name=period]", "week")
    preview.click()
    expect(page.locator("#preview canvas[data-first]")).to_have_count(0)
    expect(figure).to_be_visible()
    _wait_until_painted(page)
    state = page.evaluate(
        """() => ({
          charts: Object.keys(Chart.instances).length,
          points: Chart.getChart(document.querySelector('#preview canvas')).data.labels.length,
        })"""
    )
    assert state["charts"] == 1  # the first preview's chart is gone with its canvas
    assert state["points"] > 8  # weeks now, not months


def test_card_draws_on_a_page_without_chart_js(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    """GIVEN two indicator cards on a page that loads no chart script WHEN it opens THEN
    charts.js (included by each card, run once) loads Chart.js and draws both sparks."""
    indicator = _signed_in_member(page, live_server, tmp_path)
    user = indicator.owner
    card = Template("{% load indicator_cards %}{% indicator_card indicator user %}").render(
        Context({"indicator": indicator, "user": user})
    )
    page.goto(f"{live_server.url}/healthz")
    page.set_content(f"<!doctype html><html lang='en'><body>{card}{card}</body></html>")
    expect(page.locator("figure.chart-spark.chart-drawn")).to_have_count(2)
    assert page.evaluate("() => Object.keys(Chart.instances).length") == 2
    assert page.locator("figure.chart-spark canvas").first.evaluate(PAINTED) > 100
