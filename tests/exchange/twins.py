"""The cross-language figure on the EN/FR twins of tests/data/exchange/twins (SOURCE.md): each
French text queries the English texts through the same ranking as the panel
(``similarity.ranking.ranked``); a hit is its English twin ranked first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from civiclab.exchange.similarity.ranking import PassageIndex, ranked, vector_bytes
from civiclab.exchange.similarity.text import content_terms, stored_terms

TWINS = Path(__file__).resolve().parents[1] / "data" / "exchange" / "twins" / "twins.json"


def load_twins() -> list[dict[str, str]]:
    return list(json.loads(TWINS.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Figure:
    queries: int
    first: int

    @property
    def share(self) -> float:
        return self.first / self.queries


def top1_share(twins: list[dict[str, str]], english: Any, french: Any) -> Figure:
    """How many French queries rank their English twin first; ``english``/``french``: the
    embeddings (n × 384), or None for the keyword ranking alone."""
    index = PassageIndex.build(
        [vector_bytes(v) for v in english] if english is not None else [None] * len(twins),
        [stored_terms(content_terms(t["en"])) for t in twins],
    )
    allowed = np.ones(len(twins), dtype=bool)
    first = 0
    for number, twin in enumerate(twins):
        vector = french[number] if french is not None else None
        hits = ranked(index, vector, content_terms(twin["fr"]).counts, allowed, depth=10)
        first += bool(hits) and hits[0][0] == number
    return Figure(len(twins), first)
