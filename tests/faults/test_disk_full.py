"""The disk holding the datasets fills up during an import: a clear error naming the cause, the
previous version intact and current, and the space the import took given back."""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from civiclab.datasets.models import Dataset, ImportJob
from tests.datasets.helpers import write
from tests.datasets.test_api import upload
from tests.world import World

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/cities/city-a/datasets/requests/imports"


@pytest.fixture
def small_datasets_disk(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """The data directory's ``datasets`` folder on a filesystem of its own of 3 MB (a
    tmpfs), as an installation whose datasets live on a small volume."""
    data_dir = tmp_path / "data"
    mount = data_dir / "datasets"
    mount.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {done.stderr.strip()}")
    settings.DATA_DIR, settings.DATASETS_DIR = data_dir, mount
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def test_an_import_that_fills_the_disk_fails_clearly_and_gives_the_space_back(
    world: World, tmp_path: Path, small_datasets_disk: Path
) -> None:
    """GIVEN dataset Requests at version 1 on a 3 MB disk WHEN a file whose version needs more
    than the free space is uploaded THEN the job fails with `disk_full` saying there is no
    space left on the disk holding the data directory and what to do (no traceback, no server
    path), version 1 is still current and readable, and the free space is what it was."""
    member = world.user("member")
    first = write(tmp_path / "first.csv", "id,kind\n1,pothole\n2,graffiti\n")
    answer = upload(IMPORTS, member, first)
    assert answer.status_code == 202 and answer.json()["state"] == "done", answer.content
    free_before = free_bytes(small_datasets_disk)

    # Random text does not compress: its Parquet is larger than the whole disk.
    rng = random.Random(17)
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("id,token,amount\n")
        for number in range(120_000):
            out.write(f"{number},{rng.getrandbits(128):032x},{rng.random():.9f}\n")
    answer = upload(IMPORTS, member, big, add_version="true")
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert job["state"] == "failed", job
    assert job["error"]["code"] == "disk_full", job["error"]
    message = job["error"]["message"]
    assert "no space left on the disk holding the data directory" in message
    assert "Free some space" in message
    assert "Traceback" not in message and str(small_datasets_disk) not in message
    stored = ImportJob.objects.get(pk=job["id"])
    assert stored.error["code"] == "disk_full"

    dataset = Dataset.objects.get(name="requests")
    assert dataset.current_version.number == 1
    assert dataset.versions.count() == 1
    version_file = small_datasets_disk.parent / dataset.current_version.file
    assert pq.read_table(version_file).num_rows == 2
    assert not [p for p in small_datasets_disk.rglob("*") if "staging" in p.parts and p.is_file()]
    assert abs(free_bytes(small_datasets_disk) - free_before) <= 64 * 1024
