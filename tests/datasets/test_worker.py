"""A real worker process runs queued imports, with the SQLite queue and with Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.datasets.helpers import REAL
from tests.datasets.test_interrupted import civiclab_steps
from tests.migrated import Migrated
from tests.test_cli import subprocess_env

SUBMIT = """
import json, shutil, sys, django
django.setup()
from pathlib import Path
from civiclab.datasets import jobs, services
from civiclab.network.models import City
copy = Path(sys.argv[2]) / "upload.csv"
shutil.copy(sys.argv[1], copy)
job = jobs.submit_import(None, City.objects.get(slug="mobile"), "311", copy, "311.csv",
                         services.ImportOptions())
print(json.dumps({"job": job.pk}))
"""
STATE = """
import json, sys, django
django.setup()
from civiclab.datasets.models import ImportJob
job = ImportJob.objects.get(pk=int(sys.argv[1]))
print(json.dumps({"state": job.state, "rows": job.version.rows if job.version else None}))
"""


def python(tmp_path: Path, env: dict[str, str], script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_worker_runs_a_queued_import(tmp_path: Path, queue: str, migrated: Migrated) -> None:
    extra = {"CIVICLAB_REDIS_URL": "redis://127.0.0.1:6379/15"} if queue == "redis" else {}
    env = subprocess_env(tmp_path, **extra) | {"DJANGO_SETTINGS_MODULE": "civiclab.settings"}
    migrated.copy_sqlite(tmp_path / "cli.sqlite3")
    civiclab_steps(tmp_path, ["city", "add", "mobile", "--name", "Mobile", "--country", "US"])
    if queue == "redis":
        import redis

        redis.Redis.from_url(extra["CIVICLAB_REDIS_URL"]).flushdb()
    worker = subprocess.Popen(
        [sys.executable, "-m", "civiclab", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        source = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
        job = python(tmp_path, env, SUBMIT, str(source), str(tmp_path))["job"]
        deadline = time.monotonic() + 90
        while True:
            state = python(tmp_path, env, STATE, str(job))
            if state["state"] in ("done", "failed"):
                break
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, f"job still {state['state']} after 90 s"
            time.sleep(0.5)
        assert state == {"state": "done", "rows": 1000}
    finally:
        worker.terminate()
        worker.wait(timeout=30)
