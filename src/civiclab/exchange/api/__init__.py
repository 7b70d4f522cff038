"""REST routes of the exchange, under /api/v1/exchange/: one module per area."""

from ninja import Router

from civiclab.exchange.api import (
    cases,
    convenings,
    directory,
    discussions,
    forks,
    library,
    metrics,
    similar,
)

router = Router()
router.add_router("", cases.router)
router.add_router("", library.router)
router.add_router("", similar.router)
router.add_router("", forks.router)
router.add_router("", metrics.router)
router.add_router("", discussions.router)
router.add_router("", convenings.router)
router.add_router("", directory.router)
