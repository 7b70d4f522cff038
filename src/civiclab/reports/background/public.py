"""The worker's tasks for this area (reports/tasks.py imports this module): the results
brief's PDF, rendered with WeasyPrint away from the web requests."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task


@db_task
def render_brief_task(brief_id: int) -> str:
    from civiclab.reports.services.public import render_brief

    return render_brief(brief_id)
