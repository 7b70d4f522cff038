"""The worker's tasks for this area (reports/tasks.py imports this module): the daily sweep."""

from __future__ import annotations

from huey import crontab

from civiclab.core.jobqueue import db_periodic_task


# Daily at 06:30 UTC (huey schedules in UTC), before the discussions' digest and the day's work.
@db_periodic_task(crontab(hour="6", minute="30"))
def sweep_nudges() -> None:
    """Nudge the owners of what became due or overdue since yesterday (once per change)."""
    from civiclab.reports.services.nudges import sweep

    sweep()
