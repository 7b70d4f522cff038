"""PURE: request counters that add up across every server process of an installation.

``civiclab serve`` runs several gunicorn worker processes, and a scrape of ``/metrics`` lands
on one of them: counters kept only in that process's memory would report a fraction of the
traffic, differently on each scrape. So each process counts in memory (cheap: a dictionary
update under a lock per request) and writes its totals, every few seconds, to its own file
``<data dir>/run/metrics/<host>-<pid>-<token>.json``; ``/metrics`` adds up every file.

Why files rather than the Django cache: the cache is per-process memory unless an
installation configures a shared one, and ``cache.incr`` per request would put a network
round trip (or a database write) on every request. A file per process is written by that
process only (atomically: a temporary file, then ``os.replace``), so no two writers race.

Counters must never go backwards, so the totals of a process that has ended (a restarted or
killed worker) are kept: the next scrape moves a dead process's file into ``archive.json``
(under a lock, which scrapes also hold while reading, so no file is counted twice or missed).
A process's liveness is only knowable on its own host: files of other hosts sharing the
data directory are summed, and archived by a scrape on their host. Counts a process had not
yet written when it was killed (at most ``FLUSH_EVERY`` seconds' worth) are lost, which
Prometheus's ``rate()`` tolerates. Only counters and histograms live here; every gauge is read
from the database or the data directory at scrape time.

The token in the file name keeps a new process that reuses a dead one's pid from overwriting
its file (which would make the sum go backwards).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Request duration buckets, in seconds: from a cached page to the 10 s a request should never
# take (gunicorn's own timeout is 60 s).
BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# How often a process writes its totals: a scrape sees another process's requests at most this
# late; more often would cost a file write per request under load.
FLUSH_EVERY = 5.0
ARCHIVE = "archive.json"
LOCK = "archive.lock"

RequestKey = tuple[str, str, str]  # method, status class, route


@dataclass
class Totals:
    """Request counts by (method, status class, route) and duration histograms by route:
    per route, a count per bucket (not cumulative; the last is above every bound) and the sum
    of the durations."""

    requests: dict[RequestKey, int] = field(default_factory=dict)
    buckets: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def observe(self, method: str, status_class: str, route: str, duration: float) -> None:
        key = (method, status_class, route)
        self.requests[key] = self.requests.get(key, 0) + 1
        counts = self.buckets.setdefault(route, [0] * (len(BUCKETS) + 1))
        counts[_bucket_index(duration)] += 1
        self.seconds[route] = self.seconds.get(route, 0.0) + duration

    def add(self, other: Totals) -> None:
        for key, count in other.requests.items():
            self.requests[key] = self.requests.get(key, 0) + count
        for route, counts in other.buckets.items():
            mine = self.buckets.setdefault(route, [0] * (len(BUCKETS) + 1))
            for index, count in enumerate(counts[: len(mine)]):
                mine[index] += count
        for route, total in other.seconds.items():
            self.seconds[route] = self.seconds.get(route, 0.0) + total

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": [[*key, count] for key, count in sorted(self.requests.items())],
            "durations": [
                [route, counts, self.seconds.get(route, 0.0)]
                for route, counts in sorted(self.buckets.items())
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Totals:
        totals = cls()
        for method, status_class, route, count in data.get("requests", []):
            totals.requests[(str(method), str(status_class), str(route))] = int(count)
        for route, counts, seconds in data.get("durations", []):
            if len(counts) == len(BUCKETS) + 1:  # written with other buckets: not comparable
                totals.buckets[str(route)] = [int(c) for c in counts]
                totals.seconds[str(route)] = float(seconds)
        return totals

    def copy(self) -> Totals:
        return Totals.from_json(self.to_json())


def _bucket_index(duration: float) -> int:
    for index, bound in enumerate(BUCKETS):
        if duration <= bound:
            return index
    return len(BUCKETS)


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # gone since it was listed, or not ours: nothing to add
    return data if isinstance(data, dict) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class ProcessRecorder:
    """This process's counters, written to its own file in ``directory`` every
    ``FLUSH_EVERY`` seconds (by a daemon thread, so an idle worker's last requests are written
    too) and when the process exits."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._reset()
        # A child forked from a process that had counted (gunicorn with --preload) starts from
        # nothing under its own name: the parent writes its own counts.
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.flush)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self.totals = Totals()
        self.pid = os.getpid()
        self.host = socket.gethostname().replace("-", "_").replace("/", "_") or "host"
        self.name = f"{self.host}-{self.pid}-{secrets.token_hex(4)}.json"
        self._dirty = False
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> Path:
        return self.directory / self.name

    def observe(self, method: str, status_class: str, route: str, duration: float) -> None:
        with self._lock:
            self.totals.observe(method, status_class, route, duration)
            self._dirty = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._flush_forever, name="civiclab-metrics", daemon=True
                )
                self._thread.start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY)
            # A full disk or a removed folder must not kill the thread: the next try may work.
            with contextlib.suppress(OSError):
                self.flush()

    def flush(self) -> None:
        """Write this process's totals to its file, if anything was counted since the last."""
        with self._lock:
            if not self._dirty or self.pid != os.getpid():
                return
            snapshot = self.totals.to_json()
            self._dirty = False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(
                self.path,
                {"host": self.host, "pid": self.pid, "written_at": time.time(), **snapshot},
            )
        except OSError:
            with self._lock:
                self._dirty = True
            raise


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _process_files(directory: Path) -> list[Path]:
    return sorted(
        path
        for path in directory.glob("*.json")
        if path.name != ARCHIVE and not path.name.startswith(".")
    )


def _owner(path: Path) -> tuple[str, int] | None:
    host, _sep, rest = path.stem.partition("-")
    pid, _sep, _token = rest.partition("-")
    return (host, int(pid)) if pid.isdigit() else None


def collect(directory: Path, host: str | None = None) -> Totals:
    """The sum over every process that ever wrote to ``directory``: the archive of ended
    processes plus each process file. Files of ended processes of ``host`` (this machine by
    default) are first added to the archive and removed, so the folder does not grow with
    every worker restart."""
    directory = Path(directory)
    host = host or socket.gethostname().replace("-", "_").replace("/", "_") or "host"
    with _locked(directory):
        archive_data = _read(directory / ARCHIVE) or {}
        archive = Totals.from_json(archive_data)
        absorbed = set(archive_data.get("absorbed", []))
        live: list[Totals] = []
        newly: list[Path] = []
        for path in _process_files(directory):
            if path.name in absorbed:  # archived, then interrupted before its removal
                path.unlink(missing_ok=True)
                continue
            data = _read(path)
            if data is None:
                continue
            totals = Totals.from_json(data)
            owner = _owner(path)
            if owner is not None and owner[0] == host and not _pid_alive(owner[1]):
                archive.add(totals)
                newly.append(path)
            else:
                live.append(totals)
        if newly:
            # The names go into the archive with its counts, in one atomic write; the files
            # go after. A crash in between leaves files the next scrape skips and removes.
            still_there = {p.name for p in _process_files(directory)}
            names = sorted((absorbed & still_there) | {p.name for p in newly})
            _write_atomically(directory / ARCHIVE, {**archive.to_json(), "absorbed": names})
            for path in newly:
                path.unlink(missing_ok=True)
        total = archive.copy()
        for totals in live:
            total.add(totals)
        return total
