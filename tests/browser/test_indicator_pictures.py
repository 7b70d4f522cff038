"""Issue 16 in a real browser: the indicator page draws its breakdown as ranked bars and small
multiples; the builder keeps its preview beside the fields (on a laptop) or first (on a phone),
redraws it as a field changes (htmx), and is not a 3,500-px page any more. axe-core (vendored,
tests/browser/vendor/) checks both pages at desktop and phone widths: no serious or critical
violation of WCAG 2.0/2.1 A or AA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.datasets import services as datasets
from civiclab.indicators import services
from civiclab.indicators.models import Indicator
from tests.datasets.helpers import write
from tests.factories import TEST_PASSWORD, CityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The builder was 3,500 px tall at 1280×800 before the two columns (issue 16).
BUILDER_HEIGHT_LIMIT = 2500


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations of WCAG 2.0/2.1 A and AA on the page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _indicator(tmp_path: Path, language: str = "en") -> tuple[Any, Indicator]:
    """Mobile's requests by area over six months; a member signed in next."""
    city = CityFactory(slug="mobile", name="Mobile", default_language=language)
    user = UserFactory(email="robin@example.org")
    MembershipFactory(user=user, city=city, role="member")
    lines = ["id,opened,area"]
    for month in range(1, 7):
        for area, count in (("North", 10 + month), ("South", 30 - month), ("East", 1200 + month)):
            lines += [f"{len(lines)},2024-{month:02d}-05,{area}" for _ in range(count)]
    path = write(tmp_path / "requests.csv", "\n".join(lines) + "\n")
    version = datasets.import_file(
        None, city, "Requests", path, path.name, datasets.ImportOptions()
    )
    indicator = services.create_indicator(
        user,
        version.dataset,
        "Requests",
        {
            "measure": {"type": "count"},
            "time": {"column": "opened", "period": "month"},
            "breakdown": "area",
            "polarity": "lower_is_better",
        },
    )
    return user, indicator


def _sign_in(page: Page, live_server: LiveServer, user: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def page_height(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def _preview_status(page: Page) -> str:
    status = page.locator("#preview [role=status]")
    expect(status).to_be_visible()
    return status.inner_text()


def test_indicator_page_draws_the_breakdown_and_passes_axe(
    page: Page, phone_page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    """GIVEN an indicator broken down by area WHEN its page opens on a laptop and a phone
    THEN the areas are drawn as ranked bars (best and worst marked, the gap drawn) and as
    small multiples, each with its sentence, and axe finds no serious or critical violation."""
    user, indicator = _indicator(tmp_path)
    for browser_page, width in ((page, "desktop"), (phone_page, "phone")):
        _sign_in(browser_page, live_server, user)
        browser_page.goto(f"{live_server.url}/cities/mobile/indicators/{indicator.slug}/")
        bars = browser_page.locator("#breakdown-bars")
        expect(bars.locator("figcaption")).to_contain_text(
            "By area in June 2024, North has the best value (16) and East the worst (1,206)"
        )
        rows = bars.locator(".bar-row")
        expect(rows).to_have_count(3)
        expect(rows.first).to_have_class("bar-row is-best")
        expect(rows.last).to_have_class("bar-row is-worst")
        widths = [
            rows.nth(i).locator("rect.bar-fill").bounding_box()["width"]  # type: ignore[index]
            for i in range(3)
        ]
        assert 0 < widths[0] < widths[1] < widths[2]  # drawn to scale, best (lowest) first
        gap = bars.locator("rect.bar-gap").bounding_box()
        assert gap is not None and gap["width"] > widths[2] * 0.9
        multiples = browser_page.locator("#breakdown-multiples svg.multiple")
        expect(multiples).to_have_count(3)
        box = multiples.first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 25
        assert serious_violations(browser_page) == [], width
        browser_page.screenshot(
            path=str(artifacts_dir / f"browser-indicator-breakdown-{width}.png"), full_page=True
        )


def test_builder_keeps_its_preview_beside_the_fields_and_redraws_it(
    page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    """GIVEN the builder at 1280×800 WHEN it opens THEN the preview is drawn beside the fields,
    stays in view as the fields scroll, and the page is no longer than BUILDER_HEIGHT_LIMIT
    (3,691 px before issue 16); WHEN a field changes or is typed in THEN the preview is
    redrawn without pressing Preview; a broken spec shows its error in the preview."""
    user, indicator = _indicator(tmp_path)
    _sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/cities/mobile/indicators/{indicator.slug}/edit/")
    assert _preview_status(page) == "Not saved: 6 periods, latest value 1,246."
    expect(page.locator('#preview figure[data-chart="preview-chart"].chart-drawn')).to_be_visible()
    expect(page.locator("#preview-breakdown-bars .bar-row")).to_have_count(3)
    fields = page.locator(".builder-fields").bounding_box()
    preview = page.locator("#preview").bounding_box()
    assert fields is not None and preview is not None
    assert preview["x"] >= fields["x"] + fields["width"]  # beside, not below
    assert abs(preview["y"] - fields["y"]) < 50
    height = page_height(page)
    assert height < BUILDER_HEIGHT_LIMIT, height
    page.screenshot(path=str(artifacts_dir / "browser-indicator-builder.png"), full_page=True)

    # Scrolled to the goal fields, the preview is still in view (sticky).
    page.locator("select[name=polarity]").scroll_into_view_if_needed()
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(200)
    sticky = page.locator("#preview").bounding_box()
    # (At the very end of the fields the column's end pushes it up a little.)
    assert sticky is not None and sticky["y"] < 100 and sticky["y"] + sticky["height"] > 600

    # A field changes: the preview is redrawn on its own.
    page.select_option("select[name=period]", "quarter")
    expect(page.locator("#preview [role=status]")).to_have_text(
        "Not saved: 2 periods, latest value 3,735."
    )
    expect(page.locator('#preview figure[data-chart="preview-chart"].chart-drawn')).to_be_visible()
    # Typing in a field redraws it too, once the typing pauses.
    page.locator("select[name=period]").select_option("month")
    expect(page.locator("#preview [role=status]")).to_contain_text("6 periods")
    page.locator("summary", has_text="Advanced").click()
    page.locator("textarea[name=spec_json]").press_sequentially('{"measure": 1}', delay=20)
    alert = page.locator("#preview [role=alert]")
    expect(alert).to_contain_text("The indicator cannot be computed")
    expect(alert).to_contain_text("measure")
    assert serious_violations(page) == []
    assert Indicator.objects.get(pk=indicator.pk).spec["time"]["period"] == "month"


def test_builder_on_a_phone_shows_the_preview_first_and_redraws_it(
    phone_page: Page, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    user, indicator = _indicator(tmp_path)
    _sign_in(phone_page, live_server, user)
    phone_page.goto(f"{live_server.url}/cities/mobile/indicators/new/")
    # A new indicator: every row counted, no period chosen yet.
    assert _preview_status(phone_page) == "Not saved: 1 period, latest value 7,461."
    preview = phone_page.locator("#preview").bounding_box()
    fields = phone_page.locator(".builder-fields").bounding_box()
    assert preview is not None and fields is not None
    assert preview["y"] < fields["y"]  # one column, the preview first
    assert preview["x"] + preview["width"] <= 390 + 1  # no sideways scrolling
    phone_page.select_option("select[name=time_column]", "opened")
    expect(phone_page.locator("#preview [role=status]")).to_have_text(
        "Not saved: 6 periods, latest value 1,246."
    )
    phone_page.select_option("select[name=measure]", "count_distinct")
    phone_page.select_option("select[name=column]", "area")
    expect(phone_page.locator("#preview [role=status]")).to_have_text(
        "Not saved: 6 periods, latest value 3."
    )
    assert serious_violations(phone_page) == []
    phone_page.screenshot(
        path=str(artifacts_dir / "browser-indicator-builder-phone.png"), full_page=True
    )
    assert not Indicator.objects.exclude(pk=indicator.pk).exists()
