"""What the fault tests share: installations copied from one migrated template, processes
(``civiclab serve``, ``civiclab worker``) started in their own process group so a SIGKILL takes
all of them, and polling with deadlines instead of sleeps.

An installation uses the suite's database engine: a copy of a migrated SQLite data directory
on the SQLite run, a database made with ``CREATE DATABASE … TEMPLATE`` on the PostgreSQL run
(``CIVICLAB_DATABASE_URL``), so each fault is proven on both. Migrating takes tens of seconds
on a busy machine; copying the template takes none.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.migrated import Migrated
from tests.processes import kill_group, wait_until

SUITE_DATABASE = os.environ.get("CIVICLAB_DATABASE_URL", "")
ON_POSTGRES = SUITE_DATABASE.startswith(("postgres://", "postgresql://"))
MEMBER = "member@example.org"
CITY = "mobile"

# Runs civiclab commands one after the other in one fresh process (each process start and
# django.setup() costs seconds); prints one JSON list of each command's output.
STEPS = """
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiclab.settings")
import django
django.setup()
from django.core.management import call_command
outputs = []
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    call_command(*args, stdout=out)
    outputs.append(out.getvalue())
print(json.dumps(outputs))
"""

# Uploads a file through the API, as a client does (Django's test client in a process of the
# installation, without a web server), after running the civiclab commands given and, with
# FAULTS_UPLOAD_WHEN, once that file exists: prints the answer's status and JSON.
UPLOAD = """
import io, json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiclab.settings")
import django
django.setup()
from django.core.management import call_command
from django.test import Client
go = os.environ.get("FAULTS_UPLOAD_WHEN")
while go and not os.path.exists(go):
    time.sleep(0.02)
path, url, token = sys.argv[1:4]
fields = json.loads(sys.argv[4])
for args in json.loads(sys.argv[5]):
    call_command(*args, stdout=io.StringIO())
with open(path, "rb") as handle:
    answer = Client().post(
        url, {"file": handle, **fields}, HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_HOST="127.0.0.1",
    )
print(json.dumps({"status": answer.status_code, "body": answer.json()}))
"""


def _server_url(database: str) -> str:
    """The suite's PostgreSQL server with ``database`` as the database."""
    parts = urlsplit(SUITE_DATABASE)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


def admin(statement: str, url: str | None = None) -> None:
    with psycopg.connect(url or _server_url("postgres"), autocommit=True) as connection:
        connection.execute(statement)


def base_environment(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env["CIVICLAB_DATA_DIR"] = str(data_dir)
    env["CIVICLAB_EMAIL_BACKEND"] = "locmem"
    if database_url:
        env["CIVICLAB_DATABASE_URL"] = database_url
    return env


def run_steps(env: dict[str, str], *steps: list[str], timeout: float = 300) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", STEPS, json.dumps(steps)],
        env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, f"civiclab {steps} failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Installation:
    """A data directory and its database, with city ``mobile`` and a member's API token."""

    data_dir: Path
    env: dict[str, str]
    token: str
    database_url: str | None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def steps(self, *steps: list[str]) -> list[str]:
        return run_steps(self.env, *steps)

    def upload(
        self, path: Path, dataset: str, before: Sequence[list[str]] = (), **fields: Any
    ) -> dict[str, Any]:
        """POST the file to the API's import route (after the civiclab commands ``before``,
        in the same process); the answer's status and body."""
        return self.answer(self.start_upload(path, dataset, before, **fields))

    def start_upload(
        self,
        path: Path,
        dataset: str,
        before: Sequence[list[str]] = (),
        when: Path | None = None,
        **fields: Any,
    ) -> subprocess.Popen[str]:
        """``upload`` in the background, sent once the file ``when`` exists (a process
        start costs seconds: it overlaps with what happens meanwhile)."""
        url = f"/api/v1/cities/{CITY}/datasets/{dataset}/imports"
        args = [str(path), url, self.token, json.dumps(fields), json.dumps(list(before))]
        env = self.env | ({"FAULTS_UPLOAD_WHEN": str(when)} if when else {})
        return subprocess.Popen(
            [sys.executable, "-c", UPLOAD, *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    @staticmethod
    def answer(uploading: subprocess.Popen[str]) -> dict[str, Any]:
        out, err = uploading.communicate(timeout=120)
        assert uploading.returncode == 0, err[-3000:]
        return json.loads(out.strip().splitlines()[-1])

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (``%s`` placeholders), read straight from the installation's
        database: what is committed, whatever the processes are doing."""
        if self.database_url:
            with psycopg.connect(self.database_url, autocommit=True) as connection:
                return list(connection.execute(sql, params).fetchall())
        with sqlite3.connect(self.data_dir / "civiclab.sqlite3", timeout=10) as connection:
            return list(connection.execute(sql.replace("%s", "?"), params).fetchall())

    def start(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """``civiclab ARGS`` in a process group of its own (gunicorn's master and worker, or
        the worker's threads, all get the signal); output to a log file in the data dir."""
        log = (self.data_dir / f"{args[0]}-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "civiclab", *args],
            env=self.env | (extra_env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        index = self.processes.index(process)
        name = process.args[3]  # type: ignore[index]
        return (self.data_dir / f"{name}-{index}.log").read_text(errors="replace")[-3000:]

    def serve(self, port: int, timeout: float = 90) -> subprocess.Popen[bytes]:
        """Start ``civiclab serve --workers 1`` and wait until it answers."""
        server = self.start("serve", "--port", str(port), "--workers", "1")

        def answers() -> bool:
            assert server.poll() is None, self.log(server)
            try:
                return http("GET", f"http://127.0.0.1:{port}/healthz")[0] == 200
            except OSError:
                return False

        wait_until(answers, timeout, "civiclab serve answering", every=0.1)
        return server

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                kill_group(process)


def http(
    method: str,
    url: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 10,
) -> tuple[int, bytes, dict[str, str]]:
    """One request: its status, body and headers (errors are answers too)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


@pytest.fixture(scope="session")
def installation_template(
    tmp_path_factory: pytest.TempPathFactory, migrated: Migrated
) -> Iterator[dict[str, Any]]:
    """One installation made once for the session — a copy of the suite's migrated one
    (tests/migrated.py), static files taken as collected, city ``mobile`` with a member and
    their API token — which each test copies."""
    folder = tmp_path_factory.mktemp("faults-template")
    data_dir = folder / "data"
    database = migrated.new_postgres("civiclab_faults_tpl") if ON_POSTGRES else None
    url = _server_url(database) if database else None
    if not database:
        migrated.copy_sqlite(data_dir / "civiclab.sqlite3")
    try:
        made = run_steps(
            base_environment(data_dir, url),
            ["city", "add", CITY, "--name", "Mobile", "--country", "US"],
            ["adduser", MEMBER, "--city", CITY, "--role", "member"],
            ["token", "create", MEMBER, "--json"],
        )
        token = json.loads(made[-1])["token"]
        # No fault is about static files (tests/test_serve.py collects them).
        migrated.mark_static_collected(data_dir)
        yield {"data_dir": data_dir, "database": database, "token": token}
    finally:
        if database:
            admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def copy_data_dir(template: Path, target: Path) -> None:
    """A copy of the template's data directory."""
    # run/ holds the static files' stamp; its sockets, locks and counters are the template's.
    shutil.copytree(
        template, target, ignore=shutil.ignore_patterns("*.log", "*.ctl", "*.lock", "metrics")
    )


@pytest.fixture
def installation(tmp_path: Path, installation_template: dict[str, Any]) -> Iterator[Installation]:
    """A fresh installation copied from the template (its own database on PostgreSQL)."""
    data_dir = tmp_path / "data"
    copy_data_dir(installation_template["data_dir"], data_dir)
    url = None
    if installation_template["database"]:
        database = f"civiclab_faults_{uuid.uuid4().hex[:12]}"
        admin(f'CREATE DATABASE "{database}" TEMPLATE "{installation_template["database"]}"')
        url = _server_url(database)
    made = Installation(
        data_dir, base_environment(data_dir, url), installation_template["token"], url
    )
    try:
        yield made
    finally:
        made.stop_all()
        if url:
            admin(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
