"""The `civiclab reports` sub-command(s) of this area (a placeholder until it is built)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError


def add_parser(sub: Any, name: str) -> None:
    parser = sub.add_parser(name, help="(being built)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(action: str, options: dict[str, Any]) -> tuple[Any, str]:
    raise CommandError(f"'{action}' is being built.")
