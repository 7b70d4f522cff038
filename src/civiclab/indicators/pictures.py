"""A breakdown as pictures for the indicator page and the builder's preview: the ranked bars
and the small multiples of ``engine.breakdown_chart``, each with its one-sentence description
in the reader's language (numbers and periods formatted as the reader writes them).

The points come from the indicator's own series (``services.results`` or the preview's
``services.compute``): a reader who may not see the indicator never reaches this code, so
nothing here widens what is visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from civiclab.indicators.engine.breakdown_chart import (
    RankedBars,
    SmallMultiples,
    ranked_bars,
    small_multiples,
)
from civiclab.indicators.engine.evaluate import Point
from civiclab.indicators.labels import number, period_words


def as_points(rows: Sequence[dict[str, Any]]) -> list[Point]:
    """The cached series' dicts (``services.results``) as points."""
    return [
        Point(r["period"], r["value"], r["n"] or 0, r.get("group"), other=r.get("other", False))
        for r in rows
    ]


def group_name(group: str | None, other: bool) -> str:
    if other:
        return _("Other (the smaller groups)")
    if group is None:
        return _("(no value)")
    return group


def _amount(value: float | None, unit: str) -> str:
    return f"{number(value)} {unit}" if unit else number(value)


def ranking_words(ranked: RankedBars, column: str, unit: str) -> str:
    """One sentence: who is best and worst in the latest period, the gap, the city-wide value."""
    when = period_words(ranked.period) if ranked.period else ""
    if ranked.best is None or ranked.worst is None:
        sentence = _("Values per %(column)s, ranked from best to worst.") % {"column": column}
        if when:
            sentence = _("Values per %(column)s in %(period)s, ranked from best to worst.") % {
                "column": column,
                "period": when,
            }
    else:
        values = {
            "column": column,
            "period": when,
            "best": group_name(ranked.best.group, False),
            "best_value": _amount(ranked.best.value, unit),
            "worst": group_name(ranked.worst.group, False),
            "worst_value": _amount(ranked.worst.value, unit),
            "gap": _amount(ranked.difference, unit),
        }
        if when:
            sentence = (
                _(
                    "By %(column)s in %(period)s, %(best)s has the best value "
                    "(%(best_value)s) and %(worst)s the worst (%(worst_value)s): a gap of "
                    "%(gap)s."
                )
                % values
            )
        else:
            sentence = (
                _(
                    "By %(column)s, %(best)s has the best value (%(best_value)s) and "
                    "%(worst)s the worst (%(worst_value)s): a gap of %(gap)s."
                )
                % values
            )
        if ranked.ratio is not None:
            sentence += " " + _("The worst is %(ratio)s times the best.") % {
                "ratio": number(ranked.ratio)
            }
    if ranked.overall is not None:
        sentence += " " + _("City-wide: %(value)s.") % {"value": _amount(ranked.overall, unit)}
    return sentence


def multiples_words(multiples: SmallMultiples, column: str, unit: str) -> str:
    return _(
        "One small run chart per %(column)s from %(first)s to %(last)s, all on the same scale "
        "(%(low)s to %(high)s)."
    ) % {
        "column": column,
        "first": period_words(multiples.periods[0]),
        "last": period_words(multiples.periods[-1]),
        "low": _amount(multiples.low, unit),
        "high": _amount(multiples.high, unit),
    }


# Measures whose city-wide value is the groups' total, not a value like theirs: no city-wide
# reference is drawn across their bars (it would dwarf every group).
ADDITIVE = {"count", "count_distinct", "sum"}


def breakdown_pictures(
    breakdown: Sequence[Point],
    overall: Sequence[Point],
    *,
    lower_is_better: bool,
    column: str,
    unit: str,
    measure: str = "",
) -> dict[str, Any]:
    """The context of ``indicators/partials/breakdown_pictures.html`` (empty without rows).

    ``measure`` is the spec's measure type: for a count or a sum the city-wide value is not
    compared with the groups'."""
    reference = () if measure in ADDITIVE else overall
    ranked = ranked_bars(breakdown, reference, lower_is_better)
    if ranked is None:
        return {}
    keys = [(bar.group, bar.other) for bar in ranked.bars]
    multiples = small_multiples(breakdown, keys)
    rows = [
        {
            "bar": bar,
            "name": group_name(bar.group, bar.other),
            "versus_city": (
                bar.value - ranked.overall
                if bar.value is not None and ranked.overall is not None
                else None
            ),
        }
        for bar in ranked.bars
    ]
    return {
        "ranked": ranked,
        "ranked_rows": rows,
        "ranking_words": ranking_words(ranked, column, unit),
        "multiples": multiples,
        "multiples_named": (
            [(m, group_name(m.group, m.other)) for m in multiples.multiples] if multiples else []
        ),
        "multiples_words": multiples_words(multiples, column, unit) if multiples else "",
        "picture_column": column,
        "picture_unit": unit,
    }
