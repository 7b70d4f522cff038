"""Scoped reads of indicators."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civiclab.core.scoping import actor_for, rule_ids, visible_to
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.models import Indicator


def visible_indicators(user: Any) -> QuerySet[Indicator]:
    """The indicators ``user`` may see: their own visibility allows it *and* their dataset is
    visible to them now. An indicator shows its dataset's numbers, so narrowing the dataset
    later narrows every indicator over it, on every page and API route, with no 403 that
    would tell that it exists."""
    actor = actor_for(user)

    def rule() -> QuerySet[Indicator]:
        return visible_to(Indicator.objects.all(), user).filter(
            dataset__in=visible_datasets(user).values("pk")
        )

    return rule_ids(Indicator, ("indicators.visible", actor), rule).select_related(
        "city", "city__network", "dataset", "dataset__city", "dataset__current_version", "owner"
    )


def may_view_indicator(user: Any, indicator: Indicator | None) -> bool:
    """Whether ``user`` may see ``indicator`` (the same rule as :func:`visible_indicators`)."""
    return indicator is not None and visible_indicators(user).filter(pk=indicator.pk).exists()
