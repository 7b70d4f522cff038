"""Several processes, one installation: two ``civiclab serve`` and a ``civiclab worker`` on one
database, one data directory and one cache see the same state.

On the PostgreSQL run the installation is a fresh PostgreSQL database with its cache and job
queue on Redis (the reference deployment of deploy/compose.yaml); on the SQLite run it is the
SQLite file, the job queue and the file cache of one shared data directory. Each server runs one
gunicorn worker, so what one process wrote can only reach the other through what they share.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from civiclab.site.management.commands.serve import STATIC_STAMP
from tests.datasets.helpers import REAL
from tests.factories import TEST_PASSWORD
from tests.migrated import POSTGRES, Migrated, drop_postgres
from tests.object_store import Bucket, new_bucket
from tests.object_store import free_port as free_port_in_range
from tests.processes import (
    Process,
    Server,
    free_port,
    multipart,
    sign_in,
    start,
    wait_until_up,
)

# A Redis database of its own: test_worker.py empties 15.
REDIS = "redis://127.0.0.1:6379/14"
EMAIL = "alex@mobile.example.gov"
SOURCE = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"

# The operator's first steps after `civiclab migrate` (the installation is a copy of the suite's
# migrated one, tests/migrated.py), in one process (each process start and django.setup() costs
# seconds): a city, its admin (password on standard input) and an API token.
SETUP = """
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiclab.settings")
import django
django.setup()
from django.core.management import call_command
call_command("city", "add", "mobile", "--name", "Mobile", "--country", "US", stdout=io.StringIO())
call_command("adduser", sys.argv[1], "--city", "mobile", "--role", "city_admin",
             "--name", "Alex Rivera", "--password-stdin", stdout=io.StringIO())
out = io.StringIO()
call_command("token", "create", sys.argv[1], "--name", "multi", "--json", stdout=out)
print(out.getvalue().strip().splitlines()[-1])
"""


@pytest.fixture
def installation(tmp_path: Path, migrated: Migrated) -> Iterator[dict[str, str]]:
    """The environment of one installation (a data directory, and on the PostgreSQL run a
    database of its own, dropped afterwards, and Redis), migrated, with a city, its admin and
    an API token (``token`` in the returned dict, beside the environment)."""
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env["CIVICLAB_DATA_DIR"] = str(data_dir)
    database = None
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        database = migrated.new_postgres("civiclab_multi")
        env["CIVICLAB_DATABASE_URL"] = POSTGRES + database
        env["CIVICLAB_REDIS_URL"] = REDIS
    else:
        migrated.copy_sqlite(data_dir / "civiclab.sqlite3")
    try:
        # No check here is about static files (tests/test_serve.py collects them): the
        # servers find them collected instead of compressing them for most of a minute.
        migrated.mark_static_collected(data_dir)
        done = subprocess.run(
            [sys.executable, "-c", SETUP, EMAIL],
            env=env, input=TEST_PASSWORD + "\n", capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
        yield env | {"token": token}
    finally:
        if database:
            drop_postgres(database)


@pytest.fixture
def servers(installation: dict[str, str], tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two ``civiclab serve --workers 1`` and one ``civiclab worker`` on the installation,
    started together."""
    env = {k: v for k, v in installation.items() if k != "token"}
    processes: list[Process] = []
    try:
        pair = []
        for name in ("a", "b"):
            port = free_port()
            process = start(
                f"serve-{name}", env, tmp_path, "serve", "--port", str(port), "--workers", "1"
            )
            processes.append(process)
            pair.append(Server(process, f"http://127.0.0.1:{port}"))
        processes.append(start("worker", env, tmp_path, "worker"))
        deadline = time.monotonic() + 90
        for server in pair:
            wait_until_up(server, deadline)
        yield pair[0], pair[1]
    finally:
        for process in processes:
            process.popen.terminate()
        for process in processes:
            try:
                process.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()


def test_two_servers_and_a_worker_share_one_installation(
    installation: dict[str, str], servers: tuple[Server, Server]
) -> None:
    """GIVEN two web servers (one gunicorn worker each) and a job worker on one database, one
    data directory and one cache WHEN a person signs in on A, a challenge is created and a file
    imported through A's API THEN B knows the session, shows the challenge, the worker runs the
    import queued on A and both servers see the finished job and the new dataset, and the
    dashboard B has cached shows each change at once (the data version lives in the shared
    cache, not in one process)."""
    a, b = servers
    token = installation["token"]

    # A session opened on A is a session on B: sessions live in the database, signed with the
    # data directory's one secret key.
    sign_in(a, EMAIL)
    status, before = b.request("/delivery/", cookies=a.cookies)
    assert status == 200, "B does not know A's session"

    # A write through A's API ...
    body = json.dumps({"city": "mobile", "title": "Traffic calming pilot"}).encode()
    status, challenge = a.api(
        token, "/challenges", data=body, headers={"Content-Type": "application/json"}
    )
    assert status in (200, 201), challenge
    # ... is read from B's API, and B's cached dashboard is not the one from before the write.
    status, seen = b.api(token, f"/challenges/{challenge['id']}")
    assert status == 200 and seen["title"] == "Traffic calming pilot"
    status, after = b.request("/delivery/", cookies=a.cookies)
    assert status == 200
    assert b"challenge.create" not in before
    assert b"challenge.create" in after, "B served the dashboard it cached before A's write"

    # An import queued on A runs in the worker; both servers see it done, and the dataset.
    form, boundary = multipart({"name": "311"}, "311.csv", SOURCE.read_bytes())
    status, job = a.api(
        token,
        "/cities/mobile/datasets/311/imports",
        data=form,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 202, job
    deadline = time.monotonic() + 60
    while True:
        status, state = b.api(token, f"/jobs/{job['id']}")
        assert status == 200, state
        if state["state"] in ("done", "failed"):
            break
        assert time.monotonic() < deadline, f"the import is still {state['state']} after 60 s"
        time.sleep(0.3)
    assert state["state"] == "done", state
    for server in (a, b):
        status, datasets = server.api(token, "/datasets")
        assert status == 200
        assert [d["slug"] for d in datasets["items"]] == ["311"], datasets
        status, job_seen = server.api(token, f"/jobs/{job['id']}")
        assert job_seen["state"] == "done" and job_seen["version"] == 1
    # The worker's write (a published dataset version) reached B's cached dashboard too.
    status, imported = b.request("/delivery/", cookies=a.cookies)
    assert status == 200 and b"dataset.import" not in after
    assert b"dataset.import" in imported, "B served the dashboard cached before the import"


# The job queue and cache of the "machines" test: a Redis database of its own (the test above
# uses 14, test_worker.py 15), emptied first.
MACHINES_REDIS = "redis://127.0.0.1:6379/11"


def machine(
    installation: dict[str, str], tmp_path: Path, name: str, bucket: Bucket
) -> dict[str, str]:
    """The environment of one more machine of the installation: a data directory of its own
    (holding only copies of the secret key and of the collected static files, as an operator
    would give each machine), the database, Redis and the object store shared."""
    shared = Path(installation["CIVICLAB_DATA_DIR"])
    data_dir = tmp_path / name
    data_dir.mkdir()
    shutil.copy2(shared / "secret_key", data_dir / "secret_key")
    shutil.copytree(shared / "static", data_dir / "static")
    (data_dir / "run").mkdir()
    shutil.copy2(shared / "run" / STATIC_STAMP, data_dir / "run" / STATIC_STAMP)
    env = {k: v for k, v in installation.items() if k != "token"}
    env["CIVICLAB_DATA_DIR"] = str(data_dir)
    # SQLite's file stands in for a database server the machines share.
    env.setdefault("CIVICLAB_DATABASE_URL", f"sqlite:///{shared / 'civiclab.sqlite3'}")
    env["CIVICLAB_REDIS_URL"] = MACHINES_REDIS
    return env | bucket.env()


def test_servers_on_machines_of_their_own_share_datasets_through_the_object_store(
    installation: dict[str, str], tmp_path: Path, s3_server: str
) -> None:
    """GIVEN two web servers and a worker each with a data directory of its own (three
    machines), sharing only the database, Redis and an object store (moto's S3 server)
    WHEN a file is imported through A's API THEN the worker fetches the upload and imports it,
    the version is in the store, B — whose cache is empty — shows the dataset's rows on its page
    and through its API, having downloaded the file, and nothing of the upload is left in the
    store."""
    import redis

    redis.Redis.from_url(MACHINES_REDIS).flushdb()
    bucket = new_bucket(s3_server)
    token = installation["token"]
    envs = {name: machine(installation, tmp_path, name, bucket) for name in ("a", "b", "w")}
    processes: list[Process] = []
    taken: set[int] = set()
    try:
        pair = []
        for name in ("a", "b"):
            port = free_port_in_range(taken)
            process = start(
                f"serve-{name}", envs[name], tmp_path, "serve", "--port", str(port),
                "--workers", "1",
            )  # fmt: skip
            processes.append(process)
            pair.append(Server(process, f"http://127.0.0.1:{port}"))
        processes.append(start("worker", envs["w"], tmp_path, "worker"))
        deadline = time.monotonic() + 90
        for server in pair:
            wait_until_up(server, deadline)
        a, b = pair

        form, boundary = multipart({"name": "311"}, "311.csv", SOURCE.read_bytes())
        status, job = a.api(
            token, "/cities/mobile/datasets/311/imports", data=form,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        assert status == 202, job
        deadline = time.monotonic() + 60
        while True:
            status, state = b.api(token, f"/jobs/{job['id']}")
            assert status == 200, state
            if state["state"] in ("done", "failed"):
                break
            assert time.monotonic() < deadline, f"the import is still {state['state']}"
            time.sleep(0.3)
        assert state["state"] == "done", (state, *(p.output() for p in processes))

        # The version; the upload is removed once the job has ended (pyarrow leaves the marker
        # of the emptied "folder", uploads/).
        deadline = time.monotonic() + 10
        while len(keys := [k for k in bucket.object_keys() if not k.endswith("/")]) > 1:
            assert time.monotonic() < deadline, keys
            time.sleep(0.2)
        [key] = keys
        relative = key.removeprefix(bucket.key(""))
        assert relative.startswith("datasets/") and relative.endswith("/v1.parquet")
        cached_b = Path(envs["b"]["CIVICLAB_DATA_DIR"]) / relative
        assert not cached_b.exists()

        status, rows = b.api(token, "/cities/mobile/datasets/311/rows?page_size=5")
        assert status == 200 and rows["total"] == 1000, rows
        held = sorted(str(p) for p in cached_b.parents[3].rglob("*.parquet"))
        assert cached_b.is_file(), (held, *(p.output() for p in processes))
        assert cached_b.read_bytes() == bucket.read(relative)
        sign_in(b, EMAIL)
        status, page = b.request("/cities/mobile/data/311/")
        assert status == 200 and b"311" in page
        status, rows_a = a.api(token, "/cities/mobile/datasets/311/rows?page_size=5")
        assert status == 200 and rows_a["rows"] == rows["rows"]
    finally:
        for process in processes:
            process.popen.terminate()
        for process in processes:
            try:
                process.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
