"""discussions routes."""

from ninja import Router

router = Router()
