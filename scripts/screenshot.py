"""Take the docs' screenshots: docs/screenshot.png (the README's: the demo's Mobile city page,
signed in as its city admin) and docs/screenshots/*.png, the main pages at a laptop's and a
phone's width, in English (Mobile's analyst) and French (Paris's analyst).

Run with ``uv run python -m scripts.screenshot`` (``--only NAME`` for some). It starts
``civiclab demo`` on a free port with a throw-away data directory (SQLite), signs in through
Debian's chromium with Playwright, saves the screenshots and stops the server. Needs
/usr/bin/chromium (``apt-get install chromium``); never ``playwright install``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "mobile.admin@demo.civiclab.org"
PASSWORD = "civiclab-demo"
CITY_PATH = "/cities/mobile/"
ANALYST = "mobile.analyst@demo.civiclab.org"
ANALYSTE = "paris.analyste@demo.civiclab.org"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    """One page of docs/screenshots/: ``path`` is a URL, or ``link:TEXT`` — the first link
    with that text on ``start`` (objects' numbers differ between demos)."""

    name: str
    path: str
    who: str = ANALYST
    phone: bool = False
    start: str = "/portfolio/"
    full_page: bool = False


MAIN_PAGES = [
    Shot("dashboard", "/"),
    Shot("search", "/search/?q=blight"),
    Shot("catalogue", "/data/"),
    Shot("dataset", "/cities/mobile/data/blighted-properties/"),
    Shot("map", "/cities/mobile/data/blighted-properties/map/"),
    Shot("indicator", "/cities/mobile/indicators/vacant-building-notices/", full_page=True),
    Shot("builder", "/cities/mobile/indicators/new/?from=blighted-properties"),
    Shot("board", "/portfolio/board/"),
    Shot("challenge", "link:Blight: thousands of homes", start="/portfolio/board/"),
    Shot("solution", "link:Blight inventory and squad"),
    Shot("timeline", "/portfolio/timeline/"),
    Shot("notifications", "/notifications/"),
    Shot("results", "/results/mobile/"),
    Shot("dashboard-fr", "/", who=ANALYSTE),
    Shot("catalogue-fr", "/data/", who=ANALYSTE),
    Shot("indicator-fr", "/cities/paris/indicators/vacant-building-notices/", who=ANALYSTE),
    Shot("dashboard-phone", "/", phone=True),
    Shot("map-phone", "/cities/mobile/data/blighted-properties/map/", phone=True),
    Shot("board-phone", "/portfolio/board/", phone=True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def civiclab_command() -> list[str]:
    """The ``civiclab`` of this environment, or ``uv run civiclab``."""
    here = Path(sys.executable).parent / "civiclab"
    return [str(here)] if here.exists() else ["uv", "run", "civiclab"]


def wait_until_up(server: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"civiclab demo exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    sys.exit(f"civiclab demo did not answer {url} within {timeout:.0f} s:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    # The server runs in its own process group (uv run → civiclab): stop the whole group.
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("header.site")).to_contain_text(email)


def take(base_url: str, output: Path) -> None:
    """The README's screenshot."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport=LAPTOP, locale="en-US")
        page = context.new_page()
        sign_in(page, base_url, EMAIL)
        page.goto(f"{base_url}{CITY_PATH}")
        page.wait_for_load_state("networkidle")
        expect(page.locator("main h1")).to_have_text("Mobile")
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        browser.close()


def _page_for(browser: Browser, base_url: str, who: str, phone: bool) -> Page:
    context = browser.new_context(
        viewport=PHONE if phone else LAPTOP,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale="en-US",
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, base_url, who)
    return page


def take_main_pages(base_url: str, folder: Path, only: set[str]) -> list[str]:
    """docs/screenshots/NAME.png for each of MAIN_PAGES (or those named in ``only``); returns
    the problems (a page that did not answer 200), having taken every page it could."""
    problems: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        pages: dict[tuple[str, bool], Page] = {}
        for shot in MAIN_PAGES:
            if only and shot.name not in only:
                continue
            key = (shot.who, shot.phone)
            if key not in pages:
                pages[key] = _page_for(browser, base_url, shot.who, shot.phone)
            page = pages[key]
            path = shot.path
            if path.startswith("link:"):
                page.goto(base_url + shot.start)
                link = page.locator("main a", has_text=path.removeprefix("link:")).first
                path = str(link.get_attribute("href"))
            response = page.goto(base_url + path)
            if response is None or response.status != 200:
                problems.append(f"{shot.name}: {path} answered {response and response.status}")
                continue
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(folder / f"{shot.name}.png"), full_page=shot.full_page)
            print(f"saved {folder / shot.name}.png")  # noqa: T201
        browser.close()
    return problems


def main() -> int | str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--folder", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", action="append", default=[], help="a page's name (repeat)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for start")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: install it with `apt-get install chromium`"

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="civiclab-screenshot-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLAB_")}
        env["CIVICLAB_DATA_DIR"] = data_dir
        log = Path(data_dir) / "demo.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [*civiclab_command(), "demo", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_until_up(server, f"{base_url}/healthz", log, args.timeout)
                if not args.only:
                    take(base_url, args.output)
                    print(f"saved {args.output}")  # noqa: T201
                problems = take_main_pages(base_url, args.folder, set(args.only))
            finally:
                stop(server)
    if problems:
        return "\n".join(problems)
    return 0


if __name__ == "__main__":
    sys.exit(main())
