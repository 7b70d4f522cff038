"""The reference deployment (deploy/), brought up as docs/operators.md's "Without containers"
says, and a backup restored into it: real nginx running deploy/nginx.conf itself in front of two
``civiclab serve``, a ``civiclab worker``, PostgreSQL and Redis — the pieces of
deploy/compose.yaml as processes, Docker being unavailable here and in CI.

Always PostgreSQL and Redis, whichever database the suite runs on, as the deployment has them.
The backed-up installation is the suite's own: on the SQLite run the backup is a SQLite one
restored onto PostgreSQL (a small installation moving to the reference deployment), on the
PostgreSQL run a PostgreSQL one (an installation restored after losing its machine).
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from django.core.management import call_command
from django.urls import reverse

from civiclab.accounts.tokens import create_token
from civiclab.datasets import services as datasets
from tests.datasets.helpers import write
from tests.factories import CityFactory, MembershipFactory, UserFactory
from tests.migrated import Migrated
from tests.object_store import new_bucket
from tests.portfolio import factories
from tests.processes import (
    Process,
    Server,
    free_ports,
    kill_group,
    multipart,
    sign_in,
    start,
    start_program,
    wait_until,
    wait_until_up,
)
from tests.test_deploy_files import DEPLOY, env_example

# The argon2 hash the installation's person is saved with is the one civiclab serve checks.
pytestmark = pytest.mark.real_hasher

POSTGRES = "postgres://postgres@127.0.0.1:5432/"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
REDIS_SERVER = shutil.which("redis-server")
EMAIL = "alex@lakeview.example.gov"
CHALLENGE = "Vacant lots « terrains vagues » on the east side"
SOLUTION = "Lot stewardship pilot"
DATASET = "Vacant lots"


def deployment_environment(
    data_dir: Path, database_url: str, redis_url: str, public_url: str, store: dict[str, str]
) -> dict[str, str]:
    """The settings every civiclab process of the deployment runs with (web servers, worker,
    restore): deploy/civiclab.env.example with this machine's addresses, as an operator fills
    it in. One place, so a setting added to the deployment is added here once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env |= {k: v for k, v in env_example().items() if k.startswith("CIVICLAB_")}
    env |= {
        "CIVICLAB_DATA_DIR": str(data_dir),
        "CIVICLAB_DATABASE_URL": database_url,
        "CIVICLAB_REDIS_URL": redis_url,
        "CIVICLAB_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CIVICLAB_SITE_URL": public_url,
        # Empty, so a form posted through nginx passes Django's CSRF check only if nginx passes
        # on the Host the browser sent (port included): the origin then matches by itself.
        "CIVICLAB_CSRF_TRUSTED_ORIGINS": "",
        "CIVICLAB_EMAIL_BACKEND": "locmem",
    }
    # The object store (MinIO in compose): here moto's S3 server, a bucket of this test's own.
    return env | store


def render_nginx_conf(folder: Path, port: int, web: dict[str, str]) -> Path:
    """deploy/nginx.conf as it is, with this machine's addresses in place of compose's
    services (``web`` maps ``server web1:8000``… to ``server 127.0.0.1:PORT``) and of port
    80, inside what the nginx image's own nginx.conf puts around it, in ``folder``; the main
    file's path."""
    text = (DEPLOY / "nginx.conf").read_text()
    for old, new in {"listen 80;": f"listen 127.0.0.1:{port};", **web}.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer holds {old!r} once"
        text = text.replace(old, new)
    (folder / "conf.d").mkdir(parents=True)
    (folder / "conf.d" / "civiclab.conf").write_text(text)
    # As root, nginx's workers would run as nobody, who may not write the test's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        + "".join(
            f"    {kind}_temp_path {folder}/{kind}_temp;\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {folder}/conf.d/*.conf;\n}}\n"
    )
    return main


@dataclass
class Backup:
    """The archive of a small installation, and what a person finds in it."""

    path: Path
    token: str
    challenge_path: str
    dataset_path: str
    public_path: str


@pytest.fixture
def backup(db: None, tmp_path: Path) -> Backup:
    """A city with its admin, a challenge, a public solution, a dataset and an API token, in the
    suite's database, backed up with ``civiclab backup``."""
    city = CityFactory(slug="lakeview", name="Lakeview", visibility="public")
    person = UserFactory(email=EMAIL, full_name="Alex Rivera")
    MembershipFactory(user=person, city=city, role="city_admin")
    challenge = factories.challenge(city, visibility="public", title=CHALLENGE)
    factories.solution(challenge, title=SOLUTION)
    source = write(tmp_path / "lots.csv", "id,ward,acres\n1,East,0.4\n2,East,1.2\n3,West,0.1\n")
    options = datasets.ImportOptions(visibility="city")
    dataset = datasets.import_file(person, city, DATASET, source, source.name, options).dataset
    token = create_token(person, "deployment check").secret
    path = tmp_path / "backups" / "civiclab.tar"
    path.parent.mkdir()
    call_command("backup", str(path), stdout=io.StringIO())
    return Backup(
        path=path,
        token=token,
        challenge_path=reverse("portfolio:challenge", args=[challenge.pk]),
        dataset_path=reverse("datasets:dataset", args=[city.slug, dataset.slug]),
        public_path=reverse("reports:public_city", args=[city.slug]),
    )


def _admin(statement: str) -> None:
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
        admin.execute(statement)


@dataclass
class Deployment:
    """The running deployment: nginx's address, the two web servers, and nginx's access log."""

    proxy: Server
    web: dict[str, Process]  # by upstream address, 127.0.0.1:PORT
    nginx: Process
    env: dict[str, str]

    def upstream_of(self, request_id: str) -> str:
        """The web server that answered the request, from nginx's access log (the last of
        those nginx tried)."""

        def logged() -> str | None:
            for line in self.nginx.log.read_text().splitlines():
                if f" {request_id} upstream=" in line:
                    return line.rsplit("upstream=", 1)[1].split(", ")[-1]
            return None

        # nginx writes the line once the answer is sent: a moment after the client has it.
        return str(wait_until(logged, 5, f"request {request_id} in nginx's log"))

    def get(self, path: str, **kwargs: Any) -> tuple[int, bytes, str]:
        """GET ``path`` through nginx: the status, the body and the web server that answered."""
        status, body, headers = self.proxy.exchange(path, **kwargs)
        return status, body, self.upstream_of(headers["X-Request-ID"])


@pytest.fixture
def deployment(
    backup: Backup, tmp_path: Path, s3_server: str, migrated: Migrated
) -> Iterator[Deployment]:
    """docs/operators.md, "Without containers": Redis; a new PostgreSQL database; the backup
    restored into it and a new data directory; two web servers and a worker; nginx in front."""
    if not (NGINX and REDIS_SERVER):
        missing = "nginx" if not NGINX else "redis-server"
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is not installed (.ci/run installs it)")
        pytest.skip(f"needs {missing} (apt-get install nginx redis-server)")
    logs = tmp_path / "logs"
    logs.mkdir()
    redis_port, proxy_port, *web_ports = free_ports(4)
    public_url = f"http://127.0.0.1:{proxy_port}"
    database = f"civiclab_deploy_{uuid.uuid4().hex[:12]}"
    data_dir = tmp_path / "data"
    bucket = new_bucket(s3_server)
    env = deployment_environment(
        data_dir, POSTGRES + database, f"redis://127.0.0.1:{redis_port}/0", public_url,
        bucket.env(),
    )  # fmt: skip
    processes: list[Process] = []
    _admin(f'CREATE DATABASE "{database}"')
    try:
        # Redis as compose runs it, keeping its jobs on disk.
        redis_dir = tmp_path / "redis"
        redis_dir.mkdir()
        redis_argv = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(redis_port)]
        redis_argv += ["--appendonly", "yes", "--dir", str(redis_dir)]
        processes.append(start_program("redis", redis_argv, logs, env))
        # The first `civiclab serve` would collect the static files (most of a minute of CPU;
        # tests/test_serve.py proves it): taken as collected, they are served from the code.
        with ThreadPoolExecutor(1) as meanwhile:
            marked = meanwhile.submit(migrated.mark_static_collected, data_dir)
            restored = subprocess.run(
                [sys.executable, "-m", "civiclab", "restore", str(backup.path), "--json"],
                env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            marked.result()
        assert restored.returncode == 0, restored.stderr[-3000:]
        report = json.loads(restored.stdout)
        assert report["database"] == "postgresql" and report["files"] == 1, report
        wait_until(
            lambda: _pings(f"redis://127.0.0.1:{redis_port}/0"), 20, "redis-server answering"
        )

        web: dict[str, Process] = {}
        for name, port in zip(("web1", "web2"), web_ports, strict=True):
            # One gunicorn worker each (compose runs two): the same shape, and each worker
            # costs seconds of CPU to start.
            process = start(name, env, logs, "serve", "--port", str(port), "--workers", "1")
            web[f"127.0.0.1:{port}"] = process
            processes.append(process)
        processes.append(start("worker", env, logs, "worker"))
        first, second = web
        conf = render_nginx_conf(
            tmp_path / "nginx",
            proxy_port,
            {"server web1:8000": f"server {first}", "server web2:8000": f"server {second}"},
        )
        nginx = start_program(
            "nginx", [NGINX, "-p", str(conf.parent), "-c", str(conf), "-e",
                      str(conf.parent / "error.log")], logs, env,
        )  # fmt: skip
        processes.append(nginx)
        deadline = time.monotonic() + 90
        for address, process in web.items():
            wait_until_up(Server(process, f"http://{address}"), deadline)
        proxy = Server(nginx, public_url)
        wait_until_up(proxy, deadline)
        yield Deployment(proxy, web, nginx, env)
    finally:
        # Nothing here is about stopping cleanly: SIGKILL, as the fault tests stop theirs.
        for process in processes:
            if process.popen.poll() is None:
                kill_group(process.popen)
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_a_backup_restored_into_the_reference_deployment_is_served_through_nginx(
    backup: Backup, deployment: Deployment
) -> None:
    """GIVEN a small installation's backup restored, as docs/operators.md says, into a new
    PostgreSQL database and data directory, served by two web servers and a worker on Redis
    behind nginx running deploy/nginx.conf
    WHEN a person uses it through nginx
    THEN they sign in (a form posted through the proxy passes the CSRF check), find the restored
    challenge and dataset, the public results page and the static files; an import uploaded
    through one web server is run by the worker and seen done through the other; requests go
    to both web servers; `civiclab check` is content; and with one web server killed, nginx
    answers every page from the other."""
    d = deployment
    checking = subprocess.Popen(
        [sys.executable, "-m", "civiclab", "check", "--json"], env=d.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    sign_in(d.proxy, EMAIL)
    status, page, _web = d.get(backup.challenge_path)
    assert status == 200 and CHALLENGE.encode() in page
    status, page, _web = d.get(backup.dataset_path)
    assert status == 200 and DATASET.encode() in page
    status, page, _web = d.get(backup.public_path, cookies=http.cookiejar.CookieJar())
    assert status == 200 and SOLUTION.encode() in page, "the public results page"
    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', page)
    assert stylesheet, "no stylesheet on the page"
    status, css, headers = d.proxy.exchange(stylesheet.group(1).decode())
    assert status == 200 and headers["Content-Type"].startswith("text/css") and css

    # An import through the API: taken by one web server, run by the worker, seen by the other.
    form, boundary = multipart({"name": "Lots 2025"}, "lots.csv", b"id,acres\n1,0.5\n2,0.7\n")
    status, body, headers = d.proxy.exchange(
        "/api/v1/cities/lakeview/datasets/lots-2025/imports",
        data=form,
        headers={
            "Authorization": f"Bearer {backup.token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert status == 202, body
    job = json.loads(body)
    took_it = d.upstream_of(headers["X-Request-ID"])
    auth = {"Authorization": f"Bearer {backup.token}"}

    def finished() -> dict[str, Any] | None:
        status, body, _web = d.get(f"/api/v1/jobs/{job['id']}", headers=auth)
        state = json.loads(body)
        assert status == 200, state
        return state if state["state"] in ("done", "failed") else None

    assert wait_until(finished, 60, "the import run by the worker", every=0.3)["state"] == "done"
    other = next(address for address in d.web if address != took_it)
    for _ in range(len(d.web)):  # nginx takes turns: one of these goes to the other server
        status, body, web = d.get("/api/v1/datasets", headers=auth)
        assert status == 200
        assert "lots-2025" in [item["slug"] for item in json.loads(body)["items"]], web
        if web == other:
            break
    else:
        raise AssertionError(f"no request went to {other}")

    out, errors = checking.communicate(timeout=120)
    checks = json.loads(out)["checks"] if out else {}
    for item in ("database", "migrations", "worker", "queue", "jobs", "files", "object_store"):
        assert checks.get(item, {}).get("ok"), f"civiclab check: {item}\n{out}{errors[-2000:]}"

    # One web server dies: nginx answers from the other, never with an error.
    kill_group(d.web[took_it].popen)
    answered_by = set()
    for path in (backup.challenge_path, backup.dataset_path, "/delivery/", "/") * 2:
        status, _page, web = d.get(path)
        assert status == 200, f"{path}: {status} with {took_it} killed"
        answered_by.add(web)
    assert answered_by == {other}
    seen = {line.rsplit("upstream=", 1)[1] for line in d.nginx.log.read_text().splitlines()}
    assert set(d.web) <= {address for entry in seen for address in entry.split(", ")}, (
        "nginx did not use both web servers"
    )
