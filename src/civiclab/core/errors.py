"""The base of every domain error, so the API answers any app's errors without knowing them.

Django-free: pure sub-packages (``datasets/ingest``, ``indicators/engine``…) may raise them."""

from __future__ import annotations

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
