"""The base of every domain error, so the API answers any app's errors without knowing them.

Django-free: pure sub-packages (``datasets/ingest``, ``indicators/engine``…) may raise them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class DomainError(Exception):
    """A request the domain refuses: ``status`` and ``code`` say how the API answers, the
    message says why in words a person can act on, ``details`` carries what a client needs
    (the bad rows, the offending field)."""

    status: int = 422
    code: str = "invalid"

    def __init__(self, message: str = "", *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.details = details


# An app whose refusals carry their words as a template (to be translated and filled in the
# reader's language) says how to read them here; the API answers with ``reader_message``.
_TRANSLATORS: list[Callable[[DomainError], str | None]] = []


def add_translator(translate: Callable[[DomainError], str | None]) -> None:
    """Register ``translate``: the message of an error it knows (``None`` for the others)."""
    if translate not in _TRANSLATORS:
        _TRANSLATORS.append(translate)


def reader_message(exc: DomainError) -> str:
    """The error's message in the reader's language (its own words when no app translates)."""
    for translate in _TRANSLATORS:
        text = translate(exc)
        if text is not None:
            return text
    return str(exc)
