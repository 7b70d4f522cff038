"""The kinds of object the exchange points at — a case study, a challenge, an idea, a
solution… — each with the one scoped read that says who may see it.

Everything the exchange derives from an object (a passage and its embedding, a search hit, a
thread on it, a count, a reason it matched) goes through ``visible_ids`` of its kind at read
time, so it is exactly as private as its source is *now*. Areas register their own kinds in
``contributions/<area>.register()``; the portfolio's are registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse


@dataclass(frozen=True)
class Kind:
    """``name`` as the API and CLI say it; ``visible(user)``: the scoped queryset of what
    ``user`` may see; ``city_id``, ``title``, ``url`` read one object of it."""

    name: str
    visible: Callable[[Any], QuerySet[Any]]
    city_id: Callable[[Any], int]
    title: Callable[[Any], str]
    url: Callable[[Any], str]


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Declare ``kind`` (again with the same name: replaced, so ready() may rerun)."""
    _KINDS[kind.name] = kind


def kind(name: str) -> Kind:
    """The kind called ``name`` (KeyError for an unknown one: callers validate names first)."""
    _register_portfolio()
    return _KINDS[name]


def names() -> list[str]:
    _register_portfolio()
    return sorted(_KINDS)


def visible_ids(name: str, user: Any, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` of kind ``name`` ``user`` may see now (one query)."""
    wanted = list(ids)
    if not wanted:
        return set()
    return set(kind(name).visible(user).filter(pk__in=wanted).values_list("pk", flat=True))


def visible_object(name: str, user: Any, pk: int) -> Model | None:
    """The object, or None when it does not exist or ``user`` may not see it (the same answer
    for both, so a guess learns nothing)."""
    if name not in names():
        return None
    return kind(name).visible(user).filter(pk=pk).first()


def _register_portfolio() -> None:
    if "challenge" in _KINDS:
        return
    from civiclab.portfolio.models import Idea, Solution
    from civiclab.portfolio.queries import visible, visible_challenges

    register(
        Kind(
            name="challenge",
            visible=visible_challenges,
            city_id=lambda obj: obj.city_id,
            title=lambda obj: obj.title,
            url=lambda obj: reverse("portfolio:challenge", args=(obj.pk,)),
        )
    )
    register(
        Kind(
            name="idea",
            visible=lambda user: visible(Idea, user).select_related("challenge"),
            city_id=lambda obj: obj.challenge.city_id,
            title=lambda obj: obj.title,
            url=lambda obj: reverse("portfolio:idea", args=(obj.pk,)),
        )
    )
    register(
        Kind(
            name="solution",
            visible=lambda user: visible(Solution, user).select_related("city"),
            city_id=lambda obj: obj.city_id,
            title=lambda obj: obj.title,
            url=lambda obj: reverse("portfolio:solution", args=(obj.pk,)),
        )
    )
