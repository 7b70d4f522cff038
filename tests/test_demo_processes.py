"""Stopping `civiclab demo` stops its job worker too, whether by Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="reads child processes from /proc (Linux)"
)

# The demo's own process management, with a server and a worker that only wait.
DEMO = textwrap.dedent(
    """
    import sys, time
    from civiclab.core.management.processes import serve_with_worker

    def serve():
        print("serving", flush=True)
        time.sleep(120)

    serve_with_worker(serve, [sys.executable, "-c", "import time; time.sleep(120)"])
    """
)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_the_demo_stops_its_worker(signum: int) -> None:
    """GIVEN the demo serving with its worker beside it WHEN the demo process alone gets
    SIGTERM (or Ctrl-C's SIGINT) THEN it exits and its worker is gone too."""
    demo = subprocess.Popen(
        [sys.executable, "-c", DEMO], stdout=subprocess.PIPE, text=True, env=dict(os.environ),
        # A suite started in the background by a shell (`… &`) inherits SIGINT ignored, and
        # Python then never turns Ctrl-C into KeyboardInterrupt: give the demo the default a
        # person running it in a terminal has.
        preexec_fn=_sigint_default,
    )  # fmt: skip
    try:
        assert demo.stdout is not None and demo.stdout.readline().strip() == "serving"
        deadline = time.monotonic() + 10
        while not (workers := _children(demo.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 1
        worker = workers[0]
        demo.send_signal(signum)
        demo.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "the worker outlived the demo"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
