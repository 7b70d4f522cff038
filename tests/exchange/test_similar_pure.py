"""The similarity's pure parts, without a database: text, stop words, ranking, fusion, why."""

from __future__ import annotations

import numpy as np
import pytest

from civiclab.exchange.similarity.ranking import (
    DIMENSIONS,
    PassageIndex,
    ranked,
    reciprocal_rank_fusion,
    vector_bytes,
    vector_of,
)
from civiclab.exchange.similarity.text import (
    MAX_PASSAGE_CHARS,
    content_terms,
    guess_language,
    passage_text,
    stored_terms,
)
from civiclab.exchange.similarity.why import explain


def _index(texts: list[str], vectors: list[bytes | None] | None = None) -> PassageIndex:
    return PassageIndex.build(
        vectors or [None] * len(texts), [stored_terms(content_terms(t)) for t in texts]
    )


def test_stop_words_only_texts_are_not_similar() -> None:
    """GIVEN passages and a query that share only stop words (English and French)
    WHEN ranked, with or without a vector
    THEN nothing matches: stop words are not content terms."""
    index = _index(["The city and the people of the town", "Le budget de la ville et des gens"])
    for query in ("the and of", "le la de et des", "of the and le la"):
        terms = content_terms(query)
        assert terms.empty
        assert ranked(index, None, terms.counts, np.ones(2, dtype=bool), 10) == []
    shared_stop_words = content_terms("the and of the city")
    hits = ranked(index, None, shared_stop_words.counts, np.ones(2, dtype=bool), 10)
    assert [row for row, _ in hits] == [0]  # "city" is a content word, "the/and/of" are not


def test_keyword_ranking_is_stemmed_and_accent_folded() -> None:
    index = _index(["Illegal dumping of tyres", "Événements culturels", "Budget of the library"])
    allowed = np.ones(3, dtype=bool)
    assert [r for r, _ in ranked(index, None, content_terms("evenement").counts, allowed, 5)] == [1]
    assert [r for r, _ in ranked(index, None, content_terms("dumped tyre").counts, allowed, 5)] == [
        0
    ]


def test_meaning_needs_the_cosine_floor_without_a_shared_word() -> None:
    close = np.zeros(DIMENSIONS, dtype=np.float32)
    close[0] = 1.0
    far = np.zeros(DIMENSIONS, dtype=np.float32)
    far[1] = 1.0
    index = _index(["alpha beta", "gamma delta"], [vector_bytes(close), vector_bytes(far)])
    hits = ranked(index, close, content_terms("epsilon").counts, np.ones(2, dtype=bool), 5)
    assert [row for row, _ in hits] == [0]  # cosine 1 passes, cosine 0 does not


def test_reciprocal_rank_fusion_prefers_the_first_ranking_on_a_tie() -> None:
    fused = reciprocal_rank_fusion([[3, 1], [1, 3, 7]])
    assert [item for item, _ in fused] == [3, 1, 7]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert reciprocal_rank_fusion([]) == []


def test_vectors_round_trip_and_refuse_wrong_lengths() -> None:
    vector = np.arange(DIMENSIONS, dtype=np.float32)
    assert np.array_equal(vector_of(vector_bytes(vector)), vector)
    with pytest.raises(ValueError):
        vector_of(b"\0" * 12)


def test_passage_text_and_language() -> None:
    assert passage_text(["  Title ", "", "a   b\nc"]) == "Title\na b c"
    assert len(passage_text(["x" * 10_000])) == MAX_PASSAGE_CHARS
    assert guess_language("Les dépôts sauvages dans les rues de la ville") == "fr"
    assert guess_language("Illegal dumping in the streets of the city") == "en"


def test_why_names_shared_words_and_phrases_as_written_in_the_query() -> None:
    query = content_terms("Illegal dumping on vacant lots")
    passage = content_terms("Vacant lots and illegal dumping of tyres")
    why = explain(query, passage, cosine=0.5, min_cosine=0.84, category="Housing")
    assert set(why.words) == {"illegal", "dumping", "vacant", "lots"}
    assert "illegal dumping" in why.phrases and "vacant lots" in why.phrases
    assert why.as_list()[0] == "same priority area: Housing"
    assert not why.meaning
