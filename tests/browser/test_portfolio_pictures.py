"""The portfolio's pictures in a real browser: a challenge dragged to the next phase on the
board with the mouse and moved with the keyboard, at desktop and phone widths; a refused move
put back with its reason; axe-core (vendored) finds no serious or critical violation on the
board, the impact × feasibility matrix and the timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from civiclab.audit.models import AuditEvent
from civiclab.portfolio.models import Challenge
from tests.browser.test_public_results import AXE, WCAG_TAGS
from tests.portfolio import factories as f
from tests.world import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long test password"


def _serious(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations of WCAG 2.0/2.1 A and AA."""
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


def _user(world: World, actor: str) -> Any:
    user = world.user(actor)
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(page: Page, base: str, user: Any) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _card(page: Page, challenge: Challenge) -> Any:
    return page.locator(f"#challenge-card-{challenge.pk}")


def _column(page: Page, phase: str) -> Any:
    return page.locator(f".board-column[data-phase={phase}]")


def _phase(challenge: Challenge) -> str:
    challenge.refresh_from_db()
    return challenge.phase


def _wait_for_phase(page: Page, challenge: Challenge, phase: str) -> None:
    expect(_card(page, challenge)).to_have_attribute("data-phase", phase)
    assert _phase(challenge) == phase


@pytest.fixture
def world_db(transactional_db: None) -> World:
    return build_world()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_drag_and_keyboard_move_a_challenge_to_the_next_phase(
    browser: Browser, live_server: LiveServer, world_db: World, width: str
) -> None:
    world = world_db
    dragged = f.challenge(world.city, title="Vacant homes")
    keyed = f.challenge(world.city, title="Slow buses")
    # The phone as conftest's phone_page: a small touch screen.
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    desktop = {"viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(**(desktop if width == "desktop" else phone), locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, _user(world, "member"))
        page.goto(f"{live_server.url}/portfolio/board/")
        assert _serious(page) == []

        # The mouse: drag the card onto the next phase's column.
        _card(page, dragged).drag_to(_column(page, "generate"))
        _wait_for_phase(page, dragged, "generate")
        expect(_column(page, "generate").locator(f"#challenge-card-{dragged.pk}")).to_be_visible()
        expect(page.locator("#board-live")).to_contain_text("moved to Generate")
        expect(_column(page, "generate").locator("[data-count]")).to_have_text("1")

        # The keyboard: focus the card, Space picks it up, an arrow key, Space drops it.
        card = _card(page, keyed)
        card.focus()
        page.keyboard.press("Space")
        expect(page.locator("#board-live")).to_contain_text("Picked up")
        page.keyboard.press("ArrowRight")
        expect(_column(page, "generate").locator(f"#challenge-card-{keyed.pk}")).to_have_count(1)
        page.keyboard.press("Space")
        _wait_for_phase(page, keyed, "generate")
        assert AuditEvent.objects.filter(action="challenge.phase").count() == 2

        # After a reload the cards are where they were dropped.
        page.reload()
        expect(_column(page, "generate").locator(".challenge-card")).to_have_count(2)
    finally:
        context.close()


def test_a_refused_move_goes_back_with_the_reason(
    page: Page, live_server: LiveServer, world_db: World
) -> None:
    world = world_db
    challenge = f.challenge(world.city, title="Vacant homes")
    member = _user(world, "member")
    _sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/portfolio/board/")
    # The member loses the right to edit after the board was drawn: the service refuses.
    member.memberships.update(role="viewer")
    _card(page, challenge).drag_to(_column(page, "generate"))
    card = _column(page, "investigate").locator(f"#challenge-card-{challenge.pk}")
    expect(card.locator(".card-error")).to_have_text("You may not move this challenge.")
    expect(page.locator("#board-live")).to_contain_text("was not moved")
    assert _phase(challenge) == "investigate"


def test_matrix_and_timeline_pass_axe_at_both_widths(
    browser: Browser, live_server: LiveServer, world_db: World, artifacts_dir: Path
) -> None:
    world = world_db
    challenge = f.challenge(world.city, title="Vacant homes")
    member = _user(world, "member")
    for title, (impact, feasibility) in {"Quick": (5, 4), "Bet": (5, 1), "Step": (2, 5)}.items():
        idea = f.idea(challenge, title=title)
        f.score(idea, member, "impact", impact)
        f.score(idea, member, "feasibility", feasibility)
    today = timezone.localdate()
    solution = f.solution(
        challenge, start_date=today - dt.timedelta(days=90), end_date=today + dt.timedelta(days=90)
    )
    f.milestone(solution, title="Kick-off", due_on=today - dt.timedelta(days=60), done_on=today)
    f.milestone(solution, title="Late one", due_on=today - dt.timedelta(days=5))
    f.milestone(solution, title="Pilot", due_on=today + dt.timedelta(days=30))
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        context = browser.new_context(viewport=viewport, locale="en-US")
        page = context.new_page()
        try:
            _sign_in(page, live_server.url, member)
            for url in (
                f"/challenges/{challenge.pk}/ideas/matrix/",
                "/portfolio/timeline/",
                f"/solutions/{solution.pk}/",
            ):
                page.goto(f"{live_server.url}{url}")
                expect(page.locator("figure.chart svg").first).to_be_visible()
                assert _serious(page) == [], url
                name = url.strip("/").replace("/", "-")
                page.screenshot(path=artifacts_dir / f"pictures-{viewport['width']}-{name}.png")
            page.goto(f"{live_server.url}/challenges/{challenge.pk}/ideas/matrix/")
            with page.expect_navigation():
                page.locator("svg a.matrix-point", has_text="Quick").click()
            assert page.url.endswith("/ideas/" + str(challenge.ideas.get(title="Quick").pk) + "/")
        finally:
            context.close()
