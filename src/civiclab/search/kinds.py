"""The kinds of object the site search covers, each with its one scoped read.

A kind says how its objects are read for the index (weighted texts: title A, body B, detail C,
place D), which of them a person may see (the owning app's own ``visible_*`` query, so the
search can never show what the app's pages would not), and how a hit reads (title, text for
the snippet, city, link). Case studies and funding opportunities have full-text indexes of
their own (``exchange.library_search``, ``funding.search_index``): the search reads those
(``search.queries``) rather than indexing them twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import display_name
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.models import Indicator
from civiclab.indicators.queries import visible_indicators
from civiclab.network.queries import visible_memberships
from civiclab.portfolio.models import Challenge, Idea, Solution
from civiclab.portfolio.queries import visible


def _join(parts: Iterable[Any]) -> str:
    return " ".join(str(part) for part in parts if part)


@dataclass(frozen=True)
class Kind:
    """One kind of indexed object."""

    key: str
    label: Promise  # the results' heading (plural)
    model: type[Model]
    # The objects of this kind ``user`` may see (the owning app's scoped query).
    visible: Callable[[Any], QuerySet[Any]]
    # What indexing reads along with each object (select_related).
    related: tuple[str, ...]
    # The four texts indexed: title (A), body (B), detail (C), place (D).
    texts: Callable[[Any], tuple[str, str, str, str]]
    title: Callable[[Any], str]
    # The text a hit's snippet is cut from.
    body: Callable[[Any], str]
    city: Callable[[Any], Any]
    url: Callable[[Any], str]
    # Objects not indexed at all (an inactive account).
    indexed: Callable[[Any], bool] = lambda obj: True


def _challenge_texts(c: Challenge) -> tuple[str, str, str, str]:
    return (
        c.title,
        c.problem_statement,
        _join([c.target_population, c.priority_area.replace("_", " ")]),
        c.city.name,
    )


def _idea_texts(i: Idea) -> tuple[str, str, str, str]:
    return (
        i.title,
        i.description,
        _join([i.origin_detail, i.challenge.title]),
        i.challenge.city.name,
    )


def _solution_texts(s: Solution) -> tuple[str, str, str, str]:
    return (
        s.title,
        _join([s.description, s.goal_statement]),
        _join([s.partners, s.challenge.title]),
        s.city.name,
    )


def _dataset_columns(d: Dataset) -> str:
    """Column names, and the data dictionary's descriptions and units."""
    version = d.current_version
    names = [c.get("name", "") for c in (version.columns if version else [])]
    entries = d.dictionary or {}
    described = [
        _join([name, entry.get("description", ""), entry.get("unit", "")])
        for name, entry in entries.items()
        if isinstance(entry, dict) and name in names
    ]
    # Column names as words too: "request_type" is found by "request" and by "request_type".
    return _join([*names, *(n.replace("_", " ") for n in names), *described])


def _dataset_texts(d: Dataset) -> tuple[str, str, str, str]:
    themes = [str(t).replace("_", " ") for t in d.themes or []]
    return (
        d.name,
        _join([d.description, *themes, *(d.tags or [])]),
        _join([_dataset_columns(d), d.source]),
        d.city.name,
    )


def _indicator_texts(i: Indicator) -> tuple[str, str, str, str]:
    return (i.name, i.description, i.dataset.name, i.city.name)


def _person_texts(u: Any) -> tuple[str, str, str, str]:
    # The name only: an email address is never searchable (accounts.people decides who sees
    # it, per city; a search box would let anyone probe for it).
    return (display_name(u), "", "", "")


def visible_people(user: Any) -> QuerySet[Any]:
    """Active people with a membership ``user`` may see (network.visible_memberships: the
    people of their own cities, all for network admins; nobody for a visitor)."""
    return get_user_model().objects.filter(
        is_active=True, pk__in=visible_memberships(user).values("user_id")
    )


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "challenge",
            _("Challenges"),
            Challenge,
            lambda user: visible(Challenge, user),
            ("city",),
            _challenge_texts,
            lambda c: c.title,
            lambda c: c.problem_statement,
            lambda c: c.city,
            lambda c: reverse("portfolio:challenge", args=[c.pk]),
        ),
        Kind(
            "idea",
            _("Ideas"),
            Idea,
            lambda user: visible(Idea, user),
            ("challenge", "challenge__city"),
            _idea_texts,
            lambda i: i.title,
            lambda i: i.description,
            lambda i: i.challenge.city,
            lambda i: reverse("portfolio:idea", args=[i.pk]),
        ),
        Kind(
            "solution",
            _("Solutions"),
            Solution,
            lambda user: visible(Solution, user),
            ("city", "challenge"),
            _solution_texts,
            lambda s: s.title,
            lambda s: _join([s.description, s.goal_statement]),
            lambda s: s.city,
            lambda s: reverse("portfolio:solution", args=[s.pk]),
        ),
        Kind(
            "dataset",
            _("Datasets"),
            Dataset,
            visible_datasets,
            ("city", "current_version"),
            _dataset_texts,
            lambda d: d.name,
            lambda d: _join([d.description, _dataset_columns(d)]),
            lambda d: d.city,
            lambda d: reverse("datasets:dataset", args=[d.city.slug, d.slug]),
        ),
        Kind(
            "indicator",
            _("Indicators"),
            Indicator,
            visible_indicators,
            ("city", "dataset"),
            _indicator_texts,
            lambda i: i.name,
            lambda i: _join([i.description, i.dataset.name]),
            lambda i: i.city,
            lambda i: reverse("indicators:indicator", args=[i.city.slug, i.slug]),
        ),
        Kind(
            "person",
            _("People"),
            get_user_model(),
            visible_people,
            (),
            _person_texts,
            display_name,
            lambda u: "",
            lambda u: None,
            lambda u: "",
            indexed=lambda u: bool(u.is_active),
        ),
    )
}
