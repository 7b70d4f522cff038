"""The background job queue (huey), made on first use.

huey (and the Redis client it imports) is only loaded by code that queues or runs jobs, so
commands such as ``civiclab ingest`` start without it. ``settings.HUEY`` says which storage:
a SQLite file in the data directory, or Redis when ``CIVICLAB_REDIS_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from django.conf import settings
from django.db import close_old_connections


@cache
def queue() -> Any:
    from huey.utils import load_class

    config: dict[str, Any] = settings.HUEY
    huey_class = load_class(config["huey_class"])
    return huey_class(config["name"], immediate=config["immediate"], **config["connection"])


def _fresh_connections(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if not queue().immediate:
            close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            if not queue().immediate:
                close_old_connections()

    return run


def db_task(fn: Callable[..., Any]) -> Any:
    """A task that uses the database: stale connections are closed around each run, since a
    worker thread outlives many requests' worth of connection timeouts."""
    return queue().task()(_fresh_connections(fn))


def db_periodic_task(schedule: Callable[..., bool]) -> Callable[[Callable[..., Any]], Any]:
    """A task the worker runs on ``schedule`` (a huey ``crontab``), like ``db_task``."""

    def register(fn: Callable[..., Any]) -> Any:
        return queue().periodic_task(schedule)(_fresh_connections(fn))

    return register
