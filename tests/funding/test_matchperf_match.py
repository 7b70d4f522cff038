"""A match chooses its candidates by the challenge's rare words and ranks them with all."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civiclab.funding import matching
from civiclab.funding.matching import QueryWord, choosing
from civiclab.funding.search import match
from tests.funding.search_helpers import TODAY, opportunity
from tests.portfolio import factories
from tests.world import World


def word(name: str, frequency: int, rows: int = 80_000) -> QueryWord:
    return QueryWord(name, (name,), 1.0, frequency, rows)


def test_rare_words_choose_the_candidates() -> None:
    words = [word("community", 40_000), word("blight", 300), word("vacant", 7_000),
             word("demolition", 8_000), word("program", 30_000)]  # fmt: skip
    assert [w.word for w in choosing(words)] == ["blight", "vacant", "demolition"]


def test_without_enough_rare_words_the_rarest_choose() -> None:
    words = [word("community", 40_000), word("program", 30_000), word("funds", 9_000),
             word("applicants", 20_000)]  # fmt: skip
    assert [w.word for w in choosing(words)] == ["funds", "applicants", "program"]


def test_in_a_small_catalogue_every_word_is_rare() -> None:
    words = [word("community", 900, rows=1_000), word("program", 1_000, rows=1_000)]
    assert choosing(words) == words


@pytest.mark.django_db
def test_common_words_rank_but_do_not_choose(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "RARE_ROWS", 0)
    monkeypatch.setattr(matching, "RARE_SHARE", 0.5)
    monkeypatch.setattr(matching, "RARE_WORDS_AT_LEAST", 1)
    blight = opportunity(title="Blight removal", description="For the whole community.")
    for n in range(4):
        opportunity(title=f"Community garden {n}", description="Community centres.")
    opportunity(title="Fisheries observers")
    challenge = factories.challenge(
        world.city, title="Blight", problem_statement="Community", priority_area="other"
    )
    matches = match(world.user("member"), challenge, today=TODAY)
    assert [m.opportunity.pk for m in matches] == [blight.pk]
    assert sorted(matches[0].terms) == ["blight", "community"]


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_candidates(world: World) -> None:
    challenge = factories.challenge(
        world.city, title="Blighted lots", problem_statement="Vacant homes", priority_area="other"
    )
    member = world.user("member")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert match(member, challenge, today=TODAY)
        return len(captured)

    for n in range(3):
        opportunity(title=f"Vacant homes {n}", description="Blighted lots.")
    queries()  # the first match also writes what is made once (the city's profile)
    few = queries()
    for n in range(25):
        opportunity(title=f"Vacant homes and lots {n}", description="Blighted lots.")
    assert queries() == few
