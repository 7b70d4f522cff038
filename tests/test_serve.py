"""`civiclab serve` runs the production server (gunicorn) with static files, DEBUG off."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.migrated import Migrated
from tests.processes import free_port
from tests.test_cli import run_subprocess, subprocess_env


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def test_serve_answers_pages_and_hashed_static_files(tmp_path: Path, migrated: Migrated) -> None:
    migrated.copy_sqlite(tmp_path / "cli.sqlite3")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "civiclab", "serve", "--port", str(port), "--workers", "1"],
        env=subprocess_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body, _headers = fetch(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not start in 60 s"
                time.sleep(0.3)
        assert status == 200
        status, page, _headers = fetch(f"{base}/accounts/login/")
        assert status == 200
        css = page.decode().split('rel="stylesheet" href="')[1].split('"')[0]
        assert css != "/static/civiclab/civiclab.css", "collectstatic should hash file names"
        status, _body, headers = fetch(base + css)
        assert status == 200
        assert "max-age=315360000" in headers.get("Cache-Control", "")
        status, body, _headers = fetch(f"{base}/nothing-here/")
        assert status == 404 and b"Traceback" not in body  # DEBUG is off
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = run_subprocess(tmp_path, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert "not applied" in result.stderr


def test_each_data_directory_has_its_own_gunicorn_control_socket(tmp_path: Path) -> None:
    """GIVEN two installations of one user (two data directories) WHEN `civiclab serve` builds
    gunicorn's command line for each THEN gunicorn reads a different control socket for each,
    tied to its data directory, instead of sharing the per-user default; a data directory too
    deep for a socket address still gets its own, short, path; and two servers of one data
    directory on one machine (different ports) do not share one either."""
    from django.test import override_settings
    from gunicorn.config import Config

    from civiclab.site.management.commands.serve import MAX_SOCKET_PATH, gunicorn_argv

    def socket_of(data_dir: Path, port: int = 8000) -> str:
        with override_settings(DATA_DIR=data_dir):
            argv = gunicorn_argv("127.0.0.1", port, 1, 60)
        config = Config()
        parsed = config.parser().parse_args(argv[4:])  # after "python -m gunicorn app"
        config.set("control_socket", parsed.control_socket)
        return config.control_socket

    default = Config().control_socket
    first, second = socket_of(tmp_path / "one"), socket_of(tmp_path / "two")
    assert first != second and default not in (first, second)
    assert first.startswith(str(tmp_path / "one")) and second.startswith(str(tmp_path / "two"))
    deep = [tmp_path / ("d" * 60) / ("e" * 60) / name for name in ("one", "two")]
    long_first, long_second = socket_of(deep[0]), socket_of(deep[1])
    assert long_first != long_second and default not in (long_first, long_second)
    assert len(long_first.encode()) <= MAX_SOCKET_PATH  # fits a socket address
    assert socket_of(deep[0]) == long_first  # the same installation always finds its socket
    # Two servers of one installation (one data directory) on one machine: one socket each.
    assert socket_of(tmp_path / "one", 8001) not in (first, socket_of(tmp_path / "one", 8002))
    assert socket_of(deep[0], 8001) != long_first


def test_static_files_are_collected_once_per_version_of_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN servers of one installation starting one after the other (a restart, a second
    server on the same data directory) WHEN each prepares the static files THEN only the first
    collects (compressing takes most of a minute of CPU); a change of the sources, or a deleted
    static folder, collects again."""
    from django.test import override_settings

    from civiclab.site.management.commands import serve

    collected: list[Path] = []

    def collectstatic(*_args: object, **_kwargs: object) -> None:
        static = tmp_path / "static"
        static.mkdir(exist_ok=True)
        (static / "staticfiles.json").write_text("{}")
        collected.append(static)

    monkeypatch.setattr(serve, "call_command", lambda *a, **k: collectstatic(*a, **k))
    with override_settings(DATA_DIR=tmp_path, STATIC_ROOT=tmp_path / "static"):
        assert serve.collect_static() is True
        assert serve.collect_static() is False  # the second server, or a restart
        monkeypatch.setattr(serve, "static_sources", lambda: "other sources")
        assert serve.collect_static() is True  # an upgrade changed the static files
        (tmp_path / "static" / "staticfiles.json").unlink()
        assert serve.collect_static() is True  # the folder was deleted ("safe to delete")
    assert len(collected) == 3
