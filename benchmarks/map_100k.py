"""A map of 100,000 points: the city-wide GeoJSON on the server, and the page in a browser.

Targets (issue "Maps and spatial analysis"): the layer for a city-wide view of 100k points
small (clusters) and under 1 s on the server; the map drawn in the browser under 2 s from
navigation. Sets up a throw-away data directory with a public city and dataset around
Mobile, AL, serves it with Django's server, and measures with Debian's chromium.

    uv run python benchmarks/map_100k.py [--points 100000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.browser.test_map writes the CSV the test uses


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def set_up(points: int, folder: Path) -> str:
    """A public city with a public dataset of ``points`` points; returns its map path."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from tests.browser.test_map import points_csv

    from civiclab.datasets import services
    from civiclab.network.models import City, Network

    network = Network.objects.create(name="Bench", slug="bench")
    city = City.objects.create(
        network=network, name="Mobile", slug="mobile", country="US", visibility="public"
    )
    path = points_csv(folder / "requests.csv", points)
    started = time.perf_counter()
    dataset = services.import_file(
        None, city, "Requests", path, path.name, services.ImportOptions(visibility="public")
    ).dataset
    print(f"import of {points:,} rows: {time.perf_counter() - started:6.2f} s")
    return f"/cities/mobile/data/{dataset.slug}/"


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        size = len(response.read())
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-map-") as tmp:
        folder = Path(tmp)
        os.environ.update(
            CIVICLAB_DATA_DIR=str(folder / "data"),
            CIVICLAB_DEBUG="true",  # static files straight from the app folders
            DJANGO_SETTINGS_MODULE="civiclab.settings",
        )
        page_path = set_up(args.points, folder)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "civiclab", "runserver", "--noreload", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    fetch(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            api = f"{base}/api/v1{page_path.replace('/data/', '/datasets/')}geojson"
            city_wide = f"{api}?bbox=-88.25,30.55,-87.95,30.83&zoom=11"
            fetch(city_wide)
            timings = [fetch(city_wide) for _ in range(7)]
            seconds = statistics.median(t for t, _ in timings)
            print(
                f"city-wide GeoJSON (zoom 11): {timings[0][1] / 1024:6.1f} KiB, "
                f"{seconds * 1000:6.0f} ms median over HTTP (limit 1,000 ms)"
            )
            print(f"browser: layer drawn {browser_ms(base + page_path + 'map/'):6.0f} ms after "
                  "navigation (limit 2,000 ms)")  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)


def browser_ms(url: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)  # warm: static files, the server's first query
        page.goto(url)
        drawn = float(page.evaluate("() => window.civiclabMap.ready"))
        browser.close()
    return drawn


if __name__ == "__main__":
    main()
