"""The file cache of an installation without Redis: Django's, with its clean-up throttled.

Every process on the machine (each gunicorn worker, the job worker, a second ``civiclab serve``)
shares it, unlike Django's per-process memory cache (config.py's ``cache_settings`` says why
that matters).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache


class SharedFileCache(FileBasedCache):
    """Django's FileBasedCache, counting its entries at most once every ``CULL_EVERY_SECONDS``.

    Django lists the whole folder on every write to decide whether to delete some entries:
    about 10 µs per entry here, so 12 ms per write at 5,000 entries, and a dashboard writes one
    entry per indicator reading. Checked twice a minute instead, the folder may pass
    ``MAX_ENTRIES`` by what one process writes in that time before a third is deleted."""

    CULL_EVERY_SECONDS = 30.0

    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self._next_cull = 0.0

    def _cull(self) -> None:
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + self.CULL_EVERY_SECONDS
        super()._cull()  # type: ignore[misc]  # private in django-stubs, there in Django
