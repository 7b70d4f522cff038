"""PURE: log records that carry the id of the request they were written in, as plain text or
one JSON object per line (``CIVICLAB_LOG_FORMAT``).

The request middleware (``core/request_tracking.py``) sets :data:`request_id` for the time of a
request; :class:`RequestIdFilter`, on the handler, copies it onto every record, whichever
logger wrote it, so the lines of one request can be found together (and, through the
``X-Request-ID`` header, matched with the reverse proxy's log).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request this code runs for; None outside a request (the worker, a command).
request_id: ContextVar[str | None] = ContextVar("civiclab_request_id", default=None)

# An id a proxy or client sent is kept only if it cannot break a log line or a header.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# What every LogRecord has; anything else on a record was passed with ``extra=`` and is data.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


def request_id_from(header: str | None) -> str:
    """The id of a request: the ``X-Request-ID`` it came with, if well formed (at most 64
    letters, digits, dots, underscores and hyphens), else a new random one."""
    if header and VALID_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on each record (``record.request_id``, None outside a
    request). Set on the handler so records of every logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class PlainFormatter(logging.Formatter):
    """``2025-01-31 12:00:00,123 INFO civiclab.request [3f2a…] message``: ``-`` outside a
    request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get() or "-"
        return super().format(record)


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (ISO-8601, UTC), ``level``, ``logger``, ``message``,
    ``request_id``, the fields given with ``extra=`` (the access line's method, path, status…),
    and ``exception`` (the traceback's text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": rid if rid not in (None, "-") else request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra value json cannot write (a date, a path) is still written.
        return json.dumps(entry, ensure_ascii=False, default=str)
