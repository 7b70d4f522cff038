"""The Content-Security-Policy: every page of the demo carries it, and none holds what it
would refuse (inline script, ``on…=`` handlers, ``hx-on``, ``javascript:`` links)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from civiclab.core.csp import build_policy, tile_source
from civiclab.indicators.forms import MEASURE_CHOICES
from civiclab.indicators.models import Indicator
from civiclab.network.demo import seed_demo
from civiclab.network.models import Membership

# Script elements that hold data, not code: the policy does not run them, pages read them.
DATA_TYPES = {"application/json", "application/ld+json"}
# Links the crawl does not follow: they download files, sign out or change state on GET.
SKIPPED = re.compile(r"(\.csv|\.parquet|\.gpkg|\.geojson|/logout/|/download|/export)(\?|$)")
PAGES_PER_VIEW = 2  # enough to meet each template's variants without crawling every row


class PageProblems(HTMLParser):
    """Collects what the policy would refuse, and the page's same-site links."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or name.startswith("data-hx-on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "script" and not named.get("src") and named.get("type") not in DATA_TYPES:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "a" and named.get("href"):
            self.links.append(named["href"] or "")


def view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def crawl(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Every page reachable from ``start`` by the site's own links (a few per view), with the
    problems found on each; asserts that each answer carries the policy."""
    seen: set[str] = set()
    per_view: Counter[str] = Counter()
    queue = list(start)
    found: dict[str, list[str]] = {}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        name = view_name(urlsplit(path).path) or path
        if per_view[name] >= PAGES_PER_VIEW:
            continue
        per_view[name] += 1
        response = client.get(path)
        assert response.headers.get("Content-Security-Policy") == build_policy(), path
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = PageProblems()
        parser.feed(response.content.decode())
        found[path] = parser.problems
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or target.scheme or not target.path.startswith("/"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if not SKIPPED.search(link) and not link.startswith("/static/"):
                queue.append(link)
    return found


@pytest.mark.django_db
def test_every_demo_page_has_the_policy_and_no_inline_script() -> None:
    """GIVEN the demo with its datasets, maps, indicators and challenges WHEN its pages are
    crawled from the home page, signed out and as the network admin THEN every answer carries
    the policy and no page holds inline script, event-handler attributes or hx-on."""
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.evaluation.demo import seed_demo_evaluations
    from civiclab.geo.demo import seed_demo_geo
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.portfolio.demo import seed_demo_portfolio

    seed_demo(), seed_demo_datasets(), seed_demo_geo(), seed_demo_indicators()
    seed_demo_portfolio()
    seed_demo_evaluations()
    anonymous = crawl(Client(), ["/", "/accounts/login/", "/api/v1/docs"])
    admin = Membership.objects.filter(role="network_admin").first().user
    client = Client()
    client.force_login(admin)
    # Choropleths are offered from the map's layer panel, which htmx loads: start there too.
    by_area = [
        f"/cities/{i.city.slug}/geo/choropleth/{i.slug}/"
        for i in Indicator.objects.select_related("city")
        if i.spec.get("breakdown")
    ]
    start = ["/", "/data/", "/portfolio/board/", "/network/", "/city/", *by_area]
    signed_in = crawl(client, start)
    assert len(signed_in) > 40, "the crawl should reach the demo's pages"
    for kind in ("map", "choropleth", "indicator", "challenge", "solution", "import", "result"):
        assert any(kind in (view_name(urlsplit(p).path) or "") for p in signed_in), kind
    problems = {p: found for p, found in {**anonymous, **signed_in}.items() if found}
    assert not problems, problems


def test_policy_text_and_tiles() -> None:
    policy = build_policy()
    assert (
        "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    )
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy and "base-uri 'self'" in policy
    assert "img-src 'self' data:;" in policy
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert tile_source("https://tiles.example.org:8443/{z}/{x}/{y}.png") == (
        "https://tiles.example.org:8443"
    )
    assert tile_source("") is None and tile_source("not a url") is None
    assert "img-src 'self' data: https://tiles.example.org;" in build_policy(
        "https://tiles.example.org/{z}/{x}/{y}.png"
    )


def test_the_builder_stylesheet_knows_every_measure() -> None:
    """The builder's rules that hide other measures' fields live in civiclab.css (no inline
    <style>): one per measure the form offers."""
    from pathlib import Path

    import civiclab

    css = (Path(civiclab.__file__).parent / "core/static/civiclab/civiclab.css").read_text()
    for value, _label in MEASURE_CHOICES:
        assert (
            f'option[value="{value}"]:checked) [data-measures]:not([data-measures~="{value}"])'
            in css
        )
