"""A local HTTP server for refresh tests: real files from tests/data, served as a city's
portal would — a file download, a SODA endpoint paged with ``$limit``/``$offset``, an Open311
GeoReport v2 ``requests.json`` filtered by date and paged — and the ways servers fail."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parents[1] / "data"
BLOOMINGTON = DATA / "real" / "open311-georeport-v2" / "bloomington_in_requests_2012.json"
NYC_311_CSV = DATA / "real" / "nyc311-2018-socrata-1k" / "311_Service_Requests.csv"
VACANT_GEOJSON = DATA / "real" / "nyc-vacant-lots-596acres" / "vacant.geojson"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


@dataclass
class Served:
    """What the server answers: ``files`` maps a path to a file or bytes; ``failures`` maps a
    path to a failure (``500``, ``slow``, ``truncated``, ``garbage``, ``huge``); ``open311``
    are the requests ``/open311/requests.json`` answers from; ``soda`` the rows of
    ``/resource/rows.json``. ``log`` keeps every path and query asked."""

    files: dict[str, Path | bytes] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    open311: list[dict[str, Any]] = field(default_factory=list)
    open311_pages: bool = True
    soda: list[dict[str, Any]] = field(default_factory=list)
    log: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    slow_seconds: float = 3.0


def soda_rows(path: Path = NYC_311_CSV) -> list[dict[str, Any]]:
    """A Socrata CSV export's rows as SODA JSON gives them (absent values left out)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]


class _Handler(BaseHTTPRequestHandler):
    served: Served

    def log_message(self, format: str, *args: Any) -> None:  # quiet tests
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.served.log.append((parts.path, query))
        failure = self.served.failures.get(parts.path)
        if failure == "500":
            return self._send(500, b"Internal Server Error", "text/plain")
        if failure == "slow":
            time.sleep(self.served.slow_seconds)
            return self._send(200, b"[]", "application/json")
        if failure == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'[{"service_request_id": "1", "status": "op')
            self.wfile.flush()
            self.close_connection = True
            return None
        if failure == "garbage":
            return self._send(200, b"\x00\x01<html>not data</html>\xff", "application/json")
        if failure == "huge":
            return self._send(200, b"a,b\n" + b"1,2\n" * 400_000, "text/csv")
        if failure == "bomb":
            body = gzip.compress(b"a,b\n" + b"1,2\n" * 1_000_000)
            return self._send(200, body, "text/csv", gzipped=True)
        if parts.path == "/open311/requests.json":
            return self._open311(query)
        if parts.path == "/resource/rows.json":
            return self._soda(query)
        found = self.served.files.get(parts.path)
        if found is None:
            return self._send(404, b"Not Found", "text/plain")
        body = found if isinstance(found, bytes) else found.read_bytes()
        gzipped = "gzip" in (self.headers.get("Accept-Encoding") or "")
        return self._send(
            200, gzip.compress(body) if gzipped else body, "text/plain", gzipped=gzipped
        )

    def _open311(self, query: dict[str, list[str]]) -> None:
        start = _utc(query["start_date"][0]) if "start_date" in query else None
        end = _utc(query["end_date"][0]) if "end_date" in query else None
        chosen = [
            r
            for r in self.served.open311
            if (start is None or _utc(r["requested_datetime"]) >= start)
            and (end is None or _utc(r["requested_datetime"]) < end)
        ]
        chosen.sort(key=lambda r: r["requested_datetime"])
        if self.served.open311_pages and "page_size" in query:
            size = int(query["page_size"][0])
            page = int(query.get("page", ["1"])[0])
            chosen = chosen[(page - 1) * size : page * size]
        self._send(200, json.dumps(chosen).encode(), "application/json")

    def _soda(self, query: dict[str, list[str]]) -> None:
        limit = int(query.get("$limit", ["1000"])[0])
        offset = int(query.get("$offset", ["0"])[0])
        page = self.served.soda[offset : offset + limit]
        self._send(200, json.dumps(page).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str, gzipped: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(served: Served | None = None, port: int = 0) -> Iterator[tuple[str, Served]]:
    """A server on 127.0.0.1 (at a free port unless given), in a thread: (its base address,
    what it serves)."""
    served = served or Served()
    handler = type("Handler", (_Handler,), {"served": served})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()
