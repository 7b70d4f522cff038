"""The text a full-text index sees (core.textprep): pure, no database."""

from __future__ import annotations

from civiclab.core.textprep import document_terms, fold, index_terms, query_words


def test_folding_drops_accents_and_case() -> None:
    assert fold("Événement Œuvre ÇA") == "evenement oeuvre ca"


def test_a_query_without_accents_finds_the_accented_word() -> None:
    """GIVEN "événement" indexed WHEN "evenement" is asked THEN one of its terms is indexed."""
    indexed = set(index_terms("Un événement culturel").split())
    (word,) = query_words("evenement")
    assert indexed.intersection(word.terms)


def test_english_inflections_share_a_stem() -> None:
    indexed = set(index_terms("Affordable houses for families").split())
    (word,) = query_words("housing")
    assert indexed.intersection(word.terms)


def test_french_inflections_share_a_stem() -> None:
    indexed = set(index_terms("Aides aux logements sociaux").split())
    (word,) = query_words("logement")
    assert indexed.intersection(word.terms)
    (social,) = query_words("social")
    assert indexed.intersection(social.terms)


def test_stop_words_of_both_languages_are_dropped() -> None:
    assert query_words("the de les and pour") == []


def test_a_compound_number_is_one_term_and_its_parts() -> None:
    indexed = index_terms("Assistance listing 14.218, HUD-FR-6800").split()
    assert {"14218", "14", "218", "hudfr6800", "6800"} <= set(indexed)
    assert [w.terms for w in query_words("14.218")] == [("14218",)]


def test_document_terms_count_and_keep_a_readable_word() -> None:
    terms = document_terms(["Blighted houses", "blight"])
    assert terms["blight"].count == 2
    assert terms["blight"].word in {"blighted", "blight"}
