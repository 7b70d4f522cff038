"""The ``civiclab`` command: a few commands that work before Django loads, the rest dispatched
to Django management commands (so ``civiclab X`` and ``python -m civiclab X`` are the same)."""

from __future__ import annotations

import ast
import os
import sys
import textwrap
from pathlib import Path

from civiclab import __version__

USAGE_HEAD = f"""civiclab {__version__} — platform for city innovation teams

usage: civiclab COMMAND [options]
"""

USAGE_TAIL = """
Any other Django command works too (`civiclab shell`, `civiclab dbshell`, …).
Settings come from CIVICLAB_* environment variables (docs/configuration.md).
"""

# `civiclab help` lists every management command civiclab's apps define, found on disk and
# described by its own `help`, grouped by app in this order (an app not named here comes last,
# under its own name; apps with the same heading share it). Django's `migrate` is listed with
# civiclab's own start-up commands.
GROUPS = {
    "site": "Running civiclab",
    "core": "Running civiclab",
    "accounts": "People",
    "network": "Network",
    "datasets": "Data",
    "indicators": "Indicators",
    "geo": "Maps and spatial analysis",
    "portfolio": "Portfolio",
    "other": "Other",
}
DJANGO_COMMANDS = {"core": {"migrate": "Create or update the database tables (Django's)."}}
# Answered by this module before Django loads.
OTHER_COMMANDS = {
    "help": "This text; `civiclab COMMAND --help` for a command's options.",
    "version": "Print the version.",
}

# Commands that demo mode changes before Django reads its settings.
# DEBUG stays off: Django's debug pages would list every URL pattern (and settings) to anyone
# who opens an unknown address; WhiteNoise serves the static files either way.
_DEMO_DEFAULTS = {"CIVICLAB_EMAIL_BACKEND": "console"}


def management_commands() -> dict[str, dict[str, str]]:
    """Every management command civiclab's apps define, by app label: {name: one-line help}.

    Read from the command modules' source, not imported, so `civiclab help` answers before
    Django loads; tests/test_cli_help.py checks it against Django's own list and each
    command's ``help``."""
    package = Path(__file__).resolve().parent
    found: dict[str, dict[str, str]] = {}
    for module in sorted(package.glob("*/management/commands/*.py")):
        if module.name.startswith("_"):
            continue
        app = module.parents[2].name
        found.setdefault(app, {})[module.stem] = command_help(module)
    return found


def command_help(module: Path) -> str:
    """The ``help`` of the ``Command`` class in ``module`` (a literal string), else ''."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.ClassDef) and node.name == "Command"):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "help" for target in statement.targets
            ):
                try:
                    value = ast.literal_eval(statement.value)
                except ValueError:
                    return ""
                return value if isinstance(value, str) else ""
    return ""


def usage() -> str:
    """The text of `civiclab help`: the real command list, grouped by app."""
    commands = management_commands()
    for app, extra in DJANGO_COMMANDS.items():
        commands.setdefault(app, {}).update(extra)
    commands["other"] = OTHER_COMMANDS
    apps = [app for app in GROUPS if app in commands] + sorted(set(commands) - set(GROUPS))
    headings: dict[str, dict[str, str]] = {}
    for app in apps:
        headings.setdefault(GROUPS.get(app, app.capitalize()), {}).update(commands[app])
    column = 2 + max(len(name) for listed in commands.values() for name in listed) + 2
    parts = [USAGE_HEAD]
    for heading, listed in headings.items():
        parts.append(f"\n{heading}:\n")
        for name, text in sorted(listed.items()):
            lines = textwrap.wrap(
                " ".join(text.split()),
                width=100,
                initial_indent=f"  {name}".ljust(column),
                subsequent_indent=" " * column,
            )
            parts.append("\n".join(lines or [f"  {name}"]) + "\n")
    parts.append(USAGE_TAIL)
    return "".join(parts)


def _fail(message: str, code: int = 1) -> int:
    print(f"civiclab: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command in ("help", "-h", "--help"):
        print(usage(), end="")
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
