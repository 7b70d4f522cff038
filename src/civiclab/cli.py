"""The ``civiclab`` command: a few commands that work before Django loads, the rest dispatched
to Django management commands (so ``civiclab X`` and ``python -m civiclab X`` are the same)."""

from __future__ import annotations

import os
import sys

from civiclab import __version__

USAGE = f"""civiclab {__version__} — platform for city innovation teams

usage: civiclab COMMAND [options]

Getting started:
  demo        create and seed a demo network, then serve it on 127.0.0.1:8000
  serve       run the production web server (gunicorn, static files included)
  migrate     create or update the database tables
  check       check the database, migrations and data directory

Network:
  city        add and list cities (civiclab city add SLUG --name … --country …)
  adduser     add a user to a city with a role
  token       create, list and revoke API tokens

Other:
  compiletranslations  compile the .po catalogues to .mo (no GNU gettext needed)
  export_openapi       write the API's OpenAPI document to tests/data/openapi.json
  version     print the version
  help        this text; `civiclab COMMAND --help` for a command's options

Settings come from CIVICLAB_* environment variables (docs/configuration.md).
"""

# Commands that demo mode changes before Django reads its settings.
# DEBUG stays off: Django's debug pages would list every URL pattern (and settings) to anyone
# who opens an unknown address; WhiteNoise serves the static files either way.
_DEMO_DEFAULTS = {"CIVICLAB_EMAIL_BACKEND": "console"}


def _fail(message: str, code: int = 1) -> int:
    print(f"civiclab: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command in ("help", "-h", "--help"):
        print(USAGE, end="")
        return 0
    if command in ("version", "--version"):
        print(__version__)
        return 0
    if command == "demo":
        for key, value in _DEMO_DEFAULTS.items():
            os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiclab.settings")
    return _run_django(["civiclab", *args])


def _run_django(argv: list[str]) -> int:
    from civiclab.config import ConfigError

    try:
        import django
        from django.core.management import execute_from_command_line

        django.setup()
    except ConfigError as exc:
        return _fail(f"configuration: {exc}", 2)
    except Exception as exc:  # settings that cannot load: say which, not a traceback
        return _fail(f"could not start: {exc}", 2)

    from django.db import DatabaseError

    try:
        execute_from_command_line(argv)
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _fail(f"database: {first_line} (is it reachable and migrated? try `civiclab check`)")
    except Exception as exc:
        if os.environ.get("CIVICLAB_DEBUG", "").lower() in ("1", "true", "yes", "on"):
            raise
        return _fail(f"{type(exc).__name__}: {exc}")
    return 0
