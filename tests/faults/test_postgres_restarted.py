"""PostgreSQL restarted under load: while it is down, pages and the API answer a quick 503 that
says so; once it is back, they answer again without restarting civiclab.

The test starts a PostgreSQL server of its own (the shared one serves other test runs), so it
runs in the SQLite suite as well as in the PostgreSQL one.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import (
    CITY,
    MEMBER,
    ON_POSTGRES,
    Installation,
    _server_url,
    base_environment,
    copy_data_dir,
    http,
    run_steps,
)
from tests.migrated import POSTGRES, Migrated
from tests.processes import free_port, wait_until


def _postgres_bin() -> Path | None:
    for candidate in ["/usr/local/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"))]:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


@dataclass
class PrivatePostgres:
    """A PostgreSQL server in a folder of its own, run by the ``postgres`` user."""

    bin: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/civiclab"

    def pg_ctl(self, *args: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
             str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w", *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr + (self.folder / "server.log").read_text()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.pg_ctl("-o", options, "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    found = _postgres_bin()
    if found is None or shutil.which("runuser") is None:
        pytest.skip("needs PostgreSQL's initdb and pg_ctl and runuser (none found)")
    if os.geteuid() != 0:
        pytest.skip("needs root, to run a private PostgreSQL server as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="civiclab-faults-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    server = PrivatePostgres(found, folder, free_port())
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", str(found / "initdb"), "-D", str(folder / "data"),
         "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    server.start()
    try:
        yield server
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(found / "pg_ctl"), "-D",
             str(folder / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def on_private_postgres(
    private_postgres: PrivatePostgres,
    tmp_path: Path,
    installation_template: dict[str, Any],
    migrated: Migrated,
) -> Iterator[Installation]:
    """The template installation with its database on the private server: a copy (pg_dump)
    of the template database on the PostgreSQL run, else of the suite's migrated one with the
    template's city, member and token added."""
    data_dir = tmp_path / "data"
    copy_data_dir(installation_template["data_dir"], data_dir)
    env = base_environment(data_dir, private_postgres.url)
    admin_url = private_postgres.url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_url, "-qc", "CREATE DATABASE civiclab"], check=True)
    source = POSTGRES + migrated.postgres
    if ON_POSTGRES:
        source = _server_url(installation_template["database"])
    dump = subprocess.run(["pg_dump", "--no-owner", source], capture_output=True, check=True)
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", private_postgres.url],
        input=dump.stdout, capture_output=True, check=True,
    )  # fmt: skip
    if ON_POSTGRES:
        token = installation_template["token"]
    else:
        made = run_steps(
            env,
            ["city", "add", CITY, "--name", "Mobile", "--country", "US"],
            ["adduser", MEMBER, "--city", CITY, "--role", "member"],
            ["token", "create", MEMBER, "--json"],
        )
        token = json.loads(made[-1])["token"]
    installation = Installation(data_dir, env, token, private_postgres.url)
    try:
        yield installation
    finally:  # the servers it started stop with it, whatever the test's outcome
        installation.stop_all()


def test_requests_fail_cleanly_while_postgresql_restarts(
    on_private_postgres: Installation, private_postgres: PrivatePostgres
) -> None:
    """GIVEN `civiclab serve` on PostgreSQL answering a stream of page and API requests
    WHEN PostgreSQL is stopped, then started again
    THEN while it is down every request is answered within seconds: a 503 page, or the API's
    error shape with code `database_unavailable`, with Retry-After; once it is back the same
    server (never restarted) answers 200 again."""
    installation = on_private_postgres
    port = free_port()
    server = installation.serve(port)
    base = f"http://127.0.0.1:{port}"
    requests = [("page", f"{base}/"), ("api", f"{base}/api/v1/challenges?limit=1")]
    answers: list[tuple[str, int, float, bytes, dict[str, str]]] = []
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            for kind, url in requests:
                began = time.monotonic()
                try:
                    status, body, headers = http("GET", url, token=installation.token, timeout=15)
                except OSError as exc:
                    failures.append(f"{kind}: {exc!r}")
                    continue
                answers.append((kind, status, time.monotonic() - began, body, headers))

    def seen(kind: str, status: int, since: int) -> bool:
        return any(a[0] == kind and a[1] == status for a in answers[since:])

    loader = threading.Thread(target=load)
    loader.start()
    try:
        wait_until(lambda: seen("page", 200, 0) and seen("api", 200, 0), 60, "first answers")
        private_postgres.stop()
        down = len(answers)
        wait_until(lambda: seen("page", 503, down) and seen("api", 503, down), 30, "503 while down")
        private_postgres.start()
        up = len(answers)
        wait_until(lambda: seen("page", 200, up) and seen("api", 200, up), 30, "200s again")
        again = len(answers)
        wait_until(lambda: len(answers) > again + 10, 30, "more answers after the restart")
    finally:
        stop.set()
        loader.join(30)

    assert not failures, failures[:5]
    assert server.poll() is None, "the server must ride out the outage"
    assert {a[1] for a in answers} <= {200, 503}, {a[1] for a in answers}
    assert max(a[2] for a in answers) < 10, "a request hung while the database was down"
    for kind, status, _took, body, headers in answers:
        if status != 503:
            continue
        assert headers.get("Retry-After") == "10"
        if kind == "api":
            assert json.loads(body)["error"]["code"] == "database_unavailable"
        else:
            assert b"Temporarily unavailable" in body and b"Traceback" not in body
    # Once reconnected, it stays so: every answer after the first 200s is a 200.
    assert {a[1] for a in answers[again:]} == {200}
