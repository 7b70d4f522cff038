"""The worker's tasks for this area (reports/tasks.py imports this module): a review pack
rendered as PDF, never in a web request."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task


@db_task
def render_pack_pdf(job_id: int) -> None:
    """Render one queued pack PDF (its state is kept on the ``PackPdf`` row)."""
    from civiclab.reports.services.packs import render_job

    render_job(job_id)
