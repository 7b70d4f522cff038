"""Server time and SQL queries of each page of the load benchmark (issue 17), on seeded data.

Target: every page's median server time under 30 ms. Run it against a data directory the
demo has seeded (``civiclab demo --no-serve``), on the database that seeding used:

    CIVICLAB_DATA_DIR=/tmp/perf-demo \\
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/civiclab_perf_demo \\
        uv run python benchmarks/page_times.py [--requests 50] [--json] [--only home,api ...]

Signs in as Mobile's member (``mobile.analyst@demo.civiclab.org``; the public pages are read
anonymously, as a resident does) and asks each page ``--requests`` times through Django's
test client, in this process: the whole request — middleware, view, templates — with no
network and no server in between. Each page is asked once first (the warm-up fills the caches
a running server would have filled), and once more under ``CaptureQueriesContext`` for its
query count (not timed: capturing slows the queries down).

``--base-url http://127.0.0.1:8000`` asks a running ``civiclab serve`` over HTTP instead and
reads the server's own time from the ``Server-Timing`` header (``app;dur=``) the site sets on
every response; the query count is then the ``db`` entry of that header.

Not a test: it needs the demo's data and takes a minute; the query ceilings that a regression
must not pass are pinned in ``tests/test_query_counts.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

MEMBER = "mobile.analyst@demo.civiclab.org"
PASSWORD = "civiclab-demo"
CITY = "mobile"
INDICATOR = "vacant-building-notices"
DATASET = "vacant-buildings"
PUBLIC_SOLUTION = "Blight inventory and squad"
# Two views of the dataset's map layer (the demo's rows lie in -76.71..-76.53, 39.22..39.37):
# the whole of it, as the map page opens (clusters), and a few streets (the rows themselves).
MAP_VIEW = "bbox=-76.75,39.20,-76.50,39.40&zoom=12"
STREET_VIEW = "bbox=-76.625,39.285,-76.615,39.295&zoom=16"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    signed_in: bool = True


def pages(solution_id: int | None) -> list[Page]:
    """The load benchmark's pages, with the demo's slugs."""
    found = [
        Page("home dashboard", "/"),
        Page("city page", f"/cities/{CITY}/"),
        Page("indicator page", f"/cities/{CITY}/indicators/{INDICATOR}/"),
        Page("dataset page", f"/cities/{CITY}/data/{DATASET}/"),
        Page("map page", f"/cities/{CITY}/data/{DATASET}/map/"),
        Page("map layer (city)", f"/api/v1/cities/{CITY}/datasets/{DATASET}/geojson?{MAP_VIEW}"),
        Page(
            "map layer (streets)", f"/api/v1/cities/{CITY}/datasets/{DATASET}/geojson?{STREET_VIEW}"
        ),
        Page("API cities", "/api/v1/cities"),
        Page("API datasets", f"/api/v1/datasets?city={CITY}"),
        Page("API indicators", f"/api/v1/indicators?city={CITY}"),
        Page("API challenges", "/api/v1/challenges"),
        Page("public index", "/results/", signed_in=False),
        Page("public city", f"/results/{CITY}/", signed_in=False),
    ]
    if solution_id is not None:
        found.append(Page("public solution", f"/results/{CITY}/{solution_id}/", signed_in=False))
    return found


@dataclass
class Timing:
    page: str
    path: str
    requests: int
    median_ms: float
    p95_ms: float
    queries: int | None
    cpu_median_ms: float | None = None


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure(
    page: Page,
    ask: Callable[[Page], float],
    count: Callable[[Page], int | None],
    n: int,
    in_process: bool = False,
) -> Timing:
    ask(page)  # warm-up
    took, cpu = [], []
    for _ in range(n):
        started = time.process_time()
        took.append(ask(page))
        cpu.append((time.process_time() - started) * 1000)
    return Timing(
        page.name, page.path, n, statistics.median(took), percentile(took, 95), count(page),
        statistics.median(cpu) if in_process else None,
    )  # fmt: skip


def in_process(selected: list[Page] | None, n: int) -> list[Timing]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from civiclab.portfolio.models import Solution

    member = get_user_model().objects.get(email=MEMBER)
    solution = Solution.objects.filter(city__slug=CITY, title=PUBLIC_SOLUTION).first()
    signed_in = Client(HTTP_HOST="localhost")
    signed_in.force_login(member)
    anonymous = Client(HTTP_HOST="localhost")

    def ask(page: Page) -> float:
        client = signed_in if page.signed_in else anonymous
        started = time.perf_counter()
        response = client.get(page.path)
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{page.path}: {response.status_code}")
        return took

    def count(page: Page) -> int:
        with CaptureQueriesContext(connection) as queries:
            ask(page)
        return len(queries)

    chosen = selected if selected is not None else pages(solution.pk if solution else None)
    return [measure(page, ask, count, n, in_process=True) for page in chosen]


def signed_in(base: str) -> Any:
    """A ``requests`` session of the demo's member, signed in to the server at ``base``."""
    import requests

    member = requests.Session()
    form = member.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    member.post(
        f"{base}/accounts/login/",
        data={"username": MEMBER, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )
    if "sessionid" not in member.cookies:
        raise SystemExit(f"could not sign in as {MEMBER}")
    return member


def over_http(base: str, selected: list[Page] | None, n: int) -> list[Timing]:
    import requests

    member = signed_in(base)
    anonymous = requests.Session()
    last_queries: dict[str, int | None] = {}

    def ask(page: Page) -> float:
        session = member if page.signed_in else anonymous
        response = session.get(base + page.path, timeout=30)
        if response.status_code != 200:
            raise SystemExit(f"{page.path}: {response.status_code}")
        timing = response.headers.get("Server-Timing", "")
        app = re.search(r"app;dur=([0-9.]+)", timing)
        db = re.search(r'db;[^,]*desc="(\d+) ', timing)
        last_queries[page.path] = int(db.group(1)) if db else None
        if app is None:
            raise SystemExit(f"{page.path}: no Server-Timing app;dur= header")
        return float(app.group(1))

    solution = None
    listing = anonymous.get(f"{base}/results/{CITY}/results.json", timeout=30)
    if listing.ok:
        for item in listing.json().get("solutions", []):
            if item.get("title") == PUBLIC_SOLUTION:
                solution = item.get("id")
    chosen = selected if selected is not None else pages(solution)
    return [measure(page, ask, lambda page: last_queries.get(page.path), n) for page in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--base-url", help="a running server to ask over HTTP")
    parser.add_argument("--only", help="comma-separated words: pages whose name holds one")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    selected = None
    if options.only:
        words = [w.strip() for w in options.only.split(",") if w.strip()]
        selected = [p for p in pages(None) if any(w in p.name for w in words)]
    if options.base_url:
        results = over_http(options.base_url.rstrip("/"), selected, options.requests)
    else:
        results = in_process(selected, options.requests)
    if options.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
        return
    print(f"{'page':<22}{'median ms':>10}{'p95 ms':>9}{'CPU ms':>8}{'queries':>9}  path")
    for r in results:
        queries = "-" if r.queries is None else str(r.queries)
        cpu = "-" if r.cpu_median_ms is None else f"{r.cpu_median_ms:.1f}"
        flag = " *" if r.median_ms >= 30 else ""
        print(
            f"{r.page:<22}{r.median_ms:>10.1f}{r.p95_ms:>9.1f}{cpu:>8}{queries:>9}  {r.path}{flag}"
        )
    print(f"({options.requests} requests per page after one warm-up; * = median 30 ms or more)")
    print("(CPU ms: this process's CPU time per request, median: on a busy machine the wall")
    print(" clock counts the time other processes hold the cores; the database's is not in it)")


if __name__ == "__main__":
    main()
