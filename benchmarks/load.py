"""The load benchmark (issue 17): 50 concurrent users over civiclab's main pages, with locust.

How to run it. Seed the demo once into a data directory and a PostgreSQL database, start
``civiclab serve`` on it, then point locust at it (on loopback only):

    createdb -h 127.0.0.1 -U postgres civiclab_load
    export CIVICLAB_DATA_DIR=/tmp/civiclab-load \\
           CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/civiclab_load
    uv run civiclab demo --no-serve            # ~1 minute
    uv run civiclab serve --workers 2 &        # http://127.0.0.1:8000
    uv run locust -f benchmarks/load.py --headless -u 50 -r 10 -t 10m \\
        --host http://127.0.0.1:8000 --csv /tmp/civiclab-load/locust

The simulated users are Mobile's member (``mobile.analyst@demo.civiclab.org``, the demo's
password; signed in once, the session shared) and go round the pages with no pause: the home
dashboard, the city page, an indicator page, a dataset page, the map page and its layer (the
whole city's view and a few streets'), the API lists, and the public results pages (asked
without the session, as a resident reads them). locust prints throughput, the median, p95 and
p99 and errors per page; ``--csv`` writes them (``_stats.csv``). Beside locust's own round
trip, each request's server time (the ``Server-Timing`` header every response carries) is
gathered and printed per page at the end, since on one small machine the clients take CPU
from the server and the round trip counts their waiting too. Any answer other than 200
counts as an error.

The clients run on the same machine as the server: the figures are what one machine does
for both. ``benchmarks/page_times.py`` times each page alone, with its SQL queries.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from locust import FastHttpUser, events, task
from locust.env import Environment

# The same pages, demo sign-in and map views as the per-page benchmark.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_times import (
    CITY,
    DATASET,
    INDICATOR,
    MAP_VIEW,
    PUBLIC_SOLUTION,
    STREET_VIEW,
    signed_in,
)

LAYER = f"/api/v1/cities/{CITY}/datasets/{DATASET}/geojson"

# name shown by locust → path; the public pages are asked without the session
SIGNED_IN = {
    "home dashboard": "/",
    "city page": f"/cities/{CITY}/",
    "indicator page": f"/cities/{CITY}/indicators/{INDICATOR}/",
    "dataset page": f"/cities/{CITY}/data/{DATASET}/",
    "map page": f"/cities/{CITY}/data/{DATASET}/map/",
    "map layer (city)": f"{LAYER}?{MAP_VIEW}",
    "map layer (streets)": f"{LAYER}?{STREET_VIEW}",
    "API cities": "/api/v1/cities",
    "API datasets": f"/api/v1/datasets?city={CITY}",
    "API indicators": f"/api/v1/indicators?city={CITY}",
    "API challenges": "/api/v1/challenges",
}
PUBLIC = {
    "public index": "/results/",
    "public city": f"/results/{CITY}/",
}

server_ms: dict[str, list[float]] = defaultdict(list)
solution_path: list[str] = []  # the public solution page, found once
shared_session: dict[str, str] = {}  # the first user's session and CSRF cookies


def _server_time(name: str, response: Any) -> None:
    found = re.search(r"app;dur=([0-9.]+)", response.headers.get("Server-Timing", ""))
    if found:
        server_ms[name].append(float(found.group(1)))


def _sign_in(host: str) -> None:
    """Sign in once (``page_times.signed_in``, not a simulated user's client) and keep the
    cookies; find the public solution's page."""
    browser = signed_in(host)
    shared_session["cookie"] = "; ".join(f"{k}={v}" for k, v in browser.cookies.get_dict().items())
    data = browser.get(f"{host}/results/{CITY}/results.json", timeout=30).json()
    for item in data.get("solutions", []):
        if item.get("title") == PUBLIC_SOLUTION:
            solution_path.append(f"/results/{CITY}/{item['id']}/")
            break


class Member(FastHttpUser):
    """Mobile's member, signed in, and a resident reading the public pages.

    ``FastHttpUser`` (geventhttpclient): on one machine the clients take CPU from the server,
    and this client costs a fraction of ``requests``' per request."""

    def on_start(self) -> None:
        # One sign-in, shared by every simulated user of this locust process: signing in
        # hashes the password (Argon2, deliberately slow), which is not what is measured here,
        # and 50 at once would hold both workers for seconds.
        if not shared_session:
            _sign_in(self.host or "")

    def _get(self, name: str, path: str, public: bool = False) -> None:
        # The session goes in the header, never in the client's cookie jar: a resident's
        # request carries no cookie at all.
        self.client.cookiejar.clear()
        headers = {} if public else {"Cookie": shared_session["cookie"]}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            else:
                _server_time(name, response)

    @task
    def round_of_pages(self) -> None:
        for name, path in SIGNED_IN.items():
            self._get(name, path)
        for name, path in PUBLIC.items():
            self._get(name, path, public=True)
        if solution_path:
            self._get("public solution", solution_path[0], public=True)


@events.quitting.add_listener
def _print_server_times(environment: Environment, **_kwargs: Any) -> None:
    if not server_ms:
        return
    print("\nserver time per page (Server-Timing app;dur=, ms)")
    print(f"{'page':<22}{'requests':>9}{'median':>9}{'p95':>9}{'p99':>9}")
    for name, values in server_ms.items():
        ordered = sorted(values)

        def at(q: float, ordered: list[float] = ordered) -> float:
            return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

        print(
            f"{name:<22}{len(values):>9}{statistics.median(values):>9.1f}"
            f"{at(95):>9.1f}{at(99):>9.1f}"
        )
