"""PURE (no Django): why a passage matched — the words and phrases it shares with the query,
and the facts its object shares (category, indicators), in plain data a page translates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from civiclab.exchange.similarity.text import Terms

# A reason shows at most this many shared words and phrases.
MAX_WORDS = 6
MAX_PHRASES = 3


@dataclass(frozen=True)
class Why:
    """What a match shares with the query: ``words`` and ``phrases`` (as written in the
    query), ``category`` (the priority area both have, or None), ``indicators`` (names), and
    ``meaning`` — the score by meaning was high enough on its own (e.g. across languages)."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    category: str | None = None
    indicators: tuple[str, ...] = field(default=())
    meaning: bool = False

    def as_list(self) -> list[str]:
        """The reasons as short English phrases (the CLI's and the API's ``why``)."""
        out: list[str] = []
        if self.category:
            out.append(f"same priority area: {self.category}")
        if self.indicators:
            out.append("shared indicators: " + ", ".join(self.indicators))
        if self.phrases:
            out.append("shared phrases: " + ", ".join(self.phrases))
        if self.words:
            out.append("shared words: " + ", ".join(self.words))
        if self.meaning:
            out.append("similar meaning")
        return out


def shared(query: Terms, passage: Terms) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words (rarest in the query first, then alphabetical) and the phrases the two
    texts share, as written in the query."""
    common = [term for term in query.counts if term in passage.counts]
    words = sorted({query.words[term] for term in common}, key=lambda w: (len(w) < 5, w))
    phrases = sorted(
        f"{query.words.get(a, a)} {query.words.get(b, b)}"
        for a, b in query.phrases & passage.phrases
    )
    return tuple(words[:MAX_WORDS]), tuple(phrases[:MAX_PHRASES])


def explain(
    query: Terms,
    passage: Terms,
    *,
    cosine: float,
    min_cosine: float,
    category: str | None = None,
    indicators: Iterable[str] = (),
) -> Why:
    """Why ``passage`` matched ``query``."""
    words, phrases = shared(query, passage)
    return Why(
        words=words,
        phrases=phrases,
        category=category,
        indicators=tuple(sorted(indicators)),
        meaning=cosine >= min_cosine,
    )
