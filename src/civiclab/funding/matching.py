"""Opportunities ranked for a challenge or a solution, each with why it matched.

1. **Terms**: the words of the challenge's title (weight 3), problem statement and target
   population (1.5), priority area, its solutions' goals and the names of its indicators (1);
   for a solution its title (3), description and goal (1.5), indicators and its challenge's
   title (1). Each word is worth its weight × (1 + log of its count) × its IDF in the catalogue;
   the 16 best words are the query (rare words say more; a bounded query stays fast).
2. **Candidates**: the 400 best full-text matches of the query's rare words (any of them; a
   rare word occurs in at most a quarter of the catalogue's rows or in at most 1,000; at least
   the three rarest words) among the opportunities the user sees that are open or forecast,
   for the city (eligible or possibly eligible: ineligible ones are left out), not dismissed
   for this challenge (or solution). A challenge's common words match most of the catalogue:
   ranking every one of their matches was what made a match slow.
3. **Score**: relevance (half the index's own rank over the rare words, half the share of the
   whole query's weight the opportunity contains) × a category bonus (one of the priority
   area's Grants.gov categories: × 1.25) × eligibility (eligible 1, possible 0.7) × time
   (closing within a week 0.6, no deadline 0.9, a forecast 0.85) × the team's "not relevant"
   dismissals (sharing the agency of one: × 0.85; sharing a category: × 0.95 each, at least
   0.8). An opportunity in the city's pipeline (an application that is not withdrawn) is
   flagged and listed after the others.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from civiclab.core import fulltext
from civiclab.core.textprep import document_terms, stems
from civiclab.funding.catalogue.eligibility import Status, assess
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES
from civiclab.funding.catalogue.search_terms import (
    CATEGORY_BIT,
    PRIORITY_CATEGORIES,
    codes_in,
    mask,
    passage,
)
from civiclab.funding.labels import reasons_text
from civiclab.funding.models import Application, MatchDismissal, Opportunity
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import profile_for
from civiclab.funding.search import Match, SearchFilters, days_left, filtered
from civiclab.funding.search_index import OPPORTUNITIES

QUERY_WORDS = 16
CANDIDATES = 400
# On PostgreSQL, the matches holding the heaviest words, found from the index alone, before
# the 400 are ranked (core.fulltext.search's ``preselect``): ranking reads each vector.
PRESELECTED = 1_200
# A word in more than this share of the catalogue's rows does not choose candidates. A tenth
# left out words naming a challenge's subject ("blighted", "vacant": a fifth of the benchmark
# extract's rows), and with them most of its best matches; a quarter keeps 15 to 20 of the 20
# best the unbounded ranking found.
RARE_SHARE = 0.25
# A word in at most this many rows chooses them whatever the catalogue's size (ranking that
# many matches is cheap; a small catalogue's words are all "common").
RARE_ROWS = 1_000
# At least this many of the rarest words choose them (a query of common words only).
RARE_WORDS_AT_LEAST = 3
SOURCE_WEIGHTS = {"title": 3.0, "statement": 1.5, "context": 1.0}


@dataclass
class QueryWord:
    word: str
    terms: tuple[str, ...]
    weight: float
    # In how many of the catalogue's rows it occurs (its commonest stem), of how many.
    frequency: int = 0
    rows: int = 0

    @property
    def rare(self) -> bool:
        return self.frequency <= max(RARE_SHARE * self.rows, RARE_ROWS)


def source_texts(challenge: Any, solution: Any = None) -> list[tuple[str, str]]:
    """(weight key, text) of what a challenge or solution says about itself."""
    from civiclab.portfolio.models import PRIORITY_AREAS

    area = str(dict(PRIORITY_AREAS).get(challenge.priority_area, ""))
    area_text = "" if challenge.priority_area == "other" else f"{area} {challenge.priority_area}"
    if solution is not None:
        texts = [
            ("title", solution.title),
            ("statement", solution.description),
            ("statement", solution.goal_statement),
            ("context", challenge.title),
            ("context", area_text.replace("_", " ")),
        ]
        texts += [("context", name) for name in solution.indicators.values_list("name", flat=True)]
        return texts
    texts = [
        ("title", challenge.title),
        ("statement", challenge.problem_statement),
        ("statement", challenge.target_population),
        ("context", area_text.replace("_", " ")),
    ]
    texts += [
        ("context", goal)
        for goal in challenge.solutions.exclude(goal_statement="").values_list(
            "goal_statement", flat=True
        )[:20]
    ]
    names = set(
        challenge.evidence.filter(indicator__isnull=False).values_list("indicator__name", flat=True)
    )
    names |= set(
        challenge.solutions.filter(indicators__isnull=False).values_list(
            "indicators__name", flat=True
        )
    )
    texts += [("context", name) for name in sorted(n for n in names if n)]
    return texts


def query_for(texts: Iterable[tuple[str, str]], limit: int = QUERY_WORDS) -> list[QueryWord]:
    """The most discriminative words of ``texts``, weighted by where they came from and by
    their IDF in the catalogue; words the catalogue does not hold are dropped."""
    weights: dict[str, float] = {}
    counts: dict[str, int] = {}
    for key, text in texts:
        for use in document_terms([text]).values():
            weights[use.word] = max(weights.get(use.word, 0.0), SOURCE_WEIGHTS[key])
            counts[use.word] = counts.get(use.word, 0) + use.count
    if not weights:
        return []
    # Each word's count was added once per stem: halve the doubles by reading stems.
    words = {word: stems(word) for word in weights}
    total, frequencies = fulltext.document_frequencies(
        OPPORTUNITIES, {t for terms in words.values() for t in terms}
    )
    scored = []
    for word, terms in words.items():
        df = max(frequencies.get(t, 0) for t in terms)
        if df == 0 or total == 0:
            continue
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        weight = weights[word] * (1 + math.log(max(1, counts[word] // len(terms)))) * idf
        scored.append(QueryWord(word, terms, weight, df, total))
    scored.sort(key=lambda q: (-q.weight, q.word))
    chosen: list[QueryWord] = []
    taken: set[str] = set()
    for query_word in scored:
        # "housing" and "houses" share a stem: one of them is enough.
        if taken.intersection(query_word.terms):
            continue
        taken.update(query_word.terms)
        chosen.append(query_word)
        if len(chosen) >= limit:
            break
    return chosen


def choosing(words: list[QueryWord]) -> list[QueryWord]:
    """The words that choose the candidates: the rare ones, at least the rarest few."""
    rare = [w for w in words if w.rare]
    if len(rare) >= RARE_WORDS_AT_LEAST:
        return rare
    return sorted(words, key=lambda w: (w.frequency, w.word))[:RARE_WORDS_AT_LEAST]


def rank_matches(
    user: Any,
    *,
    challenge: Any,
    solution: Any,
    limit: int,
    only_ids: set[int] | None,
    today: dt.date,
) -> list[Match]:
    city = challenge.city
    profile = profile_for(city)
    words = query_for(source_texts(challenge, solution))
    if not words:
        return []
    candidates = filtered(
        visible_opportunities(user), SearchFilters(eligibility="for_my_city"), profile, today
    )
    dismissed = MatchDismissal.objects.filter(challenge=challenge)
    dismissed = dismissed.filter(solution=solution) if solution else dismissed.filter(solution=None)
    candidates = candidates.exclude(pk__in=dismissed.values("opportunity_id"))
    if only_ids is not None:
        candidates = candidates.filter(pk__in=sorted(only_ids))
    groups = [w.terms for w in words]
    chosen = choosing(words)
    ranked = fulltext.search(
        OPPORTUNITIES,
        [w.terms for w in chosen],
        CANDIDATES,
        restrict_ids=candidates,
        preselect=([w.weight for w in chosen], PRESELECTED),
    )
    if not ranked:
        return []
    best = max(score for _id, score in ranked) or 1.0
    found = fulltext.matched_terms(
        OPPORTUNITIES, [i for i, _s in ranked], [t for g in groups for t in g]
    )
    total_weight = sum(w.weight for w in words)
    area_bits = mask(PRIORITY_CATEGORIES.get(challenge.priority_area, ()), CATEGORY_BIT)
    agencies, category_bits = _not_relevant(dismissed)
    opportunities = Opportunity.objects.only(
        "pk", "agency_code", "activity_mask", "applicant_codes", "close_date", "country",
        "doc_type", "estimated_close_date",
    ).in_bulk([i for i, _s in ranked])  # fmt: skip
    pipeline = set(
        Application.objects.filter(city=city, opportunity_id__in=list(opportunities))
        .exclude(status="withdrawn")
        .values_list("opportunity_id", flat=True)
    )
    scored = []
    for opportunity_id, db_score in ranked:
        opportunity = opportunities.get(opportunity_id)
        if opportunity is None:
            continue
        terms = found.get(opportunity_id, set())
        share = sum(w.weight for w in words if terms.intersection(w.terms)) / total_weight
        score = 0.5 * db_score / best + 0.5 * share
        if opportunity.activity_mask & area_bits:
            score *= 1.25
        eligibility = assess(opportunity.applicant_codes, profile, opportunity.country)
        score *= 1.0 if eligibility.status == Status.ELIGIBLE else 0.7
        left = days_left(opportunity, today)
        if opportunity.doc_type == "forecast":
            score *= 0.85
        elif left is None:
            score *= 0.9
        elif left < 7:
            score *= 0.6
        if opportunity.agency_code and opportunity.agency_code in agencies:
            score *= 0.85
        shared = bin(opportunity.activity_mask & category_bits).count("1")
        score *= max(0.8, 0.95**shared)
        scored.append((opportunity_id in pipeline, -score, opportunity_id, eligibility, left))
    scored.sort()
    top = scored[:limit]
    full = Opportunity.objects.in_bulk([row[2] for row in top])
    matches = []
    for in_pipeline, negative, opportunity_id, eligibility, left in top:
        opportunity = full[opportunity_id]
        terms = found.get(opportunity_id, set())
        matched_words = [w for w in words if terms.intersection(w.terms)]
        quote = ""
        for text in (opportunity.description, opportunity.eligibility_text, opportunity.title):
            quote = passage(text, [t for w in matched_words for t in w.terms])
            if quote:
                break
        categories = [
            str(_(ACTIVITY_CATEGORIES[c]))
            for c in codes_in(opportunity.activity_mask & area_bits, CATEGORY_BIT)
        ]
        matches.append(
            Match(
                opportunity=opportunity,
                score=round(-negative, 6),
                eligibility=eligibility,
                why=_why(
                    [w.word for w in matched_words],
                    quote,
                    categories,
                    challenge,
                    eligibility,
                    opportunity.doc_type == "forecast",
                    in_pipeline,
                ),
                days_left=left,
                terms=[w.word for w in matched_words],
                passage=quote,
                categories=categories,
                forecast=opportunity.doc_type == "forecast",
                in_pipeline=in_pipeline,
            )
        )
    return matches


def _not_relevant(dismissed: Any) -> tuple[set[str], int]:
    """The agencies and the categories of the opportunities dismissed as not relevant."""
    rows = Opportunity.objects.filter(
        pk__in=dismissed.filter(reason="not_relevant").values("opportunity_id")
    ).values_list("agency_code", "activity_mask")
    agencies = {agency for agency, _m in rows if agency}
    bits = 0
    for _agency, activity in rows:
        bits |= activity
    return agencies, bits


def _why(
    words: list[str],
    quote: str,
    categories: list[str],
    challenge: Any,
    eligibility: Any,
    forecast: bool,
    in_pipeline: bool,
) -> list[str]:
    """Why an opportunity matched, in the reader's language."""
    from civiclab.portfolio.models import PRIORITY_AREAS

    why = []
    if in_pipeline:
        why.append(_("Already in your pipeline."))
    if words:
        why.append(_("Matching words: %(words)s.") % {"words": ", ".join(words)})
    if quote:
        why.append(_("“%(passage)s”") % {"passage": quote})
    if categories:
        area = str(dict(PRIORITY_AREAS).get(challenge.priority_area, challenge.priority_area))
        why.append(
            _("Category %(categories)s, as the priority area %(area)s.")
            % {"categories": ", ".join(categories), "area": area}
        )
    if forecast:
        why.append(_("A forecast: not posted yet, its dates are expected ones."))
    why += reasons_text(eligibility)
    return why
