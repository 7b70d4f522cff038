"""The demo's cross-language match rests on one ranking rule: a long query's terms are cut to
its MAX_QUERY_TERMS rarest, and the rarest of all are those only the query's own passage (or
its own city's) holds — excluded from the results anyway. Only terms found in an allowed
passage count, so a term shared with another city's work is never crowded out."""

from __future__ import annotations

import numpy as np

from civiclab.exchange.similarity.ranking import MAX_QUERY_TERMS, PassageIndex, ranked


def test_terms_only_the_excluded_passages_hold_do_not_crowd_out_the_shared_ones() -> None:
    own = " ".join(f"unique{n}" for n in range(MAX_QUERY_TERMS + 5))
    shared = "vacant"
    index = PassageIndex.build(
        [None, None, None, None],
        [f"{own} {shared}", f"{shared} lot", f"{shared} house", "library hours"],
    )
    query = {term: 1 for term in f"{own} {shared}".split()}
    allowed = np.asarray([False, True, True, True])
    hits = [row for row, _score in ranked(index, None, query, allowed, 10)]
    assert hits[:2] == [1, 2] or hits[:2] == [2, 1]
    assert 3 not in hits
    # Without ``allowed``, BM25 alone would give the candidates nothing.
    assert index.bm25(query)[1] == 0
    assert index.bm25(query, allowed)[1] > 0
