"""civiclab processes started by tests (``civiclab serve``, ``civiclab worker``, and the engines
beside them), and a browser-like client for them over real HTTP.

Shared by the tests that run an installation as an operator does: tests/test_multi_process.py,
tests/faults/ and tests/test_reference_deployment.py.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.factories import TEST_PASSWORD

# TEST_PORT_RANGE=18300-18399 makes free_port() choose in that range (several people or runs
# sharing one machine, each given its own ports); otherwise the system picks any free port.
PORT_RANGE = "TEST_PORT_RANGE"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    [port] = free_ports(1)
    return port


def free_ports(count: int) -> list[int]:
    """``count`` different TCP ports on 127.0.0.1 that nothing listens on now (each held
    until all are chosen, so none is chosen twice)."""
    chosen = os.environ.get(PORT_RANGE)
    with contextlib.ExitStack() as held:
        ports: list[int] = []
        if not chosen:
            candidates: Iterable[int] = (0 for _ in range(count))
        else:
            low, high = (int(end) for end in chosen.split("-"))
            # Randomly, not upwards: two runs sharing the range rarely pick a port at once.
            candidates = random.sample(range(low, high + 1), high - low + 1)
        for candidate in candidates:
            sock = held.enter_context(socket.socket())
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            ports.append(int(sock.getsockname()[1]))
            if len(ports) == count:
                return ports
    raise AssertionError(f"not {count} free ports in {PORT_RANGE}={chosen}")


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    """Poll ``check`` until it returns something true (returned), failing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(every)


def kill_group(process: subprocess.Popen[Any], sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process's whole group and wait for the process to end."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


@dataclass
class Process:
    """A process started in the background, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return f"--- {self.name} ---\n" + self.log.read_text(errors="replace")[-3000:]


def start_program(name: str, argv: Sequence[str], log_dir: Path, env: dict[str, str]) -> Process:
    """Start ``argv`` in a process group of its own (gunicorn's master and workers all get a
    signal sent to it), its output in ``log_dir/<name>.log``."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            list(argv), env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, popen, log)


def start(name: str, env: dict[str, str], log_dir: Path, *args: str) -> Process:
    """``civiclab ARGS`` (``python -m civiclab``, the same program) with the environment ``env``."""
    return start_program(name, [sys.executable, "-m", "civiclab", *args], log_dir, env)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to look at, not to follow


@dataclass
class Server:
    """One address of civiclab (a ``civiclab serve``, or a proxy in front of some), and a
    browser's cookies for it."""

    process: Process
    base: str
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(
        self,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: http.cookiejar.CookieJar | None = None,
    ) -> tuple[int, bytes]:
        status, body, _headers = self.exchange(path, data, headers, cookies)
        return status, body

    def exchange(
        self,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: http.cookiejar.CookieJar | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        """One request: the answer's status, body and headers (errors are answers too)."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(cookies if cookies is not None else self.cookies),
            _NoRedirect,
        )
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with opener.open(req, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def api(self, token: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        status, body = self.request("/api/v1" + path, headers=headers, **kwargs)
        return status, json.loads(body) if body else None


def wait_until_up(server: Server, deadline: float) -> None:
    """Wait for ``/healthz`` to answer 200 (failing with the process's output if it ends or
    ``deadline`` passes)."""
    while True:
        try:
            status, _body = server.request("/healthz")
            if status == 200:
                return
        except OSError:
            pass
        assert server.process.popen.poll() is None, server.process.output()
        assert time.monotonic() < deadline, f"{server.process.name} did not start\n" + (
            server.process.output()
        )
        time.sleep(0.2)


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and the file (as field ``file``), and its
    boundary."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def sign_in(server: Server, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the sign-in form as a browser does: the CSRF token from the page, and
    the ``Origin`` and ``Referer`` a browser sends with the form."""
    status, page = server.request("/accounts/login/")
    assert status == 200
    csrf = page.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "username": email, "password": password}
    ).encode()
    origin = urllib.parse.urlsplit(server.base)._replace(path="").geturl()
    status, body = server.request(
        "/accounts/login/",
        data=form,
        headers={"Origin": origin, "Referer": server.base + "/accounts/login/"},
    )
    assert status == 302, f"sign-in refused ({status}): {body[:500]!r}"
