"""The worker's evaluation tasks: analyses run here, never in a request."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task


@db_task
def run_analysis(result_id: int) -> None:
    """Compute one queued result (its state and progress are kept on the row)."""
    from civiclab.evaluation.services.analysis import run_result

    run_result(result_id)
