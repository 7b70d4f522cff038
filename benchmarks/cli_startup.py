"""How long do `civiclab --help`, `civiclab city list`, `civiclab datasets list` and a web worker's
boot take, warm?

Issue 11 asks for every command to answer in under 1 s warm on a 2-core machine, and for a web
worker (the WSGI application loaded, then its first request, which imports the URLconf) to boot
in under 2 s. Heavy libraries (scipy, pandas, pyarrow, pyogrio, shapely, h3, openpyxl,
statsmodels) are imported where they are used, never at start-up or by the URLconf;
``tests/test_startup.py`` keeps them out of ``civiclab.urls``.

The script migrates a throw-away data directory once (SQLite, no ``CIVICLAB_*`` variable of the
caller), adds one city, runs every command once to warm the bytecode cache, then times N runs
of each in a fresh Python process (``python -m civiclab …``, without ``uv run``'s own ~0.2 s)
and prints the median and the slowest. Run it on demand; it is not part of the test suite:

    uv run python benchmarks/cli_startup.py [--runs 7]

Figures on the 2-core development machine, 6 December 2026, median of 5 warm runs in seconds.
The machine was shared with other test runs (load average 3 to 5 on 2 cores), so idle figures
are lower. "Before" is commit ceef366's tree (issue 10), run back to back with "after" under
load ~5; "after" ran again once the load had fallen to ~3:

    command                    before   after (load ~5)   after (load ~3)
    civiclab --help              0.03              0.04              0.04
    civiclab city list          11.36              3.82              1.62
    civiclab datasets list      10.34              3.83              1.70
    WSGI boot + first request    9.90              3.73              1.53

The `city` and `datasets` commands then stopped running Django's system checks (which import
the URL map; `civiclab check`, `migrate` and `serve` still run them). Median of 7 warm runs,
load ~2: --help 0.04, city list 0.93, datasets list 0.96, WSGI boot 1.32.

Once the evaluation app (issue 12) had joined, with nothing else running (load < 1), median of
7 warm runs: city list 1.02 and datasets list 1.02 — over the second. Two causes: apps' ready()
imported their modules for page links and panels (now imported when a page first asks), and
django-ninja was an installed app, so every django.setup() imported all of ninja and pydantic
(~0.2 s); it is no longer one (settings.py finds its docs page's templates and static files,
site/api.py renders its local Swagger page). After, load < 1:

    command                    median    max
    civiclab --help              0.04   0.04
    civiclab city list           0.82   0.84
    civiclab datasets list       0.85   0.87
    WSGI boot + first request    1.64   1.71

What is left at start-up is Django itself (django.setup(): ~0.75 s) and, for a web worker, the
API's pydantic schemas built when the URLconf is imported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

COMMANDS: dict[str, list[str]] = {
    "civiclab --help": ["-m", "civiclab", "--help"],
    "civiclab city list": ["-m", "civiclab", "city", "list"],
    "civiclab datasets list": ["-m", "civiclab", "datasets", "list", "--city", "springfield"],
}

# A web worker: load the WSGI application (django.setup()), then answer one request, which
# imports the URLconf and with it every view and API router.
WSGI_BOOT = """
import io, sys
from civiclab.wsgi import application
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
    "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
}
statuses = []
body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
assert statuses[0].startswith("200"), (statuses, body)
"""


def run(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``python argv`` to its exit (which must be a success)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *argv], cwd=REPO, env=env, check=True, capture_output=True, timeout=120
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs per command (default 7)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="civiclab-startup-") as data_dir:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CIVICLAB_", "DJANGO_"))
        }
        env["CIVICLAB_DATA_DIR"] = data_dir
        run(["-m", "civiclab", "migrate", "-v0"], env)
        run(
            [
                "-m",
                "civiclab",
                "city",
                "add",
                "springfield",
                "--name",
                "Springfield",
                "--country",
                "US",
            ],
            env,
        )
        benchmarks = {**COMMANDS, "WSGI boot + first request": ["-c", WSGI_BOOT]}
        print(f"{'command':<28} {'median':>8} {'max':>8}   ({args.runs} warm runs, seconds)")
        for label, command in benchmarks.items():
            run(command, env)  # warm the bytecode cache and the page cache
            times = [run(command, env) for _ in range(args.runs)]
            print(f"{label:<28} {statistics.median(times):8.2f} {max(times):8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
