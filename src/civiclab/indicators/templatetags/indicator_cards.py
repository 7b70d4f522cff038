"""``{% indicator_card indicator user %}``: an indicator's latest value, goal and spark chart,
to embed on any page (challenges, solutions, the indicator list).

The card shows nothing of an indicator the user may not see (the indicator or its dataset):
it renders a neutral "not shared with you" card instead, without the name or a link.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ValidationError

from civiclab.datasets.engine import QueryError
from civiclab.datasets.filters.language import SpecError
from civiclab.indicators import services
from civiclab.indicators.engine.chart import chart_data
from civiclab.indicators.engine.runchart import point_signals
from civiclab.indicators.engine.spec import parse_spec
from civiclab.indicators.labels import progress_words, status_label, y_label
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import may_view_indicator

# The same labels as the indicator's own page.

register = template.Library()


def may_see(user: Any, indicator: Indicator | None) -> bool:
    """What the indicator page requires: the rule of ``visible_indicators`` (the indicator and
    its dataset, with the dataset's own sources, are visible to the user now)."""
    return may_view_indicator(user, indicator)


@register.inclusion_tag("indicators/partials/card.html")
def indicator_card(indicator: Indicator | None, user: Any) -> dict[str, Any]:
    """The context of one card; ``visible`` is False and nothing else is set when the user may
    not see the indicator."""
    if indicator is None or not may_see(user, indicator):
        return {"visible": False}
    try:
        result = services.report(indicator)
        spec = parse_spec(indicator.spec)
    except (SpecError, ValidationError, QueryError):
        return {"visible": True, "indicator": indicator, "failed": True}
    overall = result["series"]["overall"]
    run_chart = result["run_chart"]
    goal = result["goal"]
    unit = y_label(spec)
    return {
        "visible": True,
        "indicator": indicator,
        "failed": bool(result["error"]),
        "unit": unit,
        "goal": goal,
        "status": goal.status,
        "status_label": status_label(goal.status),
        "progress_words": progress_words(goal, unit),
        "signal_count": len(run_chart.signals),
        "chart": chart_data(
            [p["period"] for p in overall],
            [p["value"] for p in overall],
            median=run_chart.median,
            target=indicator.target_value,
            signal_points={i for s in point_signals(run_chart.signals) for i in s.points},
            title=indicator.name,
            y_label=unit,
        ),
        "chart_id": f"indicator-card-{indicator.pk}",
    }
