"""``civiclab funding import FILE``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError


def run_import(options: dict[str, Any]) -> tuple[Any, str]:
    raise CommandError("not built yet")
