"""A strict reader of Prometheus's text exposition format (0.0.4), for the tests of /metrics.

Stricter than Prometheus itself where the format says "must": every family announced by
``# HELP`` and ``# TYPE`` before its samples, its samples together, sample names that fit the
type, no label set twice, histogram buckets cumulative with ``+Inf`` equal to ``_count``.
Written here rather than taken from a client library, so that the code under test and the
reader do not share a writer's assumptions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
HELP_LINE = re.compile(rf"# HELP ({NAME}) (.*)")
TYPE_LINE = re.compile(rf"# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)")
SAMPLE_LINE = re.compile(rf"({NAME})(\{{.*\}})? (\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
SUFFIXES = {
    "counter": ("", "_total"),
    "gauge": ("",),
    "untyped": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}


class ExpositionError(AssertionError):
    pass


@dataclass
class ParsedFamily:
    name: str
    type: str = ""
    help: str = ""
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def value(self, name: str | None = None, **labels: str) -> float:
        """The one sample named ``name`` (the family's by default) with exactly ``labels``."""
        found = [v for n, ls, v in self.samples if n == (name or self.name) and ls == labels]
        if len(found) != 1:
            raise KeyError(f"{name or self.name}{labels}: {len(found)} samples")
        return found[0]


def _value(text: str, line: str) -> float:
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    try:
        return float(text)
    except ValueError:
        raise ExpositionError(f"not a value: {line!r}") from None


def _labels(text: str, line: str) -> dict[str, str]:
    if not text:
        return {}
    inner, position, labels = text[1:-1], 0, {}
    while position < len(inner):
        match = LABEL.match(inner, position)
        if not match:
            raise ExpositionError(f"bad labels: {line!r}")
        name, raw = match.group(1), match.group(2)
        if name in labels:
            raise ExpositionError(f"label {name} twice: {line!r}")
        labels[name] = re.sub(
            r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], raw
        )
        position = match.end()
    return labels


def parse(text: str) -> dict[str, ParsedFamily]:
    if not text.endswith("\n"):
        raise ExpositionError("the text must end with a line feed")
    families: dict[str, ParsedFamily] = {}
    current: ParsedFamily | None = None
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for line in text[:-1].split("\n"):
        if match := HELP_LINE.fullmatch(line):
            name = match.group(1)
            if (name in families and families[name].samples) or (
                name in families and families[name].help
            ):
                raise ExpositionError(f"HELP of {name} twice or after its samples")
            current = families.setdefault(name, ParsedFamily(name))
            current.help = match.group(2)
        elif match := TYPE_LINE.fullmatch(line):
            name = match.group(1)
            if name in families and (families[name].type or families[name].samples):
                raise ExpositionError(f"TYPE of {name} twice or after its samples")
            current = families.setdefault(name, ParsedFamily(name))
            current.type = match.group(2)
        elif line.startswith("#"):
            continue  # a comment
        elif match := SAMPLE_LINE.fullmatch(line):
            name = match.group(1)
            if current is None or not current.type:
                raise ExpositionError(f"sample before its family's TYPE: {line!r}")
            suffix = name[len(current.name) :] if name.startswith(current.name) else None
            if suffix not in SUFFIXES[current.type]:
                raise ExpositionError(f"{name} does not belong to {current.name}: {line!r}")
            labels = _labels(match.group(2) or "", line)
            key = (name, tuple(sorted(labels.items())))
            if key in seen:
                raise ExpositionError(f"sample twice: {line!r}")
            seen.add(key)
            current.samples.append((name, labels, _value(match.group(3), line)))
        else:
            raise ExpositionError(f"not a line of the format: {line!r}")
    for family in families.values():
        if family.type == "histogram":
            _check_histogram(family)
    return families


def _check_histogram(family: ParsedFamily) -> None:
    series: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    counts: dict[tuple[tuple[str, str], ...], float] = {}
    for name, labels, value in family.samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        if name.endswith("_bucket"):
            if "le" not in labels:
                raise ExpositionError(f"{name} without le")
            series.setdefault(rest, []).append((_value(labels["le"], name), value))
        elif name.endswith("_count"):
            counts[rest] = value
    for rest, buckets in series.items():
        bounds = [b for b, _v in buckets]
        if bounds != sorted(bounds) or not math.isinf(bounds[-1]):
            raise ExpositionError(f"{family.name}{rest}: buckets unsorted or no +Inf")
        values = [v for _b, v in buckets]
        if values != sorted(values):
            raise ExpositionError(f"{family.name}{rest}: buckets not cumulative")
        if counts.get(rest) != values[-1]:
            raise ExpositionError(f"{family.name}{rest}: +Inf bucket differs from _count")
