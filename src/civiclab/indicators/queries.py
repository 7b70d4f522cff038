"""Scoped reads of indicators."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civiclab.core.scoping import visible_to
from civiclab.indicators.models import Indicator


def visible_indicators(user: Any) -> QuerySet[Indicator]:
    return visible_to(Indicator.objects.all(), user).select_related(
        "city", "city__network", "dataset", "dataset__city", "dataset__current_version", "owner"
    )
