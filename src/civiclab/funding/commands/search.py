"""``civiclab funding search QUERY`` and ``civiclab funding match --challenge ID``.

With ``--json`` both print a list of objects with at least ``opportunity_id``, ``number``,
``title``, ``close_date``, ``eligibility`` (``eligible``, ``possible`` or ``ineligible``) and
``reasons``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError


def run_search(options: dict[str, Any]) -> tuple[Any, str]:
    raise CommandError("not built yet")


def run_match(options: dict[str, Any]) -> tuple[Any, str]:
    raise CommandError("not built yet")
