"""Playwright + Debian's chromium against pytest-django's live server.

The browser is the system's ``/usr/bin/chromium`` (never ``playwright install``). When it is
missing and we run as root, the first browser test installs it with apt-get (~30 s). If it is
still unavailable the browser tests fail under CI (``CI`` set) and are skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make to set
# up data are plain synchronous code, so tell Django not to refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # Wait for the dpkg lock instead of failing if another apt-get is running.
        ["apt-get", "-o", "DPkg::Lock::Timeout=300", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        check=False,
        timeout=900,
    )


def _install_chromium() -> str:
    """Try to install chromium with apt-get; return what went wrong, or "" on success."""
    if os.geteuid() != 0:
        return "not running as root, so chromium cannot be installed (apt-get install chromium)"
    if shutil.which("apt-get") is None:
        return "apt-get is not available to install chromium"
    for args in (("update",), ("install", "-y", "chromium")):
        result = _apt_get(*args)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-10:])
            return f"`apt-get {' '.join(args)}` failed ({result.returncode}):\n{tail}"
    return ""


def _unavailable(reason: str) -> None:
    message = f"chromium is unavailable at {CHROMIUM}: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        problem = _install_chromium()
        if not CHROMIUM.exists():
            _unavailable(problem or "apt-get install chromium did not provide it")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
