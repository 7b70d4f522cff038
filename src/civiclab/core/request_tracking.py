"""Each request's id, its access line and its place in the request metrics.

One middleware, early in ``settings.MIDDLEWARE`` (right after Django's SecurityMiddleware), so
that every later middleware, the view and whatever they log run with the request's id set:

- the id is the incoming ``X-Request-ID`` when a proxy set a well-formed one (so the proxy's
  log and civiclab's share it), else a new one; it is sent back in ``X-Request-ID``;
- one line per request on the ``civiclab.request`` logger (INFO): method, path without the
  query string (which may hold tokens or personal search terms), status, duration, route,
  user id, client address;
- the request counted and timed in ``core/http_metrics.py``, labelled by the route's name,
  never its raw path (a path can be anything a client sends: one series per path would grow
  without bound).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from civiclab.core.http import client_ip
from civiclab.core.http_metrics import ProcessRecorder
from civiclab.core.logs import request_id, request_id_from

logger = logging.getLogger("civiclab.request")

HEADER = "X-Request-ID"
# A method outside these is a client's invention: counted as "other", so it adds no series.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Scrapes of /metrics are not traffic: counting them would make an idle site look busy.
UNCOUNTED_ROUTES = {"site:metrics"}


def recorder() -> ProcessRecorder:
    """This process's request counters, written under ``<data dir>/run/metrics/``: the data
    directory of *now* (a test that points the settings elsewhere for a while must not leave
    the counters behind in its folder, where /metrics never looks again)."""
    return _recorder_in(Path(metrics_dir()))


@cache
def _recorder_in(directory: Path) -> ProcessRecorder:
    return ProcessRecorder(directory)


def metrics_dir() -> Any:
    return settings.DATA_DIR / "run" / "metrics"


def route_of(request: HttpRequest) -> str:
    """A bounded label for what the request asked for: the URL pattern's name (``namespace:
    name``), ``static`` for static files, ``unmatched`` for anything else."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return str(match.view_name)
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def user_id_of(request: HttpRequest) -> int | None:
    """The signed-in user's id, if the request already looked up who made it. Not looked up
    here: that would add a database query to requests that never needed one (static files,
    /healthz)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user.is_authenticated else None


def printable(text: str) -> str:
    """``text`` with control characters escaped: a path is percent-decoded, and a ``%0A`` in it
    must not start a forged line in a plain-text log."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class RequestTrackingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request.headers.get(HEADER))
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response[HEADER] = rid
            self.record(request, response, duration, rid)
        finally:
            request_id.reset(token)
        return response

    def record(
        self, request: HttpRequest, response: HttpResponse, duration: float, rid: str
    ) -> None:
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        status = response.status_code
        if route not in UNCOUNTED_ROUTES:
            recorder().observe(str(method), f"{status // 100}xx", route, duration)
        path = printable(request.path)
        user = user_id_of(request)
        duration_ms = round(duration * 1000, 1)
        logger.info(
            "%s %s %s %.1fms route=%s user=%s client=%s",
            printable(str(request.method)),
            path,
            status,
            duration_ms,
            route,
            user if user is not None else "-",
            client_ip(request) or "-",
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "route": route,
                "user_id": user,
                "client": client_ip(request),
            },
        )
