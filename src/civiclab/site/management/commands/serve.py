"""``civiclab serve``: the production web server (gunicorn; WhiteNoise serves static files)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civiclab.site.management.commands.check import check_migrations

# A Unix socket's path must fit in sun_path (108 bytes on Linux, 104 on macOS, with its NUL).
MAX_SOCKET_PATH = 100


def control_socket(data_dir: Path, port: int) -> Path:
    """gunicorn's control socket for the server of ``data_dir`` on this machine and ``port``.

    gunicorn's default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl), so a second
    server of the same user (another installation, a test, the demo) would take over the
    first one's socket, and ``gunicornc`` would manage the wrong server. Several servers of one
    installation share its data directory (two on one machine, or machines on one shared
    folder), so the name also holds the machine's name and the port: gunicorn removes whatever
    is at its path when it starts and stops. Inside the data directory when the path fits a
    socket address; else in the user's runtime directory, named by a digest of all three."""
    server = f"{socket.gethostname()}-{port}"
    inside = data_dir / "run" / f"gunicorn-{server}.ctl"
    if len(os.fsencode(inside)) <= MAX_SOCKET_PATH:
        return inside
    digest = hashlib.sha256(os.fsencode(data_dir.resolve()) + server.encode()).hexdigest()[:16]
    runtime = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(runtime) / f"civiclab-{os.getuid()}" / f"gunicorn-{digest}.ctl"


def gunicorn_argv(host: str, port: int, workers: int, timeout: int) -> list[str]:
    """The gunicorn command line of ``civiclab serve`` for this installation's data directory."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "civiclab.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        # No gunicorn access log: civiclab writes its own line per request (civiclab.request,
        # core/request_tracking.py) with the request id, route, user and duration, in the
        # CIVICLAB_LOG_FORMAT of every other line. gunicorn's error log stays on stderr.
        "--control-socket",
        str(control_socket(Path(settings.DATA_DIR), port)),
    ]


# What the last complete collection was of: in <data dir>/run, as WhiteNoise would serve it
# from STATIC_ROOT.
STATIC_STAMP = "static-collected.json"


def static_sources() -> str:
    """A digest of every static file the finders see (name, size, modification time) and of
    the storage that collects them: it changes when the code's static files change."""
    from django.contrib.staticfiles.finders import get_finders

    entries = [settings.STORAGES["staticfiles"]["BACKEND"]]
    for finder in get_finders():
        for name, storage in finder.list(["CVS", ".*", "*~"]):
            info = os.stat(storage.path(name))
            prefix = getattr(storage, "prefix", None) or ""
            entries.append(f"{prefix}/{name}\t{info.st_size}\t{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def collect_static() -> bool:
    """Collect the static files into STATIC_ROOT unless they are there already from the same
    sources; True when it collected. Compressing them takes most of a minute of CPU, and the
    servers of one installation start from one data directory (a restart, a second server)."""
    run_dir = Path(settings.DATA_DIR) / "run"
    run_dir.mkdir(exist_ok=True)
    stamp = run_dir / STATIC_STAMP
    # Servers of one installation share its static folder: one collects at a time, else one
    # deletes a file the other is rewriting. The lock goes when the file closes.
    with open(run_dir / "collectstatic.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sources = static_sources()
        try:
            collected = json.loads(stamp.read_text()).get("sources") == sources
        except (OSError, ValueError):
            collected = False  # no stamp, or a damaged one
        # The manifest too: the static folder may have been deleted since ("safe to delete").
        if collected and (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            return False
        stamp.unlink(missing_ok=True)  # an interrupted collection leaves none
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(json.dumps({"sources": sources}))
        return True


class Command(BaseCommand):
    help = "Run the production web server."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) * 2 + 1))
        parser.add_argument("--timeout", type=int, default=60, help="seconds per request")

    def handle(self, *args: Any, **options: Any) -> None:
        ok, detail = check_migrations()
        if not ok:
            raise CommandError(detail)
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        collect_static()
        argv = gunicorn_argv(
            options["host"], options["port"], options["workers"], options["timeout"]
        )
        self.stdout.write(
            f"civiclab serving http://{options['host']}:{options['port']}/ "
            f"(data in {settings.DATA_DIR})"
        )
        self.stdout.flush()
        # A fresh process, so settings see the static manifest collectstatic just wrote.
        os.execv(sys.executable, argv)
