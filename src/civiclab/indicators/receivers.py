"""What indicators do when ``datasets`` announces something (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from civiclab.datasets.models import Dataset


def recompute_on_new_version(sender: type[Dataset], dataset: Dataset, **kwargs: Any) -> None:
    """A dataset has a new current version: its indicators are recomputed in the background."""
    # Imported here: the task module loads huey, which commands that never queue work skip.
    from civiclab.indicators.tasks import refresh_indicators

    refresh_indicators(dataset.pk)
