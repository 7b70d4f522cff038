"""PostgreSQL tsvector literals of prepared text (pure: no Django), so that whoever
prepares an index's rows — ``core.fulltext`` itself, or a catalogue import's reading process
(``funding.catalogue.prefetch``) — computes exactly the vector ``to_tsvector`` would."""

from __future__ import annotations

import re
from collections.abc import Sequence

# The weight letters, highest first (core.fulltext's WEIGHTS name their ranking weights).
WEIGHT_LETTERS = ("A", "B", "C", "D")

# PostgreSQL's limits on a tsvector's positions (tsearch/ts_type.h): positions above
# MAXENTRYPOS - 1 count as it, and a lexeme keeps at most MAXNUMPOS - 1 of them.
_MAX_POSITION = (1 << 14) - 1
_MAX_POSITIONS = 256 - 1
_LAST_POSITION = str(_MAX_POSITION)
_PREPARED_TEXT = re.compile(r"[a-z0-9 ]*")
# "<position><weight>" for every position and weight, built once (the literal's parts).
_POSITION_TEXT = {
    weight: [
        f"{position}{weight if weight != 'D' else ''}" for position in range(_MAX_POSITION + 1)
    ]
    for weight in WEIGHT_LETTERS
}


def tsvector_literal(texts: Sequence[str], weights: Sequence[str]) -> str:
    """The tsvector PostgreSQL computes for ``setweight(to_tsvector('simple', text), w) || …``
    over ``texts`` (prepared terms, ``[a-z0-9]+`` separated by spaces) and their weights, as a
    literal. As PostgreSQL does: each text's terms are numbered from 1, a term keeps at most
    255 positions per text, positions stop at 16,383, and each text's positions follow the
    highest one kept before it. One difference: a term with more than 255 positions across
    the texts keeps 255 (``||`` keeps 256, a literal cannot hold more than 255)."""
    for text in texts:
        if not _PREPARED_TEXT.fullmatch(text):
            raise ValueError("index texts are prepared terms: [a-z0-9]+ separated by spaces")
    merged = _positions_uncapped(texts, weights)
    if merged is None:
        merged = _positions_capped(texts, weights)
    return " ".join(f"{term}:{','.join(found)}" for term, found in merged.items())


def _positions_uncapped(
    texts: Sequence[str], weights: Sequence[str]
) -> dict[str, list[str]] | None:
    """Each term's positions when no cap applies (the common case, and a quarter of the
    cost of ``_positions_capped``); None when one would."""
    merged: dict[str, list[str]] = {}
    offset = 0
    for text, weight in zip(texts, weights, strict=True):
        names = _POSITION_TEXT[weight]
        words = text.split()
        if offset + len(words) >= _MAX_POSITION:
            return None
        for position, term in enumerate(words, offset + 1):
            found = merged.get(term)
            if found is None:
                merged[term] = [names[position]]
            else:
                found.append(names[position])
        offset += len(words)
    if any(len(found) >= _MAX_POSITIONS for found in merged.values()):
        return None
    return merged


def _positions_capped(texts: Sequence[str], weights: Sequence[str]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    offset = 0
    for text, weight in zip(texts, weights, strict=True):
        names = _POSITION_TEXT[weight]
        kept: dict[str, int] = {}
        at_last: set[str] = set()
        position = highest = 0
        for term in text.split():
            if position < _MAX_POSITION:
                position += 1
            count = kept.get(term, 0)
            if count >= _MAX_POSITIONS:
                continue
            if position == _MAX_POSITION:
                if term in at_last:
                    continue
                at_last.add(term)
            kept[term] = count + 1
            highest = position
            shifted = min(position + offset, _MAX_POSITION)
            found = merged.get(term)
            if found is None:
                merged[term] = [names[shifted]]
            elif len(found) < _MAX_POSITIONS and not found[-1].startswith(_LAST_POSITION):
                found.append(names[shifted])
        offset = min(offset + highest, _MAX_POSITION)
    return merged
