"""PURE (no Django): the few words of a text around the query's first match, with the
matched words marked — as (text, matched) parts a template escapes one by one (no HTML built
here, so nothing in a description can become markup).

A word matches when one of its index terms (``core.textprep``: folded, stemmed in English and
French) is one of the query's terms, so "Blighted" is marked for "blight" and "écoles" for
"ecole".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from civiclab.core.textprep import index_terms

# Characters of a snippet (about two lines).
WIDTH = 180
_WORD = re.compile(r"\w+(?:[-./_]\w+)*")

Part = tuple[str, bool]


def _matches(word: str, terms: frozenset[str]) -> bool:
    return bool(terms.intersection(index_terms(word).split()))


def snippet(text: str, terms: Iterable[str], width: int = WIDTH) -> list[Part]:
    """The ``width`` characters of ``text`` around its first word matching ``terms`` (from the
    start when none does), whitespace collapsed, each matching word a part of its own."""
    text = " ".join(text.split())
    if not text:
        return []
    wanted = frozenset(terms)
    words = list(_WORD.finditer(text[: width * 50]))
    first = next((m for m in words if _matches(m.group(), wanted)), None)
    start = 0
    if first is not None and first.end() > width * 2 // 3:
        start = max(0, first.start() - width // 3)
        # Begin at a word.
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = text[start:end]
    parts: list[Part] = []
    if start > 0:
        parts.append(("… ", False))
    position = 0
    for match in _WORD.finditer(window):
        if _matches(match.group(), wanted):
            if match.start() > position:
                parts.append((window[position : match.start()], False))
            parts.append((match.group(), True))
            position = match.end()
    if position < len(window):
        parts.append((window[position:], False))
    if end < len(text):
        parts.append((" …", False))
    return parts
