"""library routes."""

from ninja import Router

router = Router()
