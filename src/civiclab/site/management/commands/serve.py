"""``civiclab serve``: the production web server (gunicorn; WhiteNoise serves static files)."""

from __future__ import annotations

import hashlib
import os
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


def control_socket(data_dir: Path) -> Path:
    """gunicorn's control socket for the server of ``data_dir``: one per data directory.

    gunicorn's default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl), so a second
    server of the same user (another installation, a test, the demo) would take over the
    first one's socket, and ``gunicornc`` would manage the wrong server. Inside the data
    directory when the path fits a socket address; else in the user's runtime directory,
    named by a digest of the data directory, so it is still one per data directory."""
    inside = data_dir / "run" / "gunicorn.ctl"
    if len(os.fsencode(inside)) <= MAX_SOCKET_PATH:
        return inside
    digest = hashlib.sha256(os.fsencode(data_dir.resolve())).hexdigest()[:16]
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
        str(control_socket(Path(settings.DATA_DIR))),
    ]


def static_sources_digest() -> str:
    """A digest of every static source file's name, size and modification time (what
    ``collectstatic`` would collect), and of the civiclab version."""
    from django.contrib.staticfiles.finders import get_finders

    from civiclab import __version__

    digest = hashlib.sha256(__version__.encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: found[0]):
            info = os.stat(storage.path(path))
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static() -> None:
    """Collect (hash and compress) the static files unless those collected are already
    the current ones: compressing them all takes minutes on a small server, and a server
    restarted after a crash should answer again in seconds."""
    root = Path(settings.STATIC_ROOT)
    stamp = root / ".collected"
    current = static_sources_digest()
    if stamp.is_file() and stamp.read_text() == current and (root / "staticfiles.json").is_file():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(current)


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
