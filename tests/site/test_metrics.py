"""/metrics: off without a token, refused without the right one, Prometheus's text format with
it; request counters that add up across processes and never go backwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from civiclab.core import http_metrics
from civiclab.core.backup_record import record_path, write_last_backup
from civiclab.core.prometheus import Family, format_value, render
from civiclab.datasets.models import Dataset, DatasetVersion, ImportJob
from tests.migrated import Migrated
from tests.prometheus_text import ExpositionError, ParsedFamily, parse
from tests.world import World

TOKEN = "a-metrics-token-long-enough"


def scrape(client: Client | None = None, token: str = TOKEN) -> dict[str, ParsedFamily]:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.content.decode())


def requests_of(families: dict[str, ParsedFamily], route: str, status_class: str) -> float:
    return sum(
        value
        for _name, labels, value in families["civiclab_http_requests_total"].samples
        if labels["route"] == route and labels["status_class"] == status_class
    )


@pytest.mark.django_db
def test_metrics_are_off_without_a_token() -> None:
    """GIVEN no CIVICLAB_METRICS_TOKEN WHEN /metrics is asked for, even with a token
    THEN it does not exist (404)."""
    with override_settings(METRICS_TOKEN=""):
        assert Client().get("/metrics").status_code == 404
        assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "],
)
def test_metrics_refuse_a_missing_or_wrong_token(authorization: str | None) -> None:
    """GIVEN a metrics token WHEN a request brings none, another, or the right one in another
    scheme THEN 401 with WWW-Authenticate: Bearer, and no metric in the body."""
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    with override_settings(METRICS_TOKEN=TOKEN):
        response = Client().get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"civiclab_" not in response.content


@pytest.mark.django_db
def test_metrics_answer_only_get() -> None:
    with override_settings(METRICS_TOKEN=TOKEN):
        response = Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


@pytest.mark.django_db
def test_the_right_token_gets_every_metric_in_the_text_format(world: World) -> None:
    """GIVEN import jobs in every state, a stored version, a worker heartbeat and a backup
    WHEN the scraper asks with the token THEN the text parses strictly and each metric says
    what the database and the data directory hold."""
    from civiclab.datasets import housekeeping
    from tests.datasets.test_housekeeping import aged

    now = timezone.now()
    for state, count in [("queued", 3), ("running", 2), ("done", 4), ("failed", 1)]:
        for _ in range(count):
            ImportJob.objects.create(city=world.city, dataset_name="x", upload="u", state=state)
    # Jobs of the last day took 10, 20, 30 and 40 s from queued to done; an older one is left out.
    ImportJob.objects.filter(state="done").delete()
    for seconds in (10, 20, 30, 40):
        ImportJob.objects.create(
            city=world.city,
            dataset_name="d",
            upload="u",
            state="done",
            created_at=now - timedelta(hours=1, seconds=seconds),
            finished_at=now - timedelta(hours=1),
        )
    ImportJob.objects.create(
        city=world.city,
        dataset_name="old",
        upload="u",
        state="done",
        created_at=now - timedelta(days=3),
        finished_at=now - timedelta(days=2),
    )
    dataset = Dataset.objects.create(city=world.city, name="311", slug="311")
    for number, size in [(1, 1000), (2, 234)]:
        DatasetVersion.objects.create(
            dataset=dataset, number=number, file=f"v{number}.parquet", rows=1, size_bytes=size
        )
    aged(housekeeping.heartbeat_file(), timedelta(seconds=90), folder=False)
    write_last_backup(settings.DATA_DIR, "/backups/x.tar", 10, now - timedelta(hours=2))
    try:
        with override_settings(METRICS_TOKEN=TOKEN):
            families = scrape()
    finally:
        record_path(settings.DATA_DIR).unlink()
        housekeeping.heartbeat_file().unlink()
    assert families["civiclab_jobs_queued"].value() == 3
    assert families["civiclab_jobs_running"].value() == 2
    assert families["civiclab_jobs_finished_total"].value(outcome="done") == 5
    assert families["civiclab_jobs_finished_total"].value(outcome="failed") == 1
    durations = families["civiclab_job_duration_seconds"]
    assert durations.type == "summary"
    assert durations.value("civiclab_job_duration_seconds_count", outcome="done") == 4
    assert durations.value("civiclab_job_duration_seconds_sum", outcome="done") == 100
    assert durations.value(outcome="done", quantile="0.5") == 20
    assert durations.value(outcome="done", quantile="0.99") == 40
    assert families["civiclab_import_bytes_total"].value() == 1234
    assert 89 <= families["civiclab_worker_heartbeat_age_seconds"].value() < 120
    assert 7190 <= families["civiclab_last_backup_age_seconds"].value() < 7300
    assert families["civiclab_queue_up"].value() == 1
    assert families["civiclab_queue_pending_tasks"].value() == 0
    assert families["civiclab_http_request_duration_seconds"].type == "histogram"


@pytest.mark.django_db
def test_absent_facts_are_absent_not_zero() -> None:
    """GIVEN no backup recorded and no worker ever run THEN their ages have no sample (a 0
    would read as "just now")."""
    with override_settings(METRICS_TOKEN=TOKEN):
        families = scrape()
    assert families["civiclab_last_backup_age_seconds"].samples == []
    assert families["civiclab_worker_heartbeat_age_seconds"].samples == []


@pytest.mark.django_db
def test_counters_go_up_with_requests_by_route_and_status_class() -> None:
    """GIVEN a scrape WHEN two pages and one missing page are asked for THEN the counters of
    their routes went up by exactly that (the scrapes themselves are not counted), and each
    request landed in one duration bucket."""
    client = Client()
    with override_settings(METRICS_TOKEN=TOKEN):
        before = scrape(client)
        client.get("/healthz")
        client.get("/healthz")
        client.get("/no/such/page/12345")
        after = scrape(client)
    for route, status_class, added in [
        ("site:health", "2xx", 2),
        ("unmatched", "4xx", 1),
        ("site:metrics", "2xx", 0),
    ]:
        assert (
            requests_of(after, route, status_class) - requests_of(before, route, status_class)
            == added
        ), route
    histogram = after["civiclab_http_request_duration_seconds"]
    count = histogram.value("civiclab_http_request_duration_seconds_count", route="site:health")
    assert count >= 2
    assert (
        histogram.value(
            "civiclab_http_request_duration_seconds_bucket", route="site:health", le="+Inf"
        )
        == count
    )
    assert not any(labels.get("route", "").startswith("/") for _n, labels, _v in histogram.samples)


@pytest.mark.django_db
def test_an_invented_method_adds_no_series() -> None:
    client = Client()
    client.generic("BREW", "/healthz")
    with override_settings(METRICS_TOKEN=TOKEN):
        families = scrape(client)
    methods = {
        labels["method"] for _n, labels, _v in families["civiclab_http_requests_total"].samples
    }
    assert "BREW" not in methods and "other" in methods


@pytest.mark.django_db
def test_the_scrape_costs_a_few_queries(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with override_settings(METRICS_TOKEN=TOKEN), django_assert_max_num_queries(3):
        scrape()


# --- Several processes: files per process, summed; ended processes archived ------------------


def test_processes_add_up_and_an_ended_one_is_archived_not_lost(tmp_path: Path) -> None:
    """GIVEN two processes that counted requests, one of which has ended WHEN the totals are
    collected, then collected again THEN both are summed; the ended one's file is folded into
    the archive and removed; nothing goes backwards."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    host = "testhost"
    ended = http_metrics.Totals()
    for _ in range(3):
        ended.observe("GET", "2xx", "site:home", 0.02)
    (tmp_path / f"{host}-{dead_pid}-aaaa.json").write_text(json.dumps(ended.to_json()))
    alive = http_metrics.Totals()
    alive.observe("GET", "2xx", "site:home", 3.0)
    alive.observe("POST", "4xx", "accounts:login", 0.001)
    (tmp_path / f"{host}-{os.getpid()}-bbbb.json").write_text(json.dumps(alive.to_json()))
    # Another machine's process sharing the data directory: summed, never archived from here.
    (tmp_path / f"otherhost-{dead_pid}-cccc.json").write_text(json.dumps(ended.to_json()))

    first = http_metrics.collect(tmp_path, host=host)
    assert first.requests[("GET", "2xx", "site:home")] == 7
    assert first.requests[("POST", "4xx", "accounts:login")] == 1
    assert first.buckets["site:home"][http_metrics.BUCKETS.index(0.025)] == 6
    assert first.buckets["site:home"][http_metrics.BUCKETS.index(5)] == 1
    remaining = sorted(p.name for p in tmp_path.glob("*.json"))
    assert remaining == [
        "archive.json",
        f"otherhost-{dead_pid}-cccc.json",
        f"{host}-{os.getpid()}-bbbb.json",
    ]
    second = http_metrics.collect(tmp_path, host=host)
    assert second.requests == first.requests and second.buckets == first.buckets


def test_an_interrupted_archiving_counts_nothing_twice(tmp_path: Path) -> None:
    """GIVEN an archive that took in a file whose removal was then interrupted (a crash)
    THEN the file is not counted again, and is removed."""
    totals = http_metrics.Totals()
    totals.observe("GET", "2xx", "site:home", 0.02)
    name = "h-999999-dddd.json"
    (tmp_path / name).write_text(json.dumps(totals.to_json()))
    (tmp_path / "archive.json").write_text(json.dumps({**totals.to_json(), "absorbed": [name]}))
    collected = http_metrics.collect(tmp_path, host="h")
    assert collected.requests[("GET", "2xx", "site:home")] == 1
    assert not (tmp_path / name).exists()


def test_a_process_writes_its_counts_to_its_own_file(tmp_path: Path) -> None:
    recorder = http_metrics.ProcessRecorder(tmp_path)
    recorder.observe("GET", "2xx", "site:health", 0.004)
    recorder.flush()
    written = json.loads(recorder.path.read_text())
    assert written["pid"] == os.getpid()
    assert written["requests"] == [["GET", "2xx", "site:health", 1]]
    assert http_metrics.collect(tmp_path).requests == {("GET", "2xx", "site:health"): 1}


# --- The writer and the strict reader -------------------------------------------------------


def test_label_values_and_help_are_escaped() -> None:
    family = Family("civiclab_x", "gauge", "Help with a \\ and a\nline.")
    family.add(1.5, {"route": 'a"b\\c\nd'})
    parsed = parse(render([family]))["civiclab_x"]
    assert parsed.value(route='a"b\\c\nd') == 1.5
    assert parsed.help == "Help with a \\\\ and a\\nline."
    assert format_value(float("inf")) == "+Inf" and format_value(3.0) == "3"


@pytest.mark.parametrize(
    "text",
    [
        "civiclab_x 1\n",  # no TYPE
        "# TYPE civiclab_x gauge\nciviclab_x 1",  # no final line feed
        '# TYPE civiclab_x gauge\nciviclab_x{a="1",a="2"} 1\n',
        "# TYPE civiclab_x gauge\nciviclab_x one\n",
        "# TYPE civiclab_x gauge\nciviclab_y 1\n",
        "# TYPE civiclab_x gauge\nciviclab_x 1\nciviclab_x 2\n",
        '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
        '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
    ],
)
def test_the_reader_is_strict(text: str) -> None:
    with pytest.raises(ExpositionError):
        parse(text)


# --- Several gunicorn workers: one answer for the whole server -------------------------------


def test_a_server_with_two_workers_counts_every_request_and_logs_json(
    tmp_path: Path, migrated: Migrated
) -> None:
    """GIVEN gunicorn with two worker processes (as `civiclab serve` runs it), a metrics token
    and JSON logs WHEN 20 requests are spread over its workers THEN a scrape (within a few
    seconds, as workers write their counts) reports all 20, and each request has one JSON
    access line on standard error, with its X-Request-ID."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from tests.processes import free_port
    from tests.test_cli import subprocess_env

    migrated.copy_sqlite(tmp_path / "cli.sqlite3")
    port = free_port()
    env = subprocess_env(tmp_path, CIVICLAB_METRICS_TOKEN=TOKEN, CIVICLAB_LOG_FORMAT="json")
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("wb")
    # gunicorn itself, not `civiclab serve`: collecting the static files would only add time
    # (tests/test_serve.py covers serve).
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "civiclab.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def get(path: str, **headers: str) -> tuple[str, bytes]:
        request = urllib.request.Request(base + path, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.headers["X-Request-ID"]), response.read()

    def scraped() -> dict[str, ParsedFamily]:
        return parse(get("/metrics", Authorization=f"Bearer {TOKEN}")[1].decode())

    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                scraped()  # scrapes are not counted: the wait adds nothing
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "server did not start in 90 s"
                time.sleep(0.3)
        # Concurrent, so that both workers take some (which one accepts is the kernel's pick).
        with ThreadPoolExecutor(max_workers=4) as pool:
            ids = list(
                pool.map(lambda n: get("/healthz", **{"X-Request-ID": f"r-{n}"})[0], range(20))
            )
        assert ids == [f"r-{n}" for n in range(20)]
        deadline = time.monotonic() + 3 * http_metrics.FLUSH_EVERY + 5
        while (counted := requests_of(scraped(), "site:health", "2xx")) < 20:
            assert time.monotonic() < deadline, f"{counted} of 20 requests counted"
            time.sleep(0.5)
        assert counted == 20
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    lines = [
        json.loads(line)
        for line in (tmp_path / "server.log").read_text().splitlines()
        if line.startswith("{")
    ]
    access = [e for e in lines if e["logger"] == "civiclab.request" and e["path"] == "/healthz"]
    assert sorted(e["request_id"] for e in access) == sorted(ids)
    assert all(e["status"] == 200 and e["method"] == "GET" for e in access)


def test_backup_record_ages_are_read_in_utc(tmp_path: Path) -> None:
    from civiclab.core.backup_record import backup_age_seconds, last_backup

    write_last_backup(tmp_path, tmp_path / "b.tar", 5, datetime(2030, 1, 1, 12, tzinfo=UTC))
    record = last_backup(tmp_path)
    assert record is not None
    assert backup_age_seconds(record, datetime(2030, 1, 1, 13, tzinfo=UTC)) == 3600


@pytest.mark.django_db
def test_unreadable_request_counters_still_answer_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a data directory where the counters' files cannot be read (full, read-only)
    THEN the scrape still answers, with the database's metrics."""

    def broken(_directory: Path, host: str | None = None) -> http_metrics.Totals:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(http_metrics, "collect", broken)
    with override_settings(METRICS_TOKEN=TOKEN):
        families = scrape()
    assert families["civiclab_http_requests_total"].samples == []
    assert families["civiclab_jobs_queued"].value() == 0


def test_the_counters_follow_the_data_directory_the_settings_name(
    settings: Any, tmp_path: Path
) -> None:
    """GIVEN the counters of this process in use WHEN the settings point at another data
    directory for a while (as the disk-full fault test does) and back THEN the counters are
    written under the data directory of the moment: they were kept in the first one they
    met, so /metrics, reading the current one, saw none after such a test."""
    from civiclab.core.request_tracking import recorder

    before = recorder().directory
    settings.DATA_DIR = tmp_path
    assert recorder().directory == tmp_path / "run" / "metrics"
    settings.DATA_DIR = before.parent.parent
    assert recorder().directory == before
