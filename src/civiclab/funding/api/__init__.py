"""REST routes of the funding navigator, under /api/v1/funding/: one module per area."""

from ninja import Router

from civiclab.funding.api import alerts, catalogue, pipeline, search

router = Router()
router.add_router("", catalogue.router)
router.add_router("", search.router)
router.add_router("", pipeline.router)
router.add_router("", alerts.router)
