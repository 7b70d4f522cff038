"""The worker's daily digest (imported by ``funding/tasks.py``, which the worker discovers)."""

from __future__ import annotations

from huey import crontab

from civiclab.core.jobqueue import db_periodic_task


# Daily at 06:30 UTC (huey schedules in UTC), after the catalogue's sync: changes are read
# from the history an import writes, so a sync that runs late is told the next day, not lost.
@db_periodic_task(crontab(hour="6", minute="30"))
def send_funding_digests() -> None:
    """Build every saved search's digest and email those who asked."""
    from civiclab.funding.services.alerts import build_digests

    build_digests()
