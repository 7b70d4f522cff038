"""REST routes of the funding navigator, under /api/v1/funding/."""

from ninja import Router

router = Router()
