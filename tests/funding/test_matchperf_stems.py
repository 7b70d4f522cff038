"""PyStemmer (C) gives the stems of snowballstemmer's pure-Python Snowball stemmers."""

from __future__ import annotations

import pytest
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.french_stemmer import FrenchStemmer

from civiclab.core import textprep

Stemmer = pytest.importorskip("Stemmer")

# Grant and civic words in both languages, with the endings Snowball treats specially.
_TEXT = """
housing houses housed affordable affordability rehabilitation rehabilitate rehabilitating
neighborhoods neighbourhood blighted blight vacancies vacant demolition demolished cities
community communities communal program programs programming eligibility eligible
applicants applying applied application resilience resilient flooding floods stormwater
mitigation transportation transit pedestrians bicycles broadband digital literacy seniors
students violence prevention intervention families generously happily skies dying lying
news agreed feed exceedingly proceed succeeding outing canning inning earring herring
logement logements habitations habitation éducation écoles école mobilité transports
aménagement aménagements collectivités jeunesse sécurité santé inondations résilience
numérique œuvre oeuvres subventions subventionné financement financements communautés
quartiers quartier rénovation rénovations vétusté insalubres insalubrité élèves étudiantes
"""
WORDS = _TEXT.split()


@pytest.mark.parametrize(
    ("language", "pure"), [("english", EnglishStemmer), ("french", FrenchStemmer)]
)
def test_pystemmer_stems_as_the_pure_python_stemmer(language: str, pure: type) -> None:
    compiled = Stemmer.Stemmer(language)
    python = pure()
    assert [compiled.stemWord(w) for w in WORDS] == [python.stemWord(w) for w in WORDS]


def test_textprep_stems_with_pystemmer() -> None:
    assert isinstance(textprep._english, Stemmer.Stemmer)
    english, french = EnglishStemmer(), FrenchStemmer()
    for word in (textprep.fold(w) for w in WORDS):
        expected = english.stemWord(word)
        french_stem = textprep.fold(french.stemWord(word))
        assert textprep.stems(word)[0] == expected
        assert textprep.stems(word)[-1] == (expected if len(word) < 3 else french_stem)
