"""PURE (no Django): text as a full-text index sees it — folded, tokenised, stemmed.

Both database backends (SQLite FTS5 and PostgreSQL, ``core/fulltext.py``) index the text this
module prepares and are queried with the terms it prepares, so they see the same terms:

- **folding**: Unicode NFKD with combining marks removed, then lower case ("Événement" →
  "evenement"); the database's own accent and case handling is never relied on;
- **tokens**: runs of letters and digits. A compound such as ``HUD-FR-6800`` or ``14.218`` is
  indexed as its parts *and* as the parts joined (``hudfr6800``, ``14218``), so that a search
  for the whole number finds exactly it;
- **stop words**: English and French ones are dropped;
- **stems**: the catalogue mixes languages (Grants.gov in English, funds entered by hand often
  in French) and a document's language is not recorded, so every word is indexed as its English
  Snowball stem and, when it differs, its French one; a query word is looked for as either.
  A word then matches its inflections in both languages ("housing" finds "houses",
  "événements" finds "evenement") without guessing a language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

_ENGLISH = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just me more most my myself no nor not of off on
    once only or other our ours ourselves out over own same shall she should so some
    such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves may must within without upon
    per via one
"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH.split())
_FRENCH = """
    au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur
    leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que
    qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y
    est sont ete etre avoir ont a aux ainsi afin dont entre sans sous selon tout tous
    toute toutes
"""
FRENCH_STOP_WORDS = frozenset(_FRENCH.split())
STOP_WORDS = ENGLISH_STOP_WORDS | FRENCH_STOP_WORDS

# A token: letters and digits, possibly joined by "-", ".", "/" or "_" into one compound.
_TOKEN = re.compile(r"[a-z0-9]+(?:[-./_][a-z0-9]+)*")
_PART = re.compile(r"[a-z0-9]+")
# Words longer than this are not words (hashes, pasted data): they are cut, so that one
# document cannot make the index hold arbitrarily long terms.
MAX_TERM_LENGTH = 40

# snowballstemmer hands out PyStemmer's stemmers when PyStemmer is installed (a dependency:
# the same Snowball algorithms compiled, the same stems, 20 to 30 times faster; the tests
# compare the two) and its own pure-Python ones when it is not.
_english = snowballstemmer.stemmer("english")
_french = snowballstemmer.stemmer("french")
# word → its stems (one or two). The vocabulary of a catalogue is small next to its text, so
# each word is stemmed once per process.
_STEMS: dict[str, tuple[str, ...]] = {}
_STEM_CACHE_LIMIT = 500_000


def fold(text: str) -> str:
    """Lower case without accents: NFKD, combining marks dropped ("Œuvre" → "oeuvre")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def stems(word: str) -> tuple[str, ...]:
    """The English stem of a folded word and, when different, its French stem."""
    found = _STEMS.get(word)
    if found is None:
        if word.isdigit() or len(word) < 3:
            found = (word,)
        else:
            english = str(_english.stemWord(word))
            french = fold(str(_french.stemWord(word)))
            found = (english,) if english == french else (english, french)
        if len(_STEMS) < _STEM_CACHE_LIMIT:
            _STEMS[word] = found
    return found


def _join(compound: str) -> str:
    return "".join(_PART.findall(compound))[:MAX_TERM_LENGTH]


def index_terms(text: str) -> str:
    """``text`` as the index stores it: its terms separated by spaces (a compound as its
    parts and as one joined term; every word as its stems in both languages)."""
    # map over the cache's __getitem__: the loop runs in C for the tokens seen before (most).
    return " ".join(filter(None, map(_PREPARED.__getitem__, _TOKEN.findall(fold(text)))))


class _PreparedTokens(dict[str, str]):
    """token → its index terms joined by spaces ("" for a stop word): the same cache as
    _STEMS, one step further, since a catalogue repeats its words many times over."""

    def __missing__(self, token: str) -> str:
        terms = _prepare(token)
        if len(self) < _STEM_CACHE_LIMIT:
            self[token] = terms
        return terms


_PREPARED = _PreparedTokens()


def _prepare(token: str) -> str:
    if token.isalnum():
        return "" if token in STOP_WORDS else " ".join(stems(token[:MAX_TERM_LENGTH]))
    parts = _PART.findall(token)
    found = ["".join(parts)[:MAX_TERM_LENGTH]]
    for part in parts:
        if part not in STOP_WORDS:
            found.extend(stems(part[:MAX_TERM_LENGTH]))
    return " ".join(found)


@dataclass(frozen=True)
class QueryWord:
    """A word of a query: as typed (folded), and the index terms any of which it matches."""

    word: str
    terms: tuple[str, ...]


def query_words(text: str, limit: int | None = None) -> list[QueryWord]:
    """The words of a query, each with its alternative terms; a compound ("14.218") is looked
    for as its joined term only; stop words and repeats are dropped; at most ``limit``."""
    seen: set[str] = set()
    out: list[QueryWord] = []
    for token in _TOKEN.findall(fold(text)):
        parts = _PART.findall(token)
        if len(parts) > 1:
            joined = "".join(parts)[:MAX_TERM_LENGTH]
            word = QueryWord(joined, (joined,))
        else:
            part = parts[0][:MAX_TERM_LENGTH]
            if part in STOP_WORDS:
                continue
            word = QueryWord(part, stems(part))
        if word.word in seen:
            continue
        seen.add(word.word)
        out.append(word)
        if limit is not None and len(out) >= limit:
            break
    return out


@dataclass
class TermUse:
    """An index term found in a text: how often, and a word of the text it came from (what a
    reader is shown, since a stem is not a word)."""

    count: int
    word: str


def document_terms(texts: Iterable[str]) -> dict[str, TermUse]:
    """The index terms of ``texts`` (a query built from a document: a challenge's text, for
    matching), with their counts and the words they came from; stop words dropped."""
    found: dict[str, TermUse] = {}
    for text in texts:
        for token in _TOKEN.findall(fold(text)):
            for part in _PART.findall(token):
                if part in STOP_WORDS or len(part) < 3:
                    continue
                for term in stems(part[:MAX_TERM_LENGTH]):
                    use = found.get(term)
                    if use is None:
                        found[term] = TermUse(1, part)
                    else:
                        use.count += 1
    return found
