"""PURE (no Django): the text of a passage and what it is made of.

A passage is what the embedding model and the keyword ranking read of one object in one
language: its title and its free text, cut to ``MAX_PASSAGE_CHARS``. Its *content terms* are
``core.textprep``'s stems without the stop words — two texts that share only stop words share
no content term, and are not similar (see ``ranking.is_candidate``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from civiclab.core.textprep import (
    ENGLISH_STOP_WORDS,
    FRENCH_STOP_WORDS,
    MAX_TERM_LENGTH,
    STOP_WORDS,
    fold,
    stems,
)

# What one passage holds at most: the model reads 512 tokens (≈ 2,000 characters) per window
# and averages windows; past a few windows a challenge is no longer one topic. Also bounds the
# work one edit asks of the worker.
MAX_PASSAGE_CHARS = 4_000
# A --text query (the API's ?text=, the CLI's --text) is at most this long.
MAX_QUERY_CHARS = 2_000
LANGUAGES = ("en", "fr")

_WORD = re.compile(r"[a-z]+")
_PART = re.compile(r"[a-z0-9]+")


def passage_text(parts: Iterable[str]) -> str:
    """The non-empty ``parts`` (title first), one per line, whitespace tidied, cut to size."""
    lines = [" ".join(part.split()) for part in parts if part and part.strip()]
    return "\n".join(lines)[:MAX_PASSAGE_CHARS]


def guess_language(text: str) -> str:
    """``"fr"`` or ``"en"``: the language whose stop words the text uses more (English on a
    tie, including a text with none). Stop words are the most frequent words of a language, so
    a few sentences are enough to tell English from French."""
    english = french = 0
    for word in _WORD.findall(fold(text)):
        english += word in ENGLISH_STOP_WORDS
        french += word in FRENCH_STOP_WORDS
    return "fr" if french > english else "en"


@dataclass(frozen=True)
class Terms:
    """The content terms of a text: stem → count, stem → a word of the text it came from (what
    a reader is shown), and the stem pairs of consecutive content words (its phrases)."""

    counts: dict[str, int]
    words: dict[str, str]
    phrases: frozenset[tuple[str, str]]

    @property
    def empty(self) -> bool:
        return not self.counts


def content_terms(text: str) -> Terms:
    """The content terms of ``text`` (stop words and words under three letters dropped), as
    ``textprep.document_terms`` finds them, and its phrases: pairs of consecutive content words
    (a stop word between them — "dumping *of* tyres" — does not break a phrase)."""
    counts: dict[str, int] = {}
    words: dict[str, str] = {}
    phrases: set[tuple[str, str]] = set()
    previous: str | None = None
    for part in _PART.findall(fold(text)):
        if part in STOP_WORDS or len(part) < 3:
            continue
        found = stems(part[:MAX_TERM_LENGTH])
        for term in found:
            counts[term] = counts.get(term, 0) + 1
            words.setdefault(term, part)
        first = found[0]
        if previous is not None and previous != first:
            phrases.add((previous, first))
        previous = first
    return Terms(counts=counts, words=words, phrases=frozenset(phrases))


def stored_terms(terms: Terms) -> str:
    """``terms`` as a passage row stores them: each stem repeated by its count."""
    return " ".join(" ".join([term] * count) for term, count in sorted(terms.counts.items()))
