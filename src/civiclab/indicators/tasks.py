"""The indicators' background tasks (registered with the queue by ``civiclab worker``)."""

from __future__ import annotations

from civiclab.core.jobqueue import db_task
from civiclab.indicators.services import refresh_dataset_indicators


@db_task
def refresh_indicators(dataset_id: int) -> None:
    """Compute the indicators of a dataset for its new current version."""
    refresh_dataset_indicators(dataset_id)
