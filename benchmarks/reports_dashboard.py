"""The dashboard's server time on the demo data, for Mobile's member and the network admin.

Target (issue 15): median under 30 ms and p95 under 100 ms for one client. Seeds the demo
(``civiclab demo --no-serve``) into a temporary data folder (or the empty PostgreSQL database
``CIVICLAB_DATABASE_URL`` names), then times ``GET /`` (the member's home is the dashboard)
and ``GET /delivery/`` through Django's test client — the whole request through the
middleware, templates included, no network — ``--requests`` times each after one warm-up
request: "warm" with the rendered dashboard cached for the data version (the usual case),
"written" with a new data version before each request (as after any write: the page is
computed again from the database; the indicator readings and the boundary outline stay cached
under their own versions), "empty" with every cache emptied before each request (readings
and outline computed again too; a quarter as many requests).

    uv run python benchmarks/reports_dashboard.py [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

WHO = {
    "Mobile's member": "mobile.analyst@demo.civiclab.org",
    "the network admin": "network.admin@demo.civiclab.org",
}


def timings(client: object, url: str, requests: int, mode: str = "warm") -> list[float]:
    from django.core.cache import cache

    from civiclab.reports.queries.dashboard import bump_data_version

    took = []
    client.get(url)  # type: ignore[attr-defined]  # warm-up: fills the caches
    for _ in range(requests):
        if mode == "written":  # as after any write: the page computed again, readings cached
            bump_data_version()
        elif mode == "empty":  # every cache emptied: readings, statuses, outline computed again
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-dashboard-") as tmp:
        os.environ.setdefault("CIVICLAB_DATA_DIR", str(Path(tmp) / "data"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        call_command("demo", "--no-serve", "--json")
        print(f"database: {connection.vendor}; demo seeded in {time.perf_counter() - start:.0f} s")
        users = get_user_model().objects
        for who, email in WHO.items():
            user = users.filter(email=email).first()
            if user is None:
                print(f"{who}: no user {email}")
                continue
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            for url, mode, count in (
                ("/", "warm", args.requests),
                ("/delivery/", "warm", args.requests),
                ("/", "written", args.requests),
                ("/", "empty", max(20, args.requests // 4)),
            ):
                took = timings(client, url, count, mode)
                if mode != "warm":
                    cache.clear()
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                p95 = statistics.quantiles(took, n=20)[-1]
                print(
                    f"{who:<18} {url:<11} {mode:<8} "
                    f"median {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms  "
                    f"({len(queries)} queries, {count} requests)"
                )


if __name__ == "__main__":
    main()
