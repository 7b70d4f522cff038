"""Shared output for management commands: JSON with --json, readable lines otherwise."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser


class ResultCommand(BaseCommand):
    """A command that produces a result: ``--json`` prints it as one JSON object."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def emit(self, options: dict[str, Any], result: Any, text: str) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            self.stdout.write(text)


def command_error(exc: ValidationError) -> CommandError:
    """One readable line from a model ValidationError."""
    if hasattr(exc, "error_dict"):
        parts = [
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in exc.message_dict.items()
        ]
        return CommandError("; ".join(parts))
    return CommandError(" ".join(exc.messages))
