"""Datasets that refresh themselves from a bound source (datasets.refresh): each refresh is an
ImportJob through the same import as an upload, from a local HTTP server serving real files;
a failed one never replaces the current version; the sweep picks only due, enabled sources."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civiclab.audit.models import AuditEvent
from civiclab.datasets import jobs, refresh, services
from civiclab.datasets.ingest import remote
from civiclab.datasets.models import Dataset, DataSource, ImportJob
from civiclab.datasets.signals import import_failed, import_finished
from tests.datasets.remote_server import (
    BLOOMINGTON,
    NYC_311_CSV,
    VACANT_GEOJSON,
    Served,
    serve,
    soda_rows,
)
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_sources(settings: Any) -> None:
    settings.REFRESH_ALLOW_PRIVATE_HOSTS = True
    settings.REFRESH_TIMEOUT_SECONDS = 2


def imported(world: World, tmp_path: Path, source: Path, name: str = "311") -> Dataset:
    copy = tmp_path / f"upload{source.suffix}"
    shutil.copy(source, copy)
    version = services.import_file(
        world.user("member"), world.city, name, copy, source.name, services.ImportOptions()
    )
    return version.dataset


def run(world: World, dataset: Dataset) -> ImportJob:
    job = refresh.refresh_now(world.user("member"), dataset)
    job.refresh_from_db()
    dataset.refresh_from_db()
    return job


def test_csv_source_replaces_through_the_same_import(world: World, tmp_path: Path) -> None:
    """GIVEN a dataset imported from NYC's real 311 CSV, bound to the same file at a URL
    WHEN it is refreshed
    THEN a new version (2) is current, made by an ImportJob marked with its source, audited
    as an import, and the source records the success."""
    dataset = imported(world, tmp_path, NYC_311_CSV)
    with serve(Served(files={"/311.csv": NYC_311_CSV})) as (base, _served):
        refresh.bind_source(
            world.user("member"), dataset, kind="csv", url=f"{base}/311.csv", mode="replace"
        )
        job = run(world, dataset)
    assert job.state == ImportJob.State.DONE, job.error
    assert job.source is not None and job.version == dataset.current_version
    assert dataset.current_version.number == 2 and dataset.current_version.rows == 1000
    source = DataSource.objects.get(dataset=dataset)
    assert source.last_success_at and source.consecutive_failures == 0
    assert AuditEvent.objects.filter(action="dataset.import", object_id=dataset.pk).count() == 2
    assert not (Path(jobs.uploads_dir()) / Path(job.upload).parent.name).exists()


def test_socrata_endpoint_appends_every_page(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "SOCRATA_PAGE_ROWS", 400)
    rows = soda_rows()
    columns = {key for row in rows for key in row}
    first = tmp_path / "first.json"  # the first version has every column
    first.write_text(json.dumps([{c: r.get(c) for c in columns} for r in rows[:100]]))
    dataset = imported(world, tmp_path, first)
    with serve(Served(soda=rows[100:])) as (base, served):
        refresh.bind_source(
            world.user("member"),
            dataset,
            kind="socrata",
            url=f"{base}/resource/rows.json",
            mode="append",
        )
        job = run(world, dataset)
    assert job.state == ImportJob.State.DONE, job.error
    assert dataset.current_version.rows == 1000 and len(served.log) == 3


def test_open311_upserts_from_the_high_water_mark(world: World, tmp_path: Path) -> None:
    """GIVEN an Open311 source (Bloomington's real requests) bound with a first date
    WHEN it is refreshed twice, the second time with a request changed and one new
    THEN the first reads by 30-day windows from that date; the second starts at the newest
    request less a day, and upserts: the changed request once, with its new status."""
    requests = json.loads(BLOOMINGTON.read_text())
    older, newer = requests[:15], requests
    with serve(Served(open311=older)) as (base, served):
        dataset = _open311_dataset(world, tmp_path, base)
        job = run(world, dataset)
        assert job.state == ImportJob.State.DONE, job.error
        assert dataset.current_version.rows == 15
        source = DataSource.objects.get(dataset=dataset)
        assert source.high_water == max(remote.parse_time(r["requested_datetime"]) for r in older)
        served.log.clear()
        changed = dict(newer[0], status="closed")
        served.open311 = [changed, *newer[1:]]
        job = run(world, dataset)
    assert job.state == ImportJob.State.DONE, job.error
    start = served.log[0][1]["start_date"][0]
    assert start == (source.high_water - remote.OPEN311_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert dataset.current_version.rows == 21 and dataset.current_version.mode == "upsert"
    from civiclab.datasets.queries import version_query

    with version_query(dataset.current_version, "t") as con:
        status = con.execute(
            "SELECT status FROM t WHERE service_request_id = ?", [changed["service_request_id"]]
        ).rows
    assert status == [("closed",)]


def _open311_dataset(world: World, tmp_path: Path, base: str) -> Dataset:
    """A new dataset bound to an Open311 source: created by a first import of a request."""
    first = tmp_path / "requests.json"
    first.write_text(json.dumps(json.loads(BLOOMINGTON.read_text())[:1]))
    dataset = imported(world, tmp_path, first, "Bloomington 311")
    refresh.bind_source(
        world.user("member"),
        dataset,
        kind="open311",
        url=f"{base}/open311/requests.json",
        mode="upsert",
        schedule="hourly",
        start_from=dt.datetime(2012, 5, 1, tzinfo=dt.UTC),
    )
    return dataset


def test_geojson_source_replaces_its_features(world: World, tmp_path: Path) -> None:
    dataset = imported(world, tmp_path, VACANT_GEOJSON, "vacant")
    with serve(Served(files={"/vacant.geojson": VACANT_GEOJSON})) as (base, _served):
        refresh.bind_source(
            world.user("member"),
            dataset,
            kind="geojson",
            url=f"{base}/vacant.geojson",
            mode="replace",
        )
        job = run(world, dataset)
    assert job.state == ImportJob.State.DONE, job.error
    assert dataset.current_version.number == 2
    assert dataset.current_version.rows == dataset.versions.get(number=1).rows


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        ("500", "http"),
        ("slow", "timeout"),
        ("truncated", "unreadable"),
        ("garbage", "too_large"),  # a tiny byte limit below: refused before it is read
        ("huge", "too_large"),
    ],
)
def test_a_failed_refresh_keeps_the_current_version(
    world: World, tmp_path: Path, settings: Any, failure: str, code: str
) -> None:
    settings.REFRESH_MAX_BYTES = 1024 * 1024 if failure != "garbage" else 10
    dataset = imported(world, tmp_path, NYC_311_CSV)
    current = dataset.current_version
    with serve(Served(failures={"/311.csv": failure}, slow_seconds=4)) as (base, _served):
        refresh.bind_source(world.user("member"), dataset, kind="csv", url=f"{base}/311.csv")
        job = run(world, dataset)
        job2 = run(world, dataset)
    assert job.state == job2.state == ImportJob.State.FAILED
    assert job.error["code"] == code and job.error["message"]
    assert dataset.current_version == current and dataset.versions.count() == 1
    source = DataSource.objects.get(dataset=dataset)
    assert source.consecutive_failures == 2 and source.last_error == job2.error["message"]
    assert source.last_success_at is None and source.last_attempt_at is not None
    assert not (Path(jobs.uploads_dir()) / Path(job.upload).parent.name).exists()


def test_a_changed_schema_or_too_many_bad_rows_keep_the_current_version(
    world: World, tmp_path: Path
) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    current = dataset.current_version
    changed = NYC_311_CSV.read_bytes().replace(b"Unique Key,", b"Request Id,", 1)
    bad = b"Unique Key,Created Date\n1,not a date\n" + b"2,06/26/2018 10:58:54 AM\n"
    with serve(Served(files={"/changed.csv": changed, "/bad.csv": bad})) as (base, _served):
        refresh.bind_source(
            world.user("member"), dataset, kind="csv", url=f"{base}/changed.csv", mode="append"
        )
        schema = run(world, dataset)
        other = imported(world, tmp_path, _one_dated_row(tmp_path), "dates")
        refresh.bind_source(
            world.user("member"), other, kind="csv", url=f"{base}/bad.csv", mode="append"
        )
        bad_rows = run(world, other)
    assert schema.state == ImportJob.State.FAILED and schema.error["code"] == "columns"
    assert dataset.current_version == current
    assert bad_rows.state == ImportJob.State.FAILED and bad_rows.error["code"] == "bad_rows"
    assert bad_rows.error["report"]["examples"][0]["value"] == "not a date"
    assert other.current_version.number == 1


def _one_dated_row(tmp_path: Path) -> Path:
    path = tmp_path / "dates.csv"
    path.write_text("Unique Key,Created Date\n1,06/26/2018 10:58:54 AM\n")
    return path


def test_the_sweep_picks_only_due_enabled_sources(world: World, tmp_path: Path) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    others = [imported(world, tmp_path, NYC_311_CSV, f"311 {i}") for i in range(4)]
    now = timezone.now()
    with serve(Served(files={"/311.csv": NYC_311_CSV})) as (base, _served):
        url = f"{base}/311.csv"
        member = world.user("member")
        due = refresh.bind_source(member, dataset, kind="csv", url=url, schedule="daily")
        due.last_attempt_at = now - dt.timedelta(days=1, minutes=1)
        due.save()
        recent = refresh.bind_source(member, others[0], kind="csv", url=url, schedule="daily")
        recent.last_attempt_at = now - dt.timedelta(hours=23)
        recent.save()
        refresh.bind_source(member, others[1], kind="csv", url=url, schedule="hourly",
                            enabled=False)  # fmt: skip
        refresh.bind_source(member, others[2], kind="csv", url=url, schedule="off")
        never = refresh.bind_source(member, others[3], kind="csv", url=url, schedule="weekly")
        assert {s.pk for s in refresh.due_sources(now)} == {due.pk, never.pk}
        queued = refresh.refresh_due(now)
    assert {j.source_id for j in queued} == {due.pk, never.pk}
    assert all(ImportJob.objects.get(pk=j.pk).state == ImportJob.State.DONE for j in queued)
    assert refresh.due_sources(timezone.now()) == []


def test_the_worker_task_sweeps(world: World, tmp_path: Path) -> None:
    from civiclab.datasets.tasks import refresh_due_sources

    dataset = imported(world, tmp_path, NYC_311_CSV)
    with serve(Served(files={"/311.csv": NYC_311_CSV})) as (base, _served):
        refresh.bind_source(
            world.user("member"), dataset, kind="csv", url=f"{base}/311.csv", schedule="hourly"
        )
        refresh_due_sources.call_local()
    dataset.refresh_from_db()
    assert dataset.current_version.number == 2


def test_private_hosts_are_refused_when_the_setting_is_off(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.REFRESH_ALLOW_PRIVATE_HOSTS = False
    dataset = imported(world, tmp_path, NYC_311_CSV)
    with pytest.raises(ValidationError) as caught:
        refresh.bind_source(
            world.user("member"), dataset, kind="csv", url="http://127.0.0.1:9/311.csv"
        )
    assert "private" in str(caught.value.message_dict["url"])
    # A source bound while allowed is refused again when refreshed.
    settings.REFRESH_ALLOW_PRIVATE_HOSTS = True
    refresh.bind_source(world.user("member"), dataset, kind="csv", url="http://127.0.0.1:9/x")
    settings.REFRESH_ALLOW_PRIVATE_HOSTS = False
    job = run(world, dataset)
    assert job.state == ImportJob.State.FAILED and job.error["code"] == "url"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "ftp", "url": "http://127.0.0.1/x"}, "kind"),
        ({"kind": "csv", "url": "file:///etc/passwd"}, "url"),
        ({"kind": "csv", "url": "http://127.0.0.1/x", "mode": "merge"}, "mode"),
        ({"kind": "csv", "url": "http://127.0.0.1/x", "mode": "upsert"}, "key"),
        ({"kind": "csv", "url": "http://127.0.0.1/x", "mode": "upsert", "key": "nope"}, "key"),
        ({"kind": "open311", "url": "http://127.0.0.1/x", "mode": "append"}, "mode"),
        ({"kind": "csv", "url": "http://127.0.0.1/x", "schedule": "yearly"}, "schedule"),
        ({"kind": "csv", "url": "http://127.0.0.1/x", "max_bad_rows": -1}, "max_bad_rows"),
    ],
)
def test_a_source_is_validated(
    world: World, tmp_path: Path, fields: dict[str, Any], field: str
) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    with pytest.raises(ValidationError) as caught:
        refresh.bind_source(world.user("member"), dataset, **fields)
    assert field in caught.value.message_dict


def test_only_editors_bind_and_refresh_and_it_is_audited(world: World, tmp_path: Path) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    url = "http://127.0.0.1:9/311.csv"
    for actor in ("viewer", "other_city_admin"):
        with pytest.raises(PermissionDenied):
            refresh.bind_source(world.user(actor), dataset, kind="csv", url=url)
    refresh.bind_source(world.user("member"), dataset, kind="csv", url=url)
    with pytest.raises(PermissionDenied):
        refresh.refresh_now(world.user("viewer"), dataset)
    with pytest.raises(PermissionDenied):
        refresh.unbind_source(world.user("viewer"), dataset)
    refresh.unbind_source(world.user("member"), dataset)
    assert not DataSource.objects.filter(dataset=dataset).exists()
    actions = set(AuditEvent.objects.filter(object_id=dataset.pk).values_list("action", flat=True))
    assert {"dataset.source.bind", "dataset.source.unbind"} <= actions


def test_import_finished_and_failed_are_sent_on_commit(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    finished: list[ImportJob] = []
    failed: list[ImportJob] = []

    def on_finished(sender: Any, job: ImportJob, **kwargs: Any) -> None:
        finished.append(job)

    def on_failed(sender: Any, job: ImportJob, **kwargs: Any) -> None:
        failed.append(job)

    import_finished.connect(on_finished)
    import_failed.connect(on_failed)
    try:
        copy = tmp_path / "311.csv"
        shutil.copy(NYC_311_CSV, copy)
        with django_capture_on_commit_callbacks(execute=True):
            manual = jobs.submit_import(
                world.user("member"), world.city, "311", copy, "311.csv",
                services.ImportOptions(),
            )  # fmt: skip
        assert [j.pk for j in finished] == [manual.pk] and failed == []
        dataset = Dataset.objects.get(pk=finished[0].dataset_id)
        with serve(Served(failures={"/311.csv": "500"})) as (base, _served):
            refresh.bind_source(world.user("member"), dataset, kind="csv", url=f"{base}/311.csv")
            with django_capture_on_commit_callbacks(execute=True):
                job = refresh.refresh_now(world.user("member"), dataset)
        assert [j.pk for j in failed] == [job.pk] and failed[0].source_id is not None
        assert failed[0].state == ImportJob.State.FAILED and len(finished) == 1
    finally:
        import_finished.disconnect(on_finished)
        import_failed.disconnect(on_failed)


def test_a_stopped_worker_fails_the_refresh_and_says_so(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    dataset = imported(world, tmp_path, NYC_311_CSV)
    source = refresh.bind_source(
        world.user("member"), dataset, kind="csv", url="http://127.0.0.1:9/x.csv"
    )
    job = ImportJob.objects.create(
        city=world.city,
        dataset=dataset,
        dataset_name=dataset.name,
        upload="uploads/none",
        source=source,
        state=ImportJob.State.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=5),
    )
    failed: list[int] = []

    def on_failed(sender: Any, job: ImportJob, **kwargs: Any) -> None:
        failed.append(job.pk)

    import_failed.connect(on_failed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.expire_stale_jobs() == 1
    finally:
        import_failed.disconnect(on_failed)
    assert failed == [job.pk]
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and "worker stopped" in source.last_error
