"""alerts routes (see funding/api/__init__.py)."""

from ninja import Router

router = Router()
