"""The worker's notification tasks (found by ``civiclab worker``): the daily milestone sweep
and the daily digest e-mail."""

from __future__ import annotations

from huey import crontab

from civiclab.core.jobqueue import db_periodic_task


# Daily at 06:45 UTC (huey schedules in UTC): after the nudges' sweep, before the digests.
@db_periodic_task(crontab(hour="6", minute="45"))
def sweep_slipping_milestones() -> None:
    """Tell the owners of milestones that started slipping (once per change)."""
    from civiclab.notifications.services import sweep_milestones

    sweep_milestones()


# Daily at 07:15 UTC: one e-mail per person with notifications they asked to receive by mail.
@db_periodic_task(crontab(hour="7", minute="15"))
def send_notification_digests() -> None:
    """E-mail each person their pending notifications."""
    from civiclab.notifications.digest import send_digests

    send_digests()
