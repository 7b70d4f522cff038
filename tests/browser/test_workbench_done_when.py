"""Issue 16's "done when", in a real browser on the demo, on a laptop and on a phone, in English
and in French: Mobile's analyst searches "blight" from the header and lands on Mobile's
challenge; opens its dataset from the faceted catalogue; sees it on a map that orients them
offline (the city's outline and its streets layer, no tile fetched); builds an indicator with
the preview beside (or, on a phone, above) the fields and redrawn as they change; reads the
breakdown as a chart; drags a challenge to the next phase on the board (on a phone: moves it
with the card's "Move to"); and is told in the app when a scheduled refresh of a 311 dataset
from a local Open311 endpoint has finished."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_axe_main_pages import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest.importorskip("civiclab.evaluation.services.assignments")

ANALYST = "mobile.analyst@demo.civiclab.org"
LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
# What each language's pages say at the steps the flow reads words.
WORDS = {
    "en": {"periods": "periods", "refreshed": "from its source finished", "title": "Notifications"},
    "fr": {
        "periods": "périodes",
        "refreshed": "depuis sa source est terminée",
        "title": "Notifications",
    },
}


def _seed() -> None:
    from civiclab.search.index import reindex_all
    from tests.exchange.demo_helpers import seed_whole_demo

    seed_whole_demo()
    reindex_all()


def _open311_dataset(tmp_path: Path) -> Any:
    """Mobile's "311 requests": a first import of one real Bloomington request (Open311
    GeoReport v2 JSON), made by the analyst, as an analyst starts a dataset a portal feeds."""
    from civiclab.accounts.models import User
    from civiclab.datasets import services
    from civiclab.network.models import City
    from tests.datasets.remote_server import BLOOMINGTON

    first = tmp_path / "requests.json"
    first.write_text(json.dumps(json.loads(BLOOMINGTON.read_text())[:1]))
    copy = tmp_path / "upload.json"
    shutil.copy(first, copy)
    analyst = User.objects.get(email=ANALYST)
    version = services.import_file(
        analyst,
        City.objects.get(slug="mobile"),
        "311 requests",
        copy,
        "requests.json",
        services.ImportOptions(),
    )
    return version.dataset


def _sign_in(page: Page, url: str, language: str) -> None:
    from civiclab.network.demo import DEMO_PASSWORD

    if language == "fr":
        page.context.add_cookies([{"name": "django_language", "value": "fr", "url": url}])
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", ANALYST)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("html").get_attribute("lang") == language


def _search_blight(page: Page, challenge_pk: int) -> None:
    box = page.locator("header #site-search-q")
    expect(box).to_be_visible()
    box.fill("blight")
    with page.expect_navigation():
        box.press("Enter")
    first = page.locator("#search-challenge .search-hit a").first
    expect(first).to_contain_text("Blight")
    with page.expect_navigation():
        first.click()
    assert page.url.endswith(f"/challenges/{challenge_pk}/")
    expect(page.locator("h1")).to_contain_text("Blight")


def _catalogue_to_map(page: Page, url: str) -> None:
    page.goto(f"{url}/data/")
    facet = page.locator(".facets a", has_text="Mobile").first
    with page.expect_navigation():
        facet.click()
    expect(page.locator(".facets a[aria-current=true]")).to_contain_text("Mobile")
    with page.expect_navigation():
        page.locator("main a", has_text="Blighted properties").first.click()
    assert page.url.endswith("/cities/mobile/data/blighted-properties/")
    page.goto(f"{url}/cities/mobile/data/blighted-properties/map/")
    expect(page.locator("#map[data-drawn=true]")).to_be_visible()
    # Offline (no tile setting): the city's outline and its streets layer orient the reader.
    expect(page.locator("#map[data-boundaries=drawn]")).to_be_attached()
    expect(page.locator("#map[data-base-layers=drawn]")).to_be_attached()
    expect(page.locator(".map-key")).to_contain_text("Streets")
    box = page.locator("#map").bounding_box()
    assert box is not None and box["width"] >= page.viewport_size["width"] * 0.6  # type: ignore[index]


def _build_with_preview(page: Page, url: str, words: dict[str, str], phone: bool) -> None:
    page.goto(f"{url}/cities/mobile/indicators/new/?from=blighted-properties")
    preview = page.locator("#preview")
    expect(preview.locator("[role=status]")).to_be_visible()
    page.select_option("select[name=time_column]", "Identified")
    page.select_option("select[name=period]", "quarter")
    page.select_option("select[name=breakdown]", "Neighbourhood")
    expect(preview.locator("[role=status]")).to_contain_text(words["periods"])
    expect(page.locator("#preview-breakdown-bars .bar-row").first).to_be_visible()
    fields = page.locator(".builder-fields").bounding_box()
    shown = preview.bounding_box()
    assert fields is not None and shown is not None
    if phone:
        assert shown["y"] < fields["y"]  # one column, the preview first
    else:
        assert shown["x"] >= fields["x"] + fields["width"]  # beside the fields
    # The saved indicator reads its breakdown as a chart, with its table and sentence.
    page.goto(f"{url}/cities/mobile/indicators/blighted-properties-identified/")
    bars = page.locator("#breakdown-bars")
    expect(bars.locator(".bar-row").first).to_be_visible()
    expect(bars.locator("figcaption")).not_to_be_empty()


def _move_to_next_phase(page: Page, url: str, challenge: Any, phone: bool) -> None:
    """On a laptop the card is dragged onto the next phase's column; on a phone, where the
    columns stack far below one another, the thumb uses the card's own "Move to" control."""
    page.goto(f"{url}/portfolio/board/")
    card = page.locator(f"#challenge-card-{challenge.pk}")
    if phone:
        card.locator("select[name=phase]").select_option("generate")
        card.locator("button[type=submit]").tap()
    else:
        card.drag_to(page.locator(".board-column[data-phase=generate]"))
    expect(page.locator(f"#challenge-card-{challenge.pk}")).to_have_attribute(
        "data-phase", "generate"
    )
    challenge.refresh_from_db()
    assert challenge.phase == "generate"


def _told_of_the_refresh(page: Page, url: str, words: dict[str, str]) -> None:
    page.goto(f"{url}/cities/mobile/")
    bell = page.locator("header.site a.bell")
    expect(bell.locator(".badge")).to_be_visible()
    with page.expect_navigation():
        bell.click()
    expect(page.locator("h1")).to_have_text(words["title"])
    expect(page.locator("ul.notifications")).to_contain_text(words["refreshed"])


def _while_the_server_reads(write: Any) -> Any:
    """``write()``, tried again while the live server's thread holds a table: the test
    database is SQLite's shared-cache memory database, whose table locks fail a concurrent
    write at once instead of waiting (a page's own requests, the bell, may still be reading)."""
    from django.db import OperationalError

    for _attempt in range(100):
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    return write()


def test_the_workbench_flow_on_a_laptop_and_a_phone_in_english_and_french(
    browser: Browser, live_server: LiveServer, tmp_path: Path, settings: Any, artifacts_dir: Path
) -> None:
    from civiclab.datasets.models import DataSource, ImportJob
    from civiclab.datasets.tasks import refresh_due_sources
    from civiclab.network.models import City
    from civiclab.portfolio.models import Challenge
    from tests.datasets.remote_server import BLOOMINGTON, Served, serve
    from tests.portfolio import factories as f

    settings.REFRESH_ALLOW_PRIVATE_HOSTS = True  # the "portal" is on this machine
    _seed()
    url = live_server.url
    blight = Challenge.objects.get(city__slug="mobile", title__startswith="Blight")
    mobile = City.objects.get(slug="mobile")
    dataset = _open311_dataset(tmp_path)
    requests = json.loads(BLOOMINGTON.read_text())

    runs = [("laptop", "en"), ("phone", "en"), ("laptop", "fr"), ("phone", "fr")]
    with serve(Served(open311=requests)) as (portal, _served):
        for number, (device, language) in enumerate(runs):
            words = WORDS[language]
            context = browser.new_context(**(PHONE if device == "phone" else LAPTOP))
            context.set_default_timeout(30_000)
            page = context.new_page()
            try:
                _sign_in(page, url, language)
                _search_blight(page, blight.pk)
                _catalogue_to_map(page, url)
                _build_with_preview(page, url, words, phone=device == "phone")
                title = f"Overgrown lots {number}"
                moved = _while_the_server_reads(
                    lambda title=title: f.challenge(mobile, title=title, phase="investigate")
                )
                _move_to_next_phase(page, url, moved, phone=device == "phone")

                if number == 0:
                    # The analyst binds the 311 dataset to the city's Open311 endpoint, hourly;
                    # the worker's scheduled sweep refreshes it.
                    page.goto(f"{url}/cities/mobile/data/{dataset.slug}/source/")
                    page.select_option("select[name=kind]", "open311")
                    page.fill("input[name=url]", f"{portal}/open311/requests.json")
                    page.select_option("select[name=mode]", "upsert")
                    page.fill("input[name=key]", "service_request_id")
                    page.select_option("select[name=schedule]", "hourly")
                    page.fill("input[name=start_from]", "2012-05-01 00:00")
                    with page.expect_navigation():
                        page.locator("main form button[type=submit]").first.click()
                    assert DataSource.objects.filter(dataset=dataset, enabled=True).exists()
                    refresh_due_sources.call_local()
                    job = ImportJob.objects.filter(source__dataset=dataset).latest("pk")
                    assert job.state == ImportJob.State.DONE, job.error
                    dataset.refresh_from_db()
                    assert dataset.current_version.rows == len(requests)
                _told_of_the_refresh(page, url, words)
                assert blocking_violations(page) == []
                page.screenshot(path=str(artifacts_dir / f"workbench-{device}-{language}.png"))
            finally:
                context.close()
