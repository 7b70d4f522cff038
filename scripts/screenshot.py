"""Take docs/screenshot.png: the demo's Mobile city page, signed in as its city admin.

Run with ``uv run python -m scripts.screenshot``. It starts ``civiclab demo`` on a free port
with a throw-away data directory (SQLite), signs in through Debian's chromium with Playwright,
saves a 1280x800 screenshot and stops the server. Needs /usr/bin/chromium
(``apt-get install chromium``); never ``playwright install``.
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
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "mobile.admin@demo.civiclab.org"
PASSWORD = "civiclab-demo"
CITY_PATH = "/cities/mobile/"


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


def take(base_url: str, output: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=username]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        expect(page.locator("header.site")).to_contain_text(EMAIL)
        page.goto(f"{base_url}{CITY_PATH}")
        page.wait_for_load_state("networkidle")
        expect(page.locator("main h1")).to_have_text("Mobile")
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for start")
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
                take(base_url, args.output)
            finally:
                stop(server)
    print(f"saved {args.output}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
