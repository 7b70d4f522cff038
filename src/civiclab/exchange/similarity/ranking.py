"""PURE (no Django): ranking passages by meaning and by words, and fusing the two rankings.

- **meaning**: cosine similarity of L2-normalised embeddings — one matrix product over every
  stored passage (brute force: 50,000 × 384 float32 is 77 MB and a few milliseconds);
- **words**: BM25 over the passages' content terms (``text.content_terms``), from an inverted
  index built once per set of passages;
- **fusion**: reciprocal-rank fusion (Cormack et al. 2009), which needs no calibration between
  a cosine and a BM25 score: each ranking gives ``1 / (RRF_K + rank)``.

A passage is a candidate only if it shares a content term with the query or its meaning is
close (``MIN_COSINE``): stop words are not content terms, so two texts that share only stop
words are not similar, and a query with no content term finds nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:
    np = lazy_module("numpy")

DIMENSIONS = 384
RRF_K = 60
# multilingual-e5's cosines are compressed: on the twins of tests/data/exchange/twins, texts
# about different things score 0.78 (median) to 0.83 (95th percentile) and translations 0.90
# (median). A match by meaning alone (no shared word, e.g. across languages) needs at least this.
MIN_COSINE = 0.84
BM25_K1 = 1.2
BM25_B = 0.75
# A long query (a challenge's whole text) is scored on its rarest terms only: the common ones
# cost the most (their postings are long) and weigh the least (their IDF is low).
MAX_QUERY_TERMS = 24


def vector_bytes(vector: npt.NDArray[np.float32]) -> bytes:
    """An embedding as a passage row stores it: little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_of(data: bytes) -> npt.NDArray[np.float32]:
    """The stored bytes back as a vector (a wrong length is no vector: ValueError)."""
    if len(data) != DIMENSIONS * 4:
        raise ValueError(f"an embedding has {DIMENSIONS} float32 values, not {len(data) / 4}")
    return np.frombuffer(data, dtype="<f4")


@dataclass
class PassageIndex:
    """The stored passages, ready to rank: ``vectors`` (n × 384, zero rows for passages not yet
    embedded) and an inverted index of their terms: per term, its passages and their BM25
    weights (``tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))``, computed once) and its IDF."""

    vectors: npt.NDArray[np.float32]
    postings: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], float]]
    has_terms: npt.NDArray[np.bool_]
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = int(self.has_terms.shape[0])

    @classmethod
    def build(cls, vectors: Sequence[bytes | None], terms: Sequence[str]) -> PassageIndex:
        """From each passage's stored embedding (or None) and stored terms."""
        n = len(terms)
        matrix = np.zeros((n, DIMENSIONS), dtype=np.float32)
        for row, data in enumerate(vectors):
            if data:
                matrix[row] = vector_of(bytes(data))
        docs: dict[str, list[int]] = {}
        freqs: dict[str, list[float]] = {}
        lengths = np.zeros(n, dtype=np.float32)
        for row, stored in enumerate(terms):
            counts: dict[str, int] = {}
            for term in stored.split():
                counts[term] = counts.get(term, 0) + 1
            lengths[row] = sum(counts.values())
            for term, count in counts.items():
                docs.setdefault(term, []).append(row)
                freqs.setdefault(term, []).append(float(count))
        mean_length = float(lengths.mean()) if n else 1.0
        norms = BM25_K1 * (1 - BM25_B + BM25_B * lengths / (mean_length or 1.0))
        postings = {}
        for term, rows in docs.items():
            at = np.asarray(rows, dtype=np.int64)
            tf = np.asarray(freqs[term], dtype=np.float32)
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            postings[term] = (at, (tf * (BM25_K1 + 1) / (tf + norms[at])).astype(np.float32), idf)
        return cls(matrix, postings, lengths > 0)

    def cosine(self, vector: npt.NDArray[np.float32] | None) -> npt.NDArray[np.float32]:
        """Each passage's cosine with ``vector`` (zeros without one)."""
        if vector is None:
            return np.zeros(self.size, dtype=np.float32)
        # einsum runs in one thread: BLAS's threads gain nothing on this memory-bound product
        # and lose much on a server whose cores are busy serving requests.
        scores: npt.NDArray[np.float32] = np.einsum(
            "ij,j->i", self.vectors, np.asarray(vector, dtype=np.float32)
        )
        return scores

    def bm25(
        self, query_counts: dict[str, int], allowed: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.float32]:
        """Each passage's BM25 score for the query's terms — its ``MAX_QUERY_TERMS`` rarest
        (0: no term shared). With ``allowed``, only terms found in an allowed passage count:
        a term only the query's own passage (or its own city's) holds is the rarest of all,
        and would otherwise take the place of the terms it shares with the candidates."""
        scores = np.zeros(self.size, dtype=np.float32)
        found = [
            posting
            for term in query_counts
            if (posting := self.postings.get(term)) is not None
            and (allowed is None or bool(allowed[posting[0]].any()))
        ]
        found.sort(key=lambda posting: -posting[2])
        for rows, weights, idf in found[:MAX_QUERY_TERMS]:
            scores[rows] += idf * weights
        return scores


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = RRF_K
) -> list[tuple[int, float]]:
    """(item, fused score), best first: each ranking (items best first) gives ``1/(k+rank)``.
    Rankings come in order of trust: a tie (e.g. two items each first in one ranking) goes to
    the item the first ranking puts higher, then to the lower item, so the order is stable."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    first = {item: rank for rank, item in enumerate(rankings[0])} if rankings else {}
    unranked = len(first)
    return sorted(fused.items(), key=lambda pair: (-pair[1], first.get(pair[0], unranked), pair[0]))


def _top(rows: npt.NDArray[np.int64], scores: npt.NDArray[np.float32], depth: int) -> list[int]:
    """The ``depth`` rows of ``rows`` with the highest ``scores`` (indexed by row), best first."""
    sub = scores[rows]
    top = min(depth, int(rows.size))
    if not top:
        return []
    best = np.argpartition(-sub, top - 1)[:top]
    order = best[np.argsort(-sub[best], kind="stable")]
    return [int(row) for row in rows[order]]


def ranked(
    index: PassageIndex,
    vector: npt.NDArray[np.float32] | None,
    query_counts: dict[str, int],
    allowed: npt.NDArray[np.bool_],
    depth: int,
) -> list[tuple[int, float]]:
    """The passages (rows) most similar to the query, best first, at most ``depth``: those of
    ``allowed`` that share a content term with it or are close in meaning, ranked by each side
    and fused. A query without content terms finds nothing; without a ``vector`` (no model),
    the words alone rank."""
    if not query_counts or not index.size:
        return []
    cosine = index.cosine(vector)
    keyword = index.bm25(query_counts, allowed)
    close = cosine >= MIN_COSINE if vector is not None else np.zeros(index.size, dtype=bool)
    rows = np.flatnonzero(allowed & index.has_terms & ((keyword > 0) | close))
    if not rows.size:
        return []
    # Meaning first: on a tie it is trusted over the words (it reads across languages).
    rankings = [_top(rows, cosine, depth)] if vector is not None else []
    rankings.append(_top(rows[keyword[rows] > 0], keyword, depth))
    return reciprocal_rank_fusion(rankings)[:depth]
