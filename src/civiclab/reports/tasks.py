"""The worker's reports tasks (``civiclab worker`` finds this module by itself): each area's
tasks live in ``background/<area>.py``, imported here so that the worker registers them."""

from __future__ import annotations

from civiclab.reports.background import (  # noqa: F401
    capacity,
    dashboard,
    keyfacts,
    nudges,
    packs,
    public,
)
