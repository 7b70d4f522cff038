"""The worker's discussions digest (to be imported by ``exchange/tasks.py``, which the worker
discovers)."""

from __future__ import annotations

from huey import crontab

from civiclab.core.jobqueue import db_periodic_task


# Daily at 07:00 UTC (huey schedules in UTC): yesterday's posts, before the working day.
@db_periodic_task(crontab(hour="7", minute="0"))
def send_discussion_digests() -> None:
    """Email each person their unread discussion posts and mentions."""
    from civiclab.exchange.services.discussions_digest import send_digests

    send_digests()
