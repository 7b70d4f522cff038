"""PURE: a sparkline as a small inline SVG (no axes, a dot on the latest value).

Empty periods break the line; a flat or single-value series is drawn mid-height. The SVG has
``role="img"`` and a ``<title>`` (escaped) so screen readers announce it."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 96, 24, 2.0


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def points(
    values: list[float | None], width: int = WIDTH, height: int = HEIGHT
) -> list[list[tuple[float, float]]]:
    """The line's segments in SVG coordinates (a None value ends a segment)."""
    present = [v for v in values if v is not None]
    if not present:
        return []
    low, high = min(present), max(present)
    span = high - low
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = height / 2 if span == 0 else height - PAD - (value - low) / span * (height - 2 * PAD)
        current.append((PAD + i * step, y))
    if current:
        segments.append(current)
    return segments


def sparkline_svg(
    values: list[float | None], label: str, width: int = WIDTH, height: int = HEIGHT
) -> str:
    """The SVG markup ('' when there is no value): ``label`` is its accessible title."""
    segments = points(values, width, height)
    if not segments:
        return ""
    lines = []
    for segment in segments:
        if len(segment) == 1:
            x, y = segment[0]
            lines.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="1.2"/>')
        else:
            path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in segment)
            lines.append(f'<polyline points="{path}"/>')
    x, y = segments[-1][-1]
    return (
        f'<svg class="sparkline" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{''.join(lines)}"
        f'<circle class="latest" cx="{_fmt(x)}" cy="{_fmt(y)}" r="2"/></svg>'
    )
