"""``kill -9`` of the worker during a queued import: the dataset keeps its version, the job is
failed once its heartbeat is stale, nothing of the import is left, and a new worker imports."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from tests.datasets.test_interrupted import GENERATOR
from tests.faults.conftest import CITY, Installation
from tests.processes import kill_group, wait_until

STALE_SECONDS = 3


def test_a_killed_worker_leaves_the_dataset_as_it_was(
    installation: Installation, tmp_path: Path
) -> None:
    """GIVEN dataset 311 at version 1 and a large import of it uploaded through the API (a
    queued job) WHEN `civiclab worker` is killed with SIGKILL while running it
    THEN the job is not left running: once its heartbeat is stale
    (CIVICLAB_IMPORT_STALE_SECONDS) it is failed, and the restarted worker removes its upload
    and staging folder at start-up; version 1 is still current and readable; the new worker
    runs the next import to the end."""
    small = tmp_path / "small.csv"
    small.write_text("Unique Key,Status\n1,Open\n2,Closed\n")
    big = tmp_path / "big.csv"
    # Large enough that converting it lasts seconds on a fast, idle machine (80,000 rows were
    # converted between two polls there, and the job was done before it could be killed).
    subprocess.run([sys.executable, str(GENERATOR), "400000", str(big)], check=True)
    installation.env["CIVICLAB_IMPORT_STALE_SECONDS"] = str(STALE_SECONDS)
    # The worker starts while the upload is made (each process start costs seconds).
    worker = installation.start("worker")
    answer = installation.upload(
        big, "311", add_version="true",
        before=[["ingest", str(small), "--city", CITY, "--dataset", "311", "--json"]],
    )  # fmt: skip
    assert answer["status"] == 202, answer
    job = answer["body"]["id"]

    def state() -> str:
        return installation.query("SELECT state FROM datasets_importjob WHERE id = %s", job)[0][0]

    staging = installation.data_dir / "datasets"
    # Killed as soon as the worker has taken the job: it is then reading and converting (a
    # staging folder's files come and go too fast to be caught on an idle machine).
    wait_until(
        lambda: state() != "queued" or worker.poll() is not None,
        90, "the worker taking the job", every=0.01,
    )  # fmt: skip
    assert state() == "running", "the import ended before the worker could be killed"
    assert worker.poll() is None, installation.log(worker)
    assert state() == "running"
    kill_group(worker)
    killed_at = time.monotonic()
    assert state() == "running"  # nobody is left to say otherwise

    # Past the staleness limit, a new worker takes over and clears up at start-up.
    time.sleep(max(0.0, killed_at + STALE_SECONDS + 0.5 - time.monotonic()))
    worker = installation.start("worker")
    go = tmp_path / "upload-the-next"
    uploading = installation.start_upload(small, "311", when=go, add_version="true")
    wait_until(lambda: state() == "failed", 60, "the killed job marked failed", every=0.2)
    error = installation.query("SELECT error FROM datasets_importjob WHERE id = %s", job)[0][0]
    assert "worker_stopped" in str(error)
    wait_until(
        lambda: not list(staging.glob("*/staging/*"))
        and not list((installation.data_dir / "uploads" / "jobs").iterdir()),
        30, "the killed import's staging folder and upload removed",
    )  # fmt: skip

    current = installation.query(
        "SELECT v.number, v.rows, v.file FROM datasets_dataset d"
        " JOIN datasets_datasetversion v ON v.id = d.current_version_id"
    )
    assert [row[:2] for row in current] == [(1, 2)]
    assert pq.read_table(installation.data_dir / current[0][2]).num_rows == 2
    assert installation.query("SELECT COUNT(*) FROM datasets_datasetversion") == [(1,)]

    go.touch()
    answer = installation.answer(uploading)
    assert answer["status"] == 202, answer
    following = answer["body"]["id"]
    wait_until(
        lambda: installation.query(
            "SELECT state FROM datasets_importjob WHERE id = %s", following
        )[0][0] in ("done", "failed") or worker.poll() is not None,
        60, "the next import finished", every=0.2,
    )  # fmt: skip
    assert worker.poll() is None, installation.log(worker)
    assert installation.query(
        "SELECT j.state, v.number FROM datasets_importjob j"
        " JOIN datasets_datasetversion v ON v.id = j.version_id WHERE j.id = %s",
        following,
    ) == [("done", 2)]
