"""Running a server with a background worker beside it (``civiclab demo``), so that stopping
the server — Ctrl-C, SIGTERM from a process manager or a closed terminal — stops the worker too.

Without this, SIGTERM kills the server at once (Python's default), nothing cleans up, and the
worker keeps running, holding the job queue and the data directory.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from types import FrameType

# How long a worker gets to finish its current step after being asked to stop.
WORKER_STOP_SECONDS = 30


def serve_with_worker(serve: Callable[[], object], worker_command: list[str]) -> None:
    """Start ``worker_command``, run ``serve`` until it returns or is interrupted, then stop
    the worker, however ``serve`` ended."""
    worker = subprocess.Popen(worker_command)
    stops = (signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, _interrupt) for signum in stops}
    try:
        serve()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        stop_process(worker)


def stop_process(process: subprocess.Popen[bytes], timeout: float = WORKER_STOP_SECONDS) -> None:
    """Ask ``process`` to stop (SIGTERM), and kill it if it has not within ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # The same path as Ctrl-C: Django's runserver exits cleanly on KeyboardInterrupt, and the
    # ``finally`` above stops the worker.
    raise KeyboardInterrupt
