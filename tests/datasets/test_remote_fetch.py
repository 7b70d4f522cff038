"""Downloading a bound source (datasets.ingest.remote), without a database: real files from
tests/data served by a local HTTP server — SODA paging, Open311 date windows and pages, plain
downloads — and every limit and refusal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from civiclab.datasets.ingest import remote
from civiclab.datasets.ingest.remote import FetchLimits, check_url, fetch
from civiclab.datasets.ingest.report import IngestError
from tests.datasets.remote_server import (
    BLOOMINGTON,
    NYC_311_CSV,
    VACANT_GEOJSON,
    Served,
    serve,
    soda_rows,
)

LOCAL = FetchLimits(allow_private_hosts=True, timeout_seconds=10)
NOW = dt.datetime(2012, 6, 1, tzinfo=dt.UTC)


def test_socrata_endpoint_is_read_page_by_page_in_row_id_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a SODA endpoint serving NYC's 1,000 real 311 rows
    WHEN it is fetched 300 rows a request
    THEN four requests ($offset 0…900, $order=:id) bring every row, once."""
    monkeypatch.setattr(remote, "SOCRATA_PAGE_ROWS", 300)
    with serve(Served(soda=soda_rows())) as (base, served):
        got = fetch("socrata", f"{base}/resource/rows.json", tmp_path, LOCAL, now=NOW)
    assert got.format == "socrata" and got.rows == 1000 and got.pages == 4
    assert [q["$offset"] for _p, q in served.log] == [["0"], ["300"], ["600"], ["900"]]
    assert all(q["$order"] == [":id"] for _p, q in served.log)
    rows = json.loads(got.path.read_text())
    assert len({r["Unique Key"] for r in rows}) == 1000


def test_open311_is_read_by_date_windows_and_pages(tmp_path: Path) -> None:
    """GIVEN Bloomington's 21 real requests (22–23 May 2012) behind a paging Open311 server
    WHEN fetched from 1 May with 10-request pages
    THEN every request comes once, windows are at most 30 days, and the high-water mark is
    the newest request's time."""
    requests = json.loads(BLOOMINGTON.read_text())
    with serve(Served(open311=requests)) as (base, served):
        got = fetch(
            "open311",
            f"{base}/open311/requests.json",
            tmp_path,
            LOCAL,
            now=NOW,
            first_from=dt.datetime(2012, 4, 1, tzinfo=dt.UTC),
        )
    rows = json.loads(got.path.read_text())
    assert got.format == "open311" and len(rows) == 21
    assert got.high_water == dt.datetime(2012, 5, 23, 19, 55, 28, tzinfo=dt.UTC)
    windows = {(q["start_date"][0], q["end_date"][0]) for _p, q in served.log}
    assert ("2012-04-01T00:00:00Z", "2012-05-01T00:00:00Z") in windows
    assert ("2012-05-01T00:00:00Z", "2012-05-31T00:00:00Z") in windows


def test_open311_pages_within_a_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "OPEN311_PAGE_SIZE", 8)
    requests = json.loads(BLOOMINGTON.read_text())
    with serve(Served(open311=requests)) as (base, served):
        got = remote.open311_requests(
            f"{base}/open311/requests.json",
            remote.Downloader(LOCAL),
            dt.datetime(2012, 5, 20, tzinfo=dt.UTC),
            dt.datetime(2012, 5, 25, tzinfo=dt.UTC),
            page_size=8,
        )
    assert len(got) == 21
    assert [q["page"] for _p, q in served.log] == [["1"], ["2"], ["3"]]


def test_open311_server_ignoring_pages_ends_the_window(tmp_path: Path) -> None:
    """A server that answers every page with the same requests is read once per window."""
    requests = json.loads(BLOOMINGTON.read_text())
    with serve(Served(open311=requests, open311_pages=False)) as (base, served):
        got = remote.open311_requests(
            f"{base}/open311/requests.json",
            remote.Downloader(LOCAL),
            dt.datetime(2012, 5, 20, tzinfo=dt.UTC),
            dt.datetime(2012, 5, 25, tzinfo=dt.UTC),
            page_size=10,
        )
    assert len(got) == 21 and len(served.log) == 2  # page 2 brought nothing new


def test_open311_starts_at_the_high_water_mark_less_the_overlap(tmp_path: Path) -> None:
    mark = dt.datetime(2012, 5, 24, 12, tzinfo=dt.UTC)
    requests = json.loads(BLOOMINGTON.read_text())
    with serve(Served(open311=requests)) as (base, served):
        got = fetch(
            "open311", f"{base}/open311/requests.json", tmp_path, LOCAL,
            now=NOW, last_high_water=mark,
        )  # fmt: skip
    assert served.log[0][1]["start_date"] == ["2012-05-23T12:00:00Z"]
    assert 0 < got.rows < 21  # type: ignore[operator]


def test_csv_and_geojson_urls_are_one_download(tmp_path: Path) -> None:
    with serve(Served(files={"/311.csv": NYC_311_CSV, "/vacant.geojson": VACANT_GEOJSON})) as (
        base,
        _served,
    ):
        csv_file = fetch("csv", f"{base}/311.csv", tmp_path, LOCAL, now=NOW)
        geo = fetch("geojson", f"{base}/vacant.geojson", tmp_path, LOCAL, now=NOW)
    assert csv_file.path.read_bytes() == NYC_311_CSV.read_bytes()  # un-gzipped
    assert csv_file.format == "csv" and csv_file.bytes < NYC_311_CSV.stat().st_size
    assert geo.path.read_bytes() == VACANT_GEOJSON.read_bytes() and geo.format == "geo"


@pytest.mark.parametrize(
    ("failure", "code"),
    [("500", "http"), ("truncated", "unreadable"), ("slow", "timeout"), ("huge", "too_large")],
)
def test_failures_are_clear_errors(tmp_path: Path, failure: str, code: str) -> None:
    limits = FetchLimits(allow_private_hosts=True, timeout_seconds=1, max_bytes=1024 * 1024)
    with (
        serve(Served(failures={"/x.csv": failure})) as (base, _served),
        pytest.raises(IngestError) as caught,
    ):
        fetch("csv", f"{base}/x.csv", tmp_path, limits, now=NOW)
    assert caught.value.code == code


def test_a_gzip_bomb_stops_at_the_unpacked_limit(tmp_path: Path) -> None:
    limits = FetchLimits(allow_private_hosts=True, max_decompressed_bytes=1024 * 1024)
    with (
        serve(Served(failures={"/x.csv": "bomb"})) as (base, _served),
        pytest.raises(IngestError, match="unpacks to more than 1 MB"),
    ):
        fetch("csv", f"{base}/x.csv", tmp_path, limits, now=NOW)


def test_garbage_instead_of_json_is_refused(tmp_path: Path) -> None:
    with (
        serve(Served(failures={"/resource/rows.json": "garbage"})) as (base, _served),
        pytest.raises(IngestError, match="not JSON"),
    ):
        fetch("socrata", f"{base}/resource/rows.json", tmp_path, LOCAL, now=NOW)


def test_pages_and_rows_are_limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "SOCRATA_PAGE_ROWS", 100)
    with serve(Served(soda=soda_rows())) as (base, _served):
        with pytest.raises(IngestError, match="more than 3 requests"):
            fetch(
                "socrata", f"{base}/resource/rows.json", tmp_path,
                FetchLimits(allow_private_hosts=True, max_pages=3), now=NOW,
            )  # fmt: skip
        with pytest.raises(IngestError, match="more than 250 rows"):
            fetch(
                "socrata", f"{base}/resource/rows.json", tmp_path,
                FetchLimits(allow_private_hosts=True, max_rows=250), now=NOW,
            )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x.csv",
        "http://localhost/x.csv",
        "http://10.1.2.3/x.csv",
        "http://192.168.0.1/x.csv",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x.csv",
        "http://0.0.0.0/x.csv",
    ],
)
def test_private_hosts_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(IngestError, match="private, loopback or link-local"):
        check_url(url)
    assert check_url(url, allow_private_hosts=True) == url


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x.csv", "file:///etc/passwd", "example.org/x", "http://u:p@h.org/"]
)
def test_only_http_addresses_without_credentials(url: str) -> None:
    with pytest.raises(IngestError) as caught:
        check_url(url, allow_private_hosts=True)
    assert caught.value.code == "url"


def test_a_redirect_to_a_private_host_is_refused(tmp_path: Path) -> None:
    """The first address is checked, and so is every address a redirect leads to."""
    limits = FetchLimits(allow_private_hosts=False)
    downloader = remote.Downloader(limits)
    with pytest.raises(IngestError, match="private"):
        downloader.opener.handlers  # noqa: B018 — the handler is installed
        for handler in downloader.opener.handlers:
            if isinstance(handler, remote.HTTPRedirectHandler):
                handler.redirect_request(None, None, 302, "", {}, "http://127.0.0.1/")
