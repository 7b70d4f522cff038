"""PURE: metrics in Prometheus's text exposition format (version 0.0.4), written by hand.

civiclab exposes a dozen metrics; the format is a few lines per family, so a client library
(and its per-process registry, which does not add up across gunicorn workers without a
multiprocess mode of its own) is not worth a dependency. Each family is written with its
``# HELP`` and ``# TYPE`` lines, label values escaped, and histogram buckets cumulative with
a final ``+Inf`` bucket equal to ``_count``, as the format requires.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")

Labels = Mapping[str, str]


@dataclass(frozen=True)
class Sample:
    """One line: the family's name plus ``suffix`` (``_bucket``, ``_sum``, ``_count`` or
    nothing), its labels and its value."""

    suffix: str
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass
class Family:
    """A metric family: what ``# HELP`` and ``# TYPE`` announce, then its samples."""

    name: str
    type: str
    help: str
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not METRIC_NAME.fullmatch(self.name):
            raise ValueError(f"not a metric name: {self.name!r}")
        if self.type not in TYPES:
            raise ValueError(f"not a metric type: {self.type!r}")

    def add(self, value: float, labels: Labels | None = None, suffix: str = "") -> None:
        pairs = tuple((labels or {}).items())
        for name, _value in pairs:
            if not LABEL_NAME.fullmatch(name) or name.startswith("__"):
                raise ValueError(f"not a label name: {name!r}")
        self.samples.append(Sample(suffix, pairs, float(value)))

    def add_histogram(
        self,
        bounds: Sequence[float],
        counts: Sequence[float],
        total: float,
        labels: Labels | None = None,
    ) -> None:
        """Add one histogram: ``counts[i]`` observations fell at or under ``bounds[i]`` and above
        the bound before it (not yet cumulative); observations above every bound are
        ``count - sum(counts)``, passed as a last element of ``counts``."""
        if len(counts) != len(bounds) + 1:
            raise ValueError("counts needs one element per bound and one for +Inf")
        base = dict(labels or {})
        running = 0.0
        for bound, count in zip([*bounds, math.inf], counts, strict=True):
            running += count
            self.add(running, {**base, "le": format_value(bound)}, "_bucket")
        self.add(total, base, "_sum")
        self.add(running, base, "_count")


def format_value(value: float) -> str:
    """A sample value as the format writes it: whole numbers without a decimal point."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def render(families: Iterable[Family]) -> str:
    """The exposition text of ``families``, each once, in the order given."""
    lines: list[str] = []
    seen: set[str] = set()
    for family in families:
        if family.name in seen:
            raise ValueError(f"metric family {family.name} written twice")
        seen.add(family.name)
        lines.append(f"# HELP {family.name} {escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for sample in family.samples:
            labels = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in sample.labels)
            braces = f"{{{labels}}}" if labels else ""
            lines.append(f"{family.name}{sample.suffix}{braces} {format_value(sample.value)}")
    return "\n".join(lines) + "\n"
