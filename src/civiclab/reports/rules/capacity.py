"""The capacity self-assessment's computation, Django-free: a city's scores against the
network's (median and percentile, withheld below a minimum number of cities) and the radar
chart that draws them, as inline SVG.

The comparison never reveals another city's scores: it only returns aggregates (the median,
the city's percentile) over at least ``MIN_CITIES`` cities, the city's own included.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

# The seven elements of innovation capacity (Bloomberg Philanthropies' "Equipt to Innovate").
ELEMENTS: tuple[str, ...] = (
    "dynamically_planned",
    "broadly_partnered",
    "resident_involved",
    "race_informed",
    "smartly_resourced",
    "employee_engaged",
    "data_driven",
)
SCORE_MIN, SCORE_MAX = 1, 5
# Below five cities a median or a percentile says too much about too few: with three cities, a
# city's percentile and the median nearly give away the two others' scores. Five is the smallest
# group for which the network's middle is not one identifiable neighbour's answer plus noise.
MIN_CITIES = 5


def median(values: Sequence[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile_rank(value: float, values: Sequence[float]) -> int:
    """Where ``value`` stands among ``values`` (which include it), 0–100: the share of values
    below it plus half the share equal to it (ties share the middle of their rank)."""
    if not values:
        raise ValueError("percentile among nothing")
    below = sum(1 for v in values if v < value)
    equal = sum(1 for v in values if v == value)
    return round(100 * (below + equal / 2) / len(values))


def overall(scores: Mapping[str, float]) -> float:
    """A city's overall score: the mean of its seven elements' scores."""
    return sum(scores[e] for e in ELEMENTS) / len(ELEMENTS)


@dataclass(frozen=True)
class Comparison:
    """A city's place in its network one year. ``withheld``: fewer than ``MIN_CITIES`` cities
    submitted (``median``, ``percentile`` and ``overall_percentile`` are then None)."""

    cities: int
    withheld: bool
    median: dict[str, float] | None
    percentile: dict[str, int] | None
    overall_percentile: int | None
    overall_median: float | None


def compare(city: Mapping[str, int], network: Sequence[Mapping[str, int]]) -> Comparison:
    """``city``'s scores against ``network`` (every submitting city's scores, ``city``'s own
    included): per element and overall. Withheld below ``MIN_CITIES`` cities."""
    complete = [n for n in network if all(e in n for e in ELEMENTS)]
    if len(complete) < MIN_CITIES or any(e not in city for e in ELEMENTS):
        return Comparison(len(complete), True, None, None, None, None)
    medians = {e: median([n[e] for n in complete]) for e in ELEMENTS}
    ranks = {e: percentile_rank(city[e], [n[e] for n in complete]) for e in ELEMENTS}
    overalls = [overall(n) for n in complete]
    return Comparison(
        cities=len(complete),
        withheld=False,
        median=medians,
        percentile=ranks,
        overall_percentile=percentile_rank(overall(city), overalls),
        overall_median=median(overalls),
    )


# --- The radar chart ------------------------------------------------------------------------

SIZE = 360
CENTRE = SIZE / 2
RADIUS = 120
# Room on each side for the axes' labels (French ones run long: "Engagement des agents").
MARGIN = 170


def _point(index: int, value: float, count: int) -> tuple[float, float]:
    """The point of axis ``index`` (of ``count``, the first pointing up) at ``value``."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    r = RADIUS * value / SCORE_MAX
    return round(CENTRE + r * math.cos(angle), 1), round(CENTRE + r * math.sin(angle), 1)


def _polygon(values: Sequence[float], css: str) -> str:
    points = " ".join(
        f"{x},{y}" for x, y in (_point(i, v, len(values)) for i, v in enumerate(values))
    )
    return f'<polygon class="{css}" points="{points}"/>'


def _anchor(x: float) -> str:
    if abs(x - CENTRE) < 1:
        return "middle"
    return "start" if x > CENTRE else "end"


def radar_svg(
    labels: Sequence[tuple[str, str]],
    city: Mapping[str, float],
    network_median: Mapping[str, float] | None,
    *,
    title: str,
    description: str,
    city_label: str,
    median_label: str,
) -> str:
    """The radar chart of ``city``'s scores (and the network's median when given): one axis
    per element of ``labels`` ((code, label) pairs), rings at each score, an accessible title
    and description. Texts are escaped; the caller shows the same numbers as a table too."""
    count = len(labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-{MARGIN} -10 {SIZE + 2 * MARGIN} '
        f'{SIZE + 20}" '
        'class="capacity-radar" role="img" aria-labelledby="capacity-radar-title '
        'capacity-radar-desc">',
        f'<title id="capacity-radar-title">{escape(title)}</title>',
        f'<desc id="capacity-radar-desc">{escape(description)}</desc>',
    ]
    for ring in range(SCORE_MIN, SCORE_MAX + 1):
        parts.append(_polygon([ring] * count, "ring"))
    for index, (_code, label) in enumerate(labels):
        x, y = _point(index, SCORE_MAX, count)
        parts.append(f'<line class="axis" x1="{CENTRE}" y1="{CENTRE}" x2="{x}" y2="{y}"/>')
        lx, ly = _point(index, SCORE_MAX + 0.5, count)
        parts.append(
            f'<text class="label" x="{lx}" y="{ly}" text-anchor="{_anchor(lx)}" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
    if network_median is not None:
        parts.append(_polygon([network_median[c] for c, _l in labels], "median"))
    parts.append(_polygon([city[c] for c, _l in labels], "city"))
    legend_y = SIZE + 4
    parts.append(f'<rect class="city" x="-80" y="{legend_y - 9}" width="12" height="12"/>')
    parts.append(f'<text class="legend" x="-62" y="{legend_y}">{escape(city_label)}</text>')
    if network_median is not None:
        parts.append(f'<rect class="median" x="120" y="{legend_y - 9}" width="12" height="12"/>')
        parts.append(f'<text class="legend" x="138" y="{legend_y}">{escape(median_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
