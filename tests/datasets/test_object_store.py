"""Datasets on an S3-compatible object store (moto's server on the machine): an import writes
its version's object before the version exists, another machine with an empty data directory
reads the dataset through the store, a store that is down fails the import cleanly, and each
machine's cache keeps its bound."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civiclab.datasets import services, store
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.datasets.queries import version_path
from civiclab.site.management.commands.check import check_object_store
from tests.datasets.helpers import write
from tests.object_store import Bucket, use_data_dir, use_store
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

ROWS = "id,kind,opened\n1,pothole,2024-01-05\n2,graffiti,2024-01-06\n3,streetlight,2024-02-01\n"


def import_version(
    world: World, tmp_path: Path, text: str = ROWS, **options: Any
) -> DatasetVersion:
    source = write(tmp_path / f"requests-{time.monotonic_ns()}.csv", text)
    return services.import_file(
        None, world.city, "Requests", source, source.name, services.ImportOptions(**options)
    )


def test_an_import_writes_the_versions_object(
    world: World, tmp_path: Path, object_store: Bucket
) -> None:
    """GIVEN an installation on an object store WHEN a file is imported THEN the store holds
    the version's Parquet under the prefix and the data directory's relative path, byte for
    byte the file the data directory caches."""
    version = import_version(world, tmp_path)
    local = version_path(version)
    assert version.file.startswith("datasets/") and local.is_file()
    assert object_store.object_keys() == [object_store.key(version.file)]
    assert object_store.read(version.file) == local.read_bytes()
    assert version.size_bytes == local.stat().st_size


def test_another_machine_reads_the_dataset_through_the_store(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any
) -> None:
    """GIVEN a dataset imported on machine A WHEN machine B (same database and store, an empty
    data directory) shows the dataset's page and its rows through the API THEN both answer
    with the rows, B's data directory now holds the file (downloaded once, identical), and a
    second read downloads nothing."""
    version = import_version(world, tmp_path)
    dataset = version.dataset
    dataset.visibility = "public"
    dataset.save()
    machine_b = use_data_dir(settings, tmp_path / "machine-b")
    cached = machine_b / version.file
    assert not cached.exists()

    member = world.user("member")
    client = Client()
    client.force_login(member)
    page = client.get(f"/cities/city-a/data/{dataset.slug}/")
    assert page.status_code == 200
    assert "streetlight" in page.content.decode()
    assert cached.read_bytes() == object_store.read(version.file)
    assert not list(cached.parent.glob(".*.partial"))

    answer = Client().get(
        f"/api/v1/cities/city-a/datasets/{dataset.slug}/rows", **api_headers(member)
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["total"] == 3
    assert sorted(row["kind"] for row in body["rows"]) == ["graffiti", "pothole", "streetlight"]

    before = cached.stat()
    object_store.client.delete_object(Bucket=object_store.name, Key=object_store.key(version.file))
    assert version_path(version) == cached  # warm: no request made (the object is gone)
    assert cached.stat().st_ino == before.st_ino


def test_a_store_that_is_down_fails_the_import_and_leaves_nothing(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any, unanswered_endpoint: str
) -> None:
    """GIVEN Requests at version 1 on the store WHEN the store stops answering and version 2
    is imported THEN the import fails with `object_store` saying the store did not take the
    file and nothing was imported, version 1 is still current and readable, and neither the
    data directory nor the store holds anything of version 2."""
    first = import_version(world, tmp_path)
    dataset = first.dataset
    use_store(settings, unanswered_endpoint, object_store.name)

    with pytest.raises(IngestError) as raised:
        import_version(world, tmp_path, ROWS + "4,pothole,2024-03-01\n", add_version=True)
    assert raised.value.code == "object_store"
    assert "did not take the new version's file, so nothing was imported" in str(raised.value)
    assert "civiclab check" in str(raised.value)

    dataset.refresh_from_db()
    assert dataset.current_version_id == first.pk
    assert list(dataset.versions.values_list("number", flat=True)) == [1]
    folder = version_path(first).parent
    assert sorted(p.name for p in folder.iterdir()) == ["v1.parquet"]
    staging = Path(settings.DATASETS_DIR) / str(world.city.pk) / "staging"
    assert not staging.exists() or not any(staging.iterdir())
    assert object_store.object_keys() == [object_store.key(first.file)]


def test_a_version_missing_from_the_store_says_what_to_do(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any
) -> None:
    """GIVEN a version whose object is not in the store (imported before the store was
    configured) WHEN a machine without the file reads it THEN the error says to run
    `civiclab objectstore push`, and leaves no partial file."""
    version = import_version(world, tmp_path)
    object_store.client.delete_object(Bucket=object_store.name, Key=object_store.key(version.file))
    machine_b = use_data_dir(settings, tmp_path / "machine-b")
    with pytest.raises(store.StoreError, match="civiclab objectstore push"):
        version_path(version)
    assert not [p for p in (machine_b / version.file).parent.iterdir() if "partial" in p.name]


def _age(path: Path, seconds: float) -> None:
    """Make ``path`` read ``seconds`` ago, as far as the cache can tell."""
    found = path.stat()
    os.utime(path, ns=(int((time.time() - seconds) * 1e9), found.st_mtime_ns))


def test_the_cache_keeps_its_bound_least_recently_read_first(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any
) -> None:
    """GIVEN three versions cached, read an hour, two hours and three hours ago, and a bound
    that holds about one WHEN the cache is trimmed THEN the least recently read go first until
    it is within the bound, a file read in the last minutes stays, and a trimmed version is
    read again through the store."""
    versions = [
        import_version(world, tmp_path, ROWS + f"{n},extra,2024-03-0{n}\n" * n, add_version=True)
        for n in (1, 2, 3)
    ]
    paths = [version_path(v) for v in versions]
    for hours, path in zip((3, 2, 1), paths, strict=True):
        _age(path, hours * 3600)
    one = max(p.stat().st_size for p in paths)
    trimmed = store.trim_cache(limit=one)
    assert trimmed.removed == [versions[0].file, versions[1].file]
    assert trimmed.kept_bytes <= one and paths[2].exists()
    assert sum(p.stat().st_size for p, _s in store.cached_files()) <= one

    assert version_path(versions[0]).read_bytes() == object_store.read(versions[0].file)
    # Just read: not removed whatever the bound.
    assert store.trim_cache(limit=0).removed == [versions[2].file]
    assert paths[0].exists()


def test_the_cache_never_removes_a_file_the_store_lacks(
    world: World, tmp_path: Path, object_store: Bucket
) -> None:
    """GIVEN a cached version whose object is missing from the store (only copy), and the
    partial file of a download killed two days ago WHEN the cache is trimmed to nothing THEN
    the version's file stays and the partial one goes."""
    version = import_version(world, tmp_path)
    object_store.client.delete_object(Bucket=object_store.name, Key=object_store.key(version.file))
    path = version_path(version)
    _age(path, 3600)
    partial = path.parent / ".v9.parquet.partial"
    partial.write_bytes(b"PAR1 half")
    os.utime(partial, (time.time() - 2 * 86400,) * 2)
    assert store.trim_cache(limit=0).removed == []
    assert path.exists() and not partial.exists()


def test_push_uploads_the_versions_of_an_installation_switching_the_store_on(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any
) -> None:
    """GIVEN two versions imported before the store was configured WHEN `civiclab objectstore
    push` runs (twice) THEN the first run uploads both, identical, and the second none."""
    settings.OBJECT_STORE = None
    versions = [import_version(world, tmp_path), import_version(world, tmp_path, add_version=True)]
    assert object_store.object_keys() == []
    use_store(settings, object_store.endpoint, object_store.name)
    out = io.StringIO()
    call_command("objectstore", "push", "--json", stdout=out)
    assert json.loads(out.getvalue()) | {"uploaded_bytes": 0} == {
        "uploaded": 2, "uploaded_bytes": 0, "already_in_store": 0, "missing": [],
    }  # fmt: skip
    for version in versions:
        assert object_store.read(version.file) == version_path(version).read_bytes()
    out = io.StringIO()
    call_command("objectstore", "push", "--json", stdout=out)
    assert json.loads(out.getvalue())["already_in_store"] == 2


def test_check_reports_the_store(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any, unanswered_endpoint: str
) -> None:
    """GIVEN an installation on an object store WHEN `civiclab check` runs THEN its
    object_store item writes, reads and deletes a probe (leaving nothing), and fails with the
    reason when the bucket is missing or the store down."""
    ok, detail = check_object_store()
    assert ok, detail
    assert "reachable (write, read and delete)" in detail and object_store.name in detail
    # (pyarrow may leave the prefix's empty "folder" marker; never the probe itself)
    assert not [key for key in object_store.object_keys() if "probe" in key]
    out = io.StringIO()
    # Other items (the worker, the backup) fail in a test installation.
    with contextlib.suppress(CommandError):
        call_command("check", "--json", stdout=out)
    assert json.loads(out.getvalue())["checks"]["object_store"]["ok"] is True

    use_store(settings, object_store.endpoint, "no-such-bucket")
    ok, detail = check_object_store()
    assert not ok and "'no-such-bucket' does not exist" in detail
    use_store(settings, unanswered_endpoint, object_store.name)
    ok, detail = check_object_store()
    assert not ok and "unreachable" in detail


def test_without_a_store_nothing_changes(world: World, tmp_path: Path, settings: Any) -> None:
    """GIVEN no object store WHEN a file is imported and read THEN the version file is in the
    data directory as before, and the cache is never trimmed."""
    assert settings.OBJECT_STORE is None
    version = import_version(world, tmp_path)
    assert version_path(version) == Path(settings.DATA_DIR) / version.file
    assert store.trim_cache(limit=0).removed == []
    assert Dataset.objects.get().current_version == version


def test_a_background_import_goes_through_the_store_and_refuses_when_it_is_down(
    world: World, tmp_path: Path, object_store: Bucket, settings: Any, unanswered_endpoint: str
) -> None:
    """GIVEN an installation on an object store WHEN a file is imported through the API (a
    background job: the upload is kept in the store for a worker on any machine) THEN the job
    is done, its version is in the store and its upload is not; and WHEN the store is down THEN
    the import is refused at once with 503 `object_store`, no job is made and no upload kept."""
    from civiclab.datasets.models import ImportJob
    from tests.datasets.test_api import upload

    member = world.user("member")
    source = write(tmp_path / "requests.csv", ROWS)
    answer = upload("/api/v1/cities/city-a/datasets/requests/imports", member, source)
    assert answer.status_code == 202 and answer.json()["state"] == "done", answer.content
    version = DatasetVersion.objects.get()
    stored = [k for k in object_store.object_keys() if not k.endswith("/")]
    assert stored == [object_store.key(version.file)]

    use_store(settings, unanswered_endpoint, object_store.name)
    answer = upload(
        "/api/v1/cities/city-a/datasets/requests/imports", member, source, add_version="true"
    )
    assert answer.status_code == 503, answer.content
    assert answer.json()["error"]["code"] == "object_store"
    assert ImportJob.objects.count() == 1
    jobs_dir = Path(settings.DATA_DIR) / "uploads" / "jobs"
    assert not jobs_dir.exists() or not any(jobs_dir.iterdir())
