"""Public results under load: ``civiclab serve`` on PostgreSQL with the demo data.

Target (issue 15): public pages' median server time under 30 ms and p95 under 100 ms for one
client; 50 concurrent clients on loopback with 0 errors, p95 reported.

Seeds the demo (``civiclab demo --no-serve``) into the given, empty PostgreSQL database and a
temporary data directory, starts ``civiclab serve`` (gunicorn) on a free loopback port, then:

1. one client, sequential: ``--requests`` requests per page, the median and p95 of the time
   from sending to the last byte (on loopback this is the server's time plus well under a
   millisecond; an upper bound of the server time);
2. ``--clients`` concurrent clients (threads, each with its own connection and session) for
   ``--seconds``, each going round the pages: throughput, p50/p95/p99 and errors per page.

Pages: Mobile's public city page, its public solution page, the city's Atom feed, the JSON
export, and ``/`` signed in as Mobile's member (the dashboard). Every response must be 200.

    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NEW_DB \\
        uv run python benchmarks/reports_load.py [--clients 50] [--seconds 20] [--requests 100]

The clients run in this Python process on the same machine as the server, so on a small
machine they take CPU from it: the figures are what one machine does for both.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
MEMBER = "mobile.analyst@demo.civiclab.org"
PASSWORD = "civiclab-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _civiclab(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civiclab", *args],
        env=env, cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": MEMBER, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
    )
    assert answer.ok and "sessionid" in session.cookies, "could not sign in"
    return session


def _pages(env: dict[str, str]) -> dict[str, str]:
    found = _civiclab(
        env, "shell", "-c",
        "from civiclab.portfolio.models import Solution;"
        "print(Solution.objects.get(city__slug='mobile', title='Blight inventory and squad').pk)",
    )  # fmt: skip
    solution = found.stdout.strip().splitlines()[-1]
    return {
        "city page": "/results/mobile/",
        "solution page": f"/results/mobile/{solution}/",
        "feed": "/results/mobile/feed.atom",
        "JSON export": "/results/mobile/results.json",
        "/ (member)": "/",
    }


def _one_client(base: str, pages: dict[str, str], count: int) -> None:
    public = requests.Session()
    member = _login(base)
    print(f"\none client, {count} sequential requests per page (ms)")
    print("round trip: send to last byte; server: the view's own Server-Timing (public pages)")
    print(f"{'page':<16}{'median':>9}{'p95':>9}{'max':>9}{'server median':>15}{'server p95':>12}")
    for name, path in pages.items():
        session = member if path == "/" else public
        times, server = [], []
        for _ in range(count):
            started = time.perf_counter()
            response = session.get(base + path, timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            said = re.search(r"dur=([0-9.]+)", response.headers.get("Server-Timing", ""))
            if said:
                server.append(float(said.group(1)))
        shown = (
            f"{statistics.median(server):>15.1f}{_percentile(server, 95):>12.1f}"
            if server
            else f"{'-':>15}{'-':>12}"
        )
        print(
            f"{name:<16}{statistics.median(times):>9.1f}{_percentile(times, 95):>9.1f}"
            f"{max(times):>9.1f}{shown}"
        )


def _load(base: str, pages: dict[str, str], clients: int, seconds: float) -> None:
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    sessions = [_login(base) for _ in range(clients)]
    stop = time.perf_counter() + seconds
    names = list(pages)

    def run(index: int) -> None:
        session = sessions[index]
        i = index
        while time.perf_counter() < stop:
            name = names[i % len(names)]
            i += 1
            started = time.perf_counter()
            try:
                ok = session.get(base + pages[name], timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                times[name].append(elapsed)
                if not ok:
                    errors[name] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    total = sum(len(v) for v in times.values())
    print(f"\n{clients} concurrent clients for {took:.0f} s: {total} requests, "
          f"{total / took:.0f} requests/s, {sum(errors.values())} errors")  # fmt: skip
    print(f"{'page':<16}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>8}")
    for name in names:
        values = times[name]
        print(
            f"{name:<16}{len(values):>9}{len(values) / took:>8.0f}{_percentile(values, 50):>8.0f}"
            f"{_percentile(values, 95):>8.0f}{_percentile(values, 99):>8.0f}{errors[name]:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--requests", type=int, default=100, help="per page, one client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    options = parser.parse_args()
    if not os.environ.get("CIVICLAB_DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set CIVICLAB_DATABASE_URL to an empty PostgreSQL database.")
    with tempfile.TemporaryDirectory(prefix="civiclab-load-") as data:
        env = {**os.environ, "CIVICLAB_DATA_DIR": data, "PYTHONPATH": str(REPO / "src")}
        started = time.perf_counter()
        _civiclab(env, "demo", "--no-serve")
        print(f"demo seeded in {time.perf_counter() - started:.0f} s")
        pages = _pages(env)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "civiclab", "serve", "--port", str(port),
             "--workers", str(options.workers)],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):  # collectstatic first: a minute or more on a busy machine
                try:
                    if requests.get(f"{base}/results/", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.5)
            else:
                sys.exit("the server did not start")
            member = _login(base)
            for path in pages.values():  # warm every worker's caches a little
                for _ in range(options.workers):
                    (member if path == "/" else requests).get(base + path, timeout=60)
            _one_client(base, pages, options.requests)
            _load(base, pages, options.clients, options.seconds)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
