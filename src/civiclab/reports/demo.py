"""Delivery and impact's demo story (issue 15's "done when"), through the same services as the
pages: each area seeds its part in ``demo_<area>`` functions called here, in order.

Run after every other app's demo (the dashboard, packs, public pages and key facts read what
they seeded). Idempotent: each step is skipped when its object exists.
"""

from __future__ import annotations

from importlib import import_module

# Each area's demo module and its seeding function: seed() -> list[str] (what it made).
AREA_DEMOS = (
    "civiclab.reports.demo_nudges",
    "civiclab.reports.demo_packs",
    "civiclab.reports.demo_public",
    "civiclab.reports.demo_capacity",
)


def seed_demo_reports() -> list[str]:
    made: list[str] = []
    for name in AREA_DEMOS:
        made += import_module(name).seed()
    return made
