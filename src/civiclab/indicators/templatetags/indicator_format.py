"""``{% load indicator_format %}``: an indicator's numbers and periods in the reader's language
(``value|indicator_number`` → "1 234,5" in French; ``period|period_words`` → "mars 2024")."""

from __future__ import annotations

from typing import Any

from django import template

from civiclab.indicators import labels

register = template.Library()


@register.filter
def indicator_number(value: Any) -> str:
    return labels.number(value)


@register.filter
def period_words(period: str | None) -> str:
    return labels.period_words(period)


@register.filter
def svg_hundredths(fraction: float | None) -> str:
    """A fraction (0 to 1) in a 0-100 viewBox, always with a dot: SVG attributes must not be
    localized ("12.5", never "12,5")."""
    return f"{(fraction or 0.0) * 100:.2f}"


@register.filter
def svg_number(value: float | None) -> str:
    return f"{value or 0.0:.1f}"


@register.filter
def svg_points(points: list[tuple[float, float]]) -> str:
    """A polyline's points attribute ("4.0,12.5 20.0,8.0")."""
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
