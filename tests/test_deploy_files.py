"""The reference deployment (deploy/): two web servers, a worker, PostgreSQL, Redis and nginx,
all civiclab processes on one installation. Docker is not needed to check what the files say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from civiclab.config import SETTINGS
from civiclab.core.uploads import FORM_OVERHEAD_BYTES
from civiclab.site.management.commands.serve import Command

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
DATA_DIR = "/var/lib/civiclab"
WEB = ("web1", "web2")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return compose["services"]


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "civiclab.env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def civiclab_services(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if s.get("command", [""])[0] == "civiclab"}


def test_compose_runs_two_web_servers_a_worker_and_the_engines(services: dict[str, Any]) -> None:
    """GIVEN deploy/compose.yaml WHEN read THEN it has the proxy, two `civiclab serve` on all
    interfaces, one `civiclab worker`, a one-off migrate, PostgreSQL and Redis, each with a
    health check, and the web servers and worker start only after the migrations."""
    assert set(services) >= {"proxy", *WEB, "worker", "migrate", "postgres", "redis", "minio"}
    for name in WEB:
        command = services[name]["command"]
        assert command[:2] == ["civiclab", "serve"] and "0.0.0.0" in command
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"])
    assert services["worker"]["command"] == ["civiclab", "worker"]
    assert services["migrate"]["command"] == ["civiclab", "migrate"]
    for name in (*WEB, "worker"):
        after = services[name]["depends_on"]
        assert after["migrate"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("proxy", *WEB, "worker", "postgres", "redis", "minio"):
        assert services[name]["healthcheck"]["test"], f"{name} has no health check"


def test_every_civiclab_process_shares_one_installation(services: dict[str, Any]) -> None:
    """GIVEN the civiclab containers WHEN their settings and volumes are compared THEN they
    mount the same data directory volume and read the same settings file, whose database is
    the PostgreSQL service and whose Redis is the Redis service, and nothing overrides either
    per container."""
    mine = civiclab_services(services)
    assert set(mine) == {*WEB, "worker", "migrate"}
    for name, service in mine.items():
        assert f"civiclab-data:{DATA_DIR}" in service["volumes"], name
        assert service["env_file"] == "civiclab.env", name
        overridden = set(service.get("environment", {})) & {
            "CIVICLAB_DATABASE_URL", "CIVICLAB_REDIS_URL", "CIVICLAB_CACHE_URL",
            "CIVICLAB_DATA_DIR",
        }  # fmt: skip
        assert not overridden, f"{name} overrides {overridden}"
    env = env_example()
    assert re.fullmatch(
        r"postgres://civiclab:[^@]+@postgres:5432/civiclab", env["CIVICLAB_DATABASE_URL"]
    )
    assert env["CIVICLAB_REDIS_URL"].startswith("redis://redis:6379/")
    assert env["CIVICLAB_PROXY_COUNT"] == "1"  # nginx appends to X-Forwarded-For
    assert "127.0.0.1" in env["CIVICLAB_ALLOWED_HOSTS"].split(",")  # the health checks' host
    assert f"CIVICLAB_DATA_DIR={DATA_DIR}" in (DEPLOY / "Dockerfile").read_text()


def test_settings_file_names_only_real_settings() -> None:
    """GIVEN deploy/civiclab.env.example WHEN its CIVICLAB_ names are read THEN each is a
    declared setting (a misspelt one would be silently ignored)."""
    declared = {setting.name for setting in SETTINGS}
    names = {name for name in env_example() if name.startswith("CIVICLAB_")}
    assert names and names <= declared, names - declared


def test_nginx_proxies_to_both_web_servers_and_passes_the_client() -> None:
    """GIVEN deploy/nginx.conf WHEN read THEN its upstream holds both web services on the port
    they serve, every request goes to it, and the headers civiclab reads are set: the Host with
    its port (Django compares a form's Origin with it: CSRF), the scheme, the client's address
    appended to X-Forwarded-For (CIVICLAB_PROXY_COUNT=1) and nginx's request id."""
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream civiclab \{(.*?)\}", conf, re.S)
    assert upstream is not None
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", upstream.group(1), re.M)
    assert sorted(servers) == [("web1", "8000"), ("web2", "8000")]
    assert "proxy_pass http://civiclab;" in conf
    for header in (
        "Host $http_host;", "X-Forwarded-Proto $scheme;",
        "X-Forwarded-For $proxy_add_x_forwarded_for;", "X-Request-ID $request_id;",
    ):  # fmt: skip
        assert f"proxy_set_header {header}" in conf
    # tests/test_reference_deployment.py finds which server answered in the access log.
    assert re.search(r"log_format civiclab [^;]*\$request_id upstream=\$upstream_addr'", conf)
    assert "access_log /dev/stdout civiclab;" in conf


def _directive(conf: str, name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", conf, re.M)
    assert len(found) == 1, f"{name}: {found}"
    return str(found[0])


def test_nginx_limits_match_civiclab() -> None:
    """GIVEN deploy/nginx.conf and civiclab's limits WHEN compared THEN nginx takes an upload of
    CIVICLAB_MAX_UPLOAD_MB's default with the form around it (civiclab's own allowance),
    buffers request bodies (gunicorn's sync workers hold one request each and stop it at
    `civiclab serve --timeout`: a slow upload streamed through would be cut), waits for an
    answer longer than that timeout, and retries on the other server only when one is down —
    not on civiclab's own 503 (the database or queue both servers share is unavailable)."""
    conf = (DEPLOY / "nginx.conf").read_text()
    declared = {setting.name: setting.default for setting in SETTINGS}
    body_mb = int(declared["CIVICLAB_MAX_UPLOAD_MB"]) + FORM_OVERHEAD_BYTES // (1024 * 1024)
    assert _directive(conf, "client_max_body_size") == f"{body_mb}m"
    assert "proxy_request_buffering off" not in conf and "proxy_buffering off" not in conf
    serve_timeout = Command().create_parser("civiclab", "serve").get_default("timeout")
    assert int(_directive(conf, "proxy_read_timeout").removesuffix("s")) > serve_timeout
    retried = _directive(conf, "proxy_next_upstream").split()
    assert {"error", "timeout"} <= set(retried) and "http_503" not in retried
    assert "non_idempotent" not in retried  # a POST is never sent twice


def test_systemd_units_run_the_same_processes_as_compose(services: dict[str, Any]) -> None:
    """GIVEN deploy/systemd/ (the deployment without containers) WHEN read THEN the web unit
    runs `civiclab serve` on 127.0.0.1 at its instance's port with compose's workers, the
    worker unit `civiclab worker`, both with the one settings file and restarted when they
    stop."""
    units = {path.name: path.read_text() for path in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"civiclab-web@.service", "civiclab-worker.service"}
    web_command = services["web1"]["command"]
    workers = web_command[web_command.index("--workers") + 1]
    expected = {
        "civiclab-web@.service": f"civiclab serve --host 127.0.0.1 --port %i --workers {workers}",
        "civiclab-worker.service": "civiclab worker",
    }
    for name, text in units.items():
        assert text.startswith("#"), name
        lines = dict(
            line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#"
        )
        exec_start = lines["ExecStart"]
        assert exec_start.endswith("uv run --frozen " + expected[name]), exec_start
        assert lines["EnvironmentFile"] == "/etc/civiclab.env"
        assert lines["Restart"] == "always"
        assert lines["WantedBy"] == "multi-user.target"


def test_dockerfile_installs_the_locked_dependencies() -> None:
    """GIVEN deploy/Dockerfile WHEN read THEN it builds on Python 3.11 with uv from the lock
    file (no resolution at build time) and runs as an unprivileged user."""
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "pip install --no-cache-dir uv" in text
    assert text.count("uv sync --frozen") == 2
    assert "USER civiclab" in text


def test_datasets_live_in_the_object_store_service(services: dict[str, Any]) -> None:
    """GIVEN the reference deployment WHEN its object store is read THEN a MinIO service with a
    health check and its own volume holds the datasets, a one-off service creates the bucket the
    settings name, every civiclab process starts only once it exists, and the settings point
    civiclab at MinIO with MinIO's own credentials."""
    minio = services["minio"]
    assert minio["image"].startswith("minio/minio:RELEASE.")
    assert minio["command"][:2] == ["server", "/data"]
    assert "mc ready local" in " ".join(minio["healthcheck"]["test"])
    assert "minio-data:/data" in minio["volumes"]
    bucket = services["bucket"]
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"
    assert bucket["restart"] == "no"
    for name in (*WEB, "worker"):
        assert services[name]["depends_on"]["bucket"]["condition"] == (
            "service_completed_successfully"
        )
    env = env_example()
    store = re.fullmatch(r"s3://([a-z0-9.-]+)/[\w/-]+", env["CIVICLAB_OBJECT_STORE_URL"])
    assert store is not None
    assert f"mc mb --ignore-existing store/{store.group(1)}" in bucket["entrypoint"][-1]
    assert env["CIVICLAB_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["CIVICLAB_S3_ACCESS_KEY_ID"] == env["MINIO_ROOT_USER"]
    assert env["CIVICLAB_S3_SECRET_ACCESS_KEY"] == env["MINIO_ROOT_PASSWORD"]
    assert int(env["CIVICLAB_OBJECT_CACHE_BYTES"]) > 0
