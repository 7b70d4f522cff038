"""Serve the demo's refresh sources on this machine: no internet needed.

Run with ``uv run python -m scripts.demo_refresh_server [--port 8311]`` from the repository
(the files are tests/data/real's). It answers, on 127.0.0.1:

- ``/311_Service_Requests.csv`` — NYC's 1,000 real 311 requests (the demo binds Boston's
  "311 requests" to it, disabled);
- ``/open311/requests.json`` — Bloomington's real Open311 GeoReport v2 requests, filtered by
  ``start_date``/``end_date`` and paged by ``page``/``page_size`` as a city's endpoint is;
- ``/resource/rows.json`` — the NYC rows again, as a SODA endpoint (``$limit``/``$offset``).

The address is a loopback one: set ``CIVICLAB_REFRESH_ALLOW_PRIVATE_HOSTS=true`` for the
server and worker that refresh from it (see docs/data.md).
"""

from __future__ import annotations

import argparse
import json
import time

from tests.datasets.remote_server import BLOOMINGTON, NYC_311_CSV, Served, serve, soda_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8311)
    port = parser.parse_args().port
    served = Served(
        files={"/311_Service_Requests.csv": NYC_311_CSV},
        open311=json.loads(BLOOMINGTON.read_text(encoding="utf-8")),
        soda=soda_rows(),
    )
    with serve(served, port=port) as (base, _served):
        print(f"serving {base}/311_Service_Requests.csv, {base}/open311/requests.json")  # noqa: T201
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
