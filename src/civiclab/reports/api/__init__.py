"""REST routes of delivery and impact, under /api/v1/reports/: one module per area."""

from ninja import Router

from civiclab.reports.api import capacity, dashboard, keyfacts, nudges, packs, public

router = Router()
router.add_router("", dashboard.router)
router.add_router("", packs.router)
router.add_router("", nudges.router)
router.add_router("", public.router)
router.add_router("", keyfacts.router)
router.add_router("", capacity.router)
