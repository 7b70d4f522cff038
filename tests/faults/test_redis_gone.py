"""Redis gone: an upload that queues an import fails at once with a clear 503 ("the job queue is
unreachable"), leaves no job waiting for a worker that will never hear of it, and no file."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from civiclab.core.jobqueue import queue
from civiclab.datasets.models import ImportJob
from civiclab.datasets.views.imports import pending_dir
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.datasets.test_api import assert_error, upload
from tests.datasets.web_helpers import column_data
from tests.datasets.web_helpers import upload as upload_page
from tests.processes import free_port, wait_until
from tests.world import World

pytestmark = pytest.mark.django_db

REDIS_SERVER = shutil.which("redis-server")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_gone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The job queue on a Redis server that was running and has been stopped."""
    from huey.storage import RedisStorage

    if REDIS_SERVER is None:
        pytest.skip("needs redis-server")
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _answers(port), 20, "redis-server answering")
    finally:
        server.kill()
        server.wait(timeout=10)
    assert not _answers(port)
    jobs = queue()
    url = f"redis://127.0.0.1:{port}/0"
    # As CIVICLAB_REDIS_URL makes it, with jobs sent to the queue rather than run at once.
    monkeypatch.setattr(jobs, "_immediate", False)
    monkeypatch.setattr(jobs, "storage", RedisStorage(jobs.name, url=url))
    yield url


def _files() -> set[Path]:
    uploads = settings.DATA_DIR / "uploads"
    return {p for p in uploads.rglob("*") if p.is_file()} if uploads.exists() else set()


def test_an_api_upload_fails_clearly_when_redis_is_gone(
    world: World, tmp_path: Path, redis_gone: str
) -> None:
    """GIVEN the job queue's Redis stopped WHEN a member uploads a file to import through the
    API THEN the answer is a 503 `queue_unavailable` saying to try again later, no job is left
    queued (the one made is failed, saying why) and the upload is not kept."""
    before = _files()
    source = write(tmp_path / "requests.csv", "id,kind\n1,pothole\n")
    answer = upload("/api/v1/cities/city-a/datasets/requests/imports", world.user("member"), source)
    error = assert_error(answer, 503, "queue_unavailable")
    assert "job queue is unreachable" in error["message"]
    assert not ImportJob.objects.filter(state__in=["queued", "running"]).exists()
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.error["code"] == "queue_unavailable"
    assert _files() == before


def test_the_import_page_says_the_queue_is_unreachable_and_keeps_the_upload(
    world: World, tmp_path: Path, redis_gone: str
) -> None:
    """GIVEN the job queue's Redis stopped and a file uploaded on the import page WHEN the
    member presses Import on the check step THEN the page answers 503 saying the job queue is
    unreachable, and the upload is still pending, so Import works once the queue is back."""
    client = as_user(world.user("member"))
    source = write(tmp_path / "requests.csv", "id,kind\n1,pothole\n")
    response = upload_page(client, source, "Requests")
    assert response.status_code == 302, body(response)
    check_url = response["Location"]
    token = check_url.rstrip("/").rsplit("/", 1)[-1]
    data = column_data(client.get(check_url))
    response = client.post(check_url, {**data, "action": "import"})
    assert response.status_code == 503
    assert "job queue is unreachable" in body(response)
    assert (pending_dir() / token / "upload").read_bytes() == source.read_bytes()
    assert not ImportJob.objects.filter(state__in=["queued", "running"]).exists()
