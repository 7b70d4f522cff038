"""Issue 16's accessibility bar: every main page of the demo, at a laptop's and a phone's width,
in English (Mobile's analyst) and in French (Paris's analyst), has no serious or critical axe-core
violation of WCAG 2.0/2.1 A and AA. One browser session walks them all (the demo is seeded once),
and the failure message lists every page's violations at once, not just the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest.importorskip("civiclab.evaluation.services.assignments")

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def blocking_violations(page: Page) -> list[str]:
    """The page's serious and critical axe violations, one readable line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        # Only the violations: axe skips collecting the passes and the inapplicable rules.
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {[n['html'][:100] for n in v['nodes'][:2]]}"
        for v in result["violations"]
        if v.get("impact") in BLOCKING
    ]


def _main_pages(city_slug: str) -> list[str]:
    """The pages a member of the city opens most: every tab and one of each object's pages."""
    from civiclab.datasets.models import Dataset
    from civiclab.exchange.models.cases import CaseStudy
    from civiclab.funding.models import Opportunity
    from civiclab.indicators.models import Indicator
    from civiclab.portfolio.models import Challenge, Solution

    dataset = Dataset.objects.filter(city__slug=city_slug).order_by("pk").first()
    mapped = (
        Dataset.objects.filter(city__slug=city_slug, boundary_uses__isnull=True)
        .filter(name__icontains="311")
        .order_by("pk")
        .first()
    ) or dataset
    indicator = Indicator.objects.filter(city__slug=city_slug).order_by("pk").first()
    challenge = Challenge.objects.filter(city__slug=city_slug).order_by("pk").first()
    solution = Solution.objects.filter(city__slug=city_slug).order_by("pk").first()
    case = CaseStudy.objects.order_by("pk").first()
    opportunity = Opportunity.objects.order_by("pk").first()
    pages = [
        "/",
        reverse("network:overview"),
        reverse("network:my_city"),
        reverse("datasets:catalogue"),
        reverse("indicators:list", args=[city_slug]),
        reverse("portfolio:table"),
        reverse("portfolio:board"),
        reverse("portfolio:timeline"),
        reverse("evaluation:city", args=[city_slug]),
        reverse("funding:catalogue"),
        reverse("exchange:library"),
        reverse("exchange:discussions"),
        reverse("reports:keyfacts"),
        reverse("reports:capacity"),
        reverse("accounts:profile"),
    ]
    if dataset is not None:
        pages.append(reverse("datasets:dataset", args=[city_slug, dataset.slug]))
    if mapped is not None:
        pages.append(reverse("geo:map", args=[city_slug, mapped.slug]))
    if indicator is not None:
        pages.append(reverse("indicators:indicator", args=[city_slug, indicator.slug]))
        pages.append(reverse("indicators:new", args=[city_slug]))
    if challenge is not None:
        pages.append(reverse("portfolio:challenge", args=[challenge.pk]))
        pages.append(reverse("portfolio:idea_matrix", args=[challenge.pk]))
    if solution is not None:
        pages.append(reverse("portfolio:solution", args=[solution.pk]))
    if case is not None:
        pages.append(reverse("exchange:case", args=[case.pk]))
    if opportunity is not None:
        pages.append(reverse("funding:opportunity", args=[opportunity.pk]))
    return pages


def _walk(browser: Browser, url: str, email: str, pages: list[str]) -> dict[str, list[str]]:
    from civiclab.network.demo import DEMO_PASSWORD

    found: dict[str, list[str]] = {}
    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, is_mobile=name == "phone")
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{url}/accounts/login/")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        for path in pages:
            # networkidle: the page's own requests (the bell, htmx panels, map layers) end
            # before the next page starts — the test database is SQLite's shared-cache memory
            # database, whose table locks fail a concurrent write at once instead of waiting.
            response = page.goto(url + path, wait_until="networkidle")
            assert response is not None and response.status == 200, (path, response)
            violations = blocking_violations(page)
            if violations:
                found[f"{name} {path}"] = violations
        context.close()
    return found


def _seed() -> None:
    from tests.exchange.demo_helpers import seed_whole_demo

    seed_whole_demo()


def test_every_main_page_has_no_serious_or_critical_violation(
    browser: Browser, live_server: LiveServer
) -> None:
    _seed()
    found: dict[str, Any] = {}
    found |= _walk(
        browser, live_server.url, "mobile.analyst@demo.civiclab.org", _main_pages("mobile")
    )
    found |= {
        f"fr {key}": value
        for key, value in _walk(
            browser, live_server.url, "paris.analyste@demo.civiclab.org", _main_pages("paris")
        ).items()
    }
    assert found == {}, "\n".join(f"{page}: {lines}" for page, lines in found.items())
