"""The whole demo seeded as ``civiclab demo`` does, for the exchange's done-when tests (the
page tests and the browser test)."""

from __future__ import annotations

import time
from typing import Any

from civiclab.exchange.queries import similar as similar_queries


def seed_whole_demo() -> dict[str, Any]:
    """Every app's demo in the order of ``civiclab demo``; returns what the exchange made and
    how long its seed took."""
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.evaluation.demo import seed_demo_evaluations
    from civiclab.exchange.demo import seed_demo_exchange
    from civiclab.funding.demo import seed_demo_funding
    from civiclab.geo.demo import seed_demo_geo
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.portfolio.demo import seed_demo_portfolio

    similar_queries.forget_index()  # the ranking index is cached per process
    seed_demo()
    seed_demo_datasets()
    seed_demo_geo()
    seed_demo_indicators()
    seed_demo_portfolio()
    seed_demo_evaluations()
    seed_demo_funding()
    started = time.perf_counter()
    made = seed_demo_exchange()
    seconds = time.perf_counter() - started
    return {"made": made, "seconds": seconds}
