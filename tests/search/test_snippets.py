"""The snippet (pure): the words around the first match, the matches marked."""

from __future__ import annotations

from civiclab.core.textprep import query_words
from civiclab.search.snippets import snippet


def _terms(query: str) -> set[str]:
    return {t for w in query_words(query) for t in w.terms}


def test_an_inflected_and_capitalised_word_is_marked() -> None:
    parts = snippet("Blighted homes drag down whole blocks.", _terms("blight"))
    assert parts[0] == ("Blighted", True)
    assert "".join(text for text, _m in parts) == "Blighted homes drag down whole blocks."


def test_french_plurals_and_accents_are_marked() -> None:
    parts = snippet("Les écoles et les logements du quartier.", _terms("ecole logement"))
    assert [text for text, matched in parts if matched] == ["écoles", "logements"]


def test_a_late_match_is_shown_with_the_words_before_it_cut() -> None:
    text = "word " * 100 + "blight at the end"
    parts = snippet(text, _terms("blight"), width=60)
    assert parts[0] == ("… ", False)
    assert ("blight", True) in parts
    assert len("".join(t for t, _m in parts)) <= 70


def test_no_match_starts_at_the_beginning_and_empty_text_is_nothing() -> None:
    assert snippet("Nothing here", _terms("blight")) == [("Nothing here", False)]
    assert snippet("   ", _terms("blight")) == []
