"""The one definition of the challenge list's filters, shared by the board, the portfolio table
(and its CSV) and the API (``GET /challenges``, whose ``schemas.ChallengeFilters`` declares the
same parameters and hands them here).

Every parameter means the same everywhere: ``city`` and ``cohort`` by slug, ``phase``,
``priority_area``, ``visibility``, ``status`` (a solution of the challenge you can see has it)
and ``q`` (the title contains it, ignoring case). A value that is not one of the choices is an
error — shown on the form by the pages, a 422 from the API — never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.network.models import City
from civiclab.network.queries import visible_cities, visible_cohorts
from civiclab.portfolio.models import (
    PHASES,
    PRIORITY_AREAS,
    SOLUTION_STATUSES,
    Challenge,
    Solution,
)
from civiclab.portfolio.queries import visible, visible_challenges

# The longest title a challenge has: a longer search cannot match.
MAX_SEARCH = 200
ALL = _("All")


class ChallengeFilterSet(django_filters.FilterSet):
    """Filters ``user``'s visible challenges; ``city`` and ``cohort`` offer what they may see."""

    city = django_filters.ChoiceFilter(label=_("City"), field_name="city__slug", empty_label=ALL)
    cohort = django_filters.ChoiceFilter(label=_("Cohort"), method="in_cohort", empty_label=ALL)
    phase = django_filters.ChoiceFilter(label=_("Phase"), choices=PHASES, empty_label=ALL)
    priority_area = django_filters.ChoiceFilter(
        label=_("Priority area"), choices=PRIORITY_AREAS, empty_label=ALL
    )
    visibility = django_filters.ChoiceFilter(
        label=capfirst(_("visibility")), choices=VISIBILITY_CHOICES, empty_label=ALL
    )
    q = django_filters.CharFilter(
        label=_("Title"), field_name="title", lookup_expr="icontains", max_length=MAX_SEARCH
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SOLUTION_STATUSES, method="with_solution", empty_label=ALL
    )

    class Meta:
        model = Challenge
        fields: list[str] = []

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        user: Any,
        queryset: QuerySet[Challenge] | None = None,
    ) -> None:
        rows = visible_challenges(user) if queryset is None else queryset
        super().__init__(data, queryset=rows)
        self.user = user
        self.filters["city"].extra["choices"] = [
            (c.slug, c.name) for c in visible_cities(user).order_by("name")
        ]
        # Cohorts are named by slug, unique in a network: one choice per slug.
        cohorts: dict[str, str] = {}
        for cohort in visible_cohorts(user).order_by("name"):
            cohorts.setdefault(cohort.slug, cohort.name)
        self.filters["cohort"].extra["choices"] = list(cohorts.items())

    def in_cohort(self, rows: QuerySet[Challenge], name: str, slug: str) -> QuerySet[Challenge]:
        cohorts = visible_cohorts(self.user).filter(slug=slug)
        return rows.filter(city__in=City.objects.filter(cohorts__in=cohorts))

    def with_solution(
        self, rows: QuerySet[Challenge], name: str, status: str
    ) -> QuerySet[Challenge]:
        solutions = visible(Solution, self.user).filter(status=status)
        return rows.filter(pk__in=solutions.values("challenge_id"))

    @property
    def refused(self) -> bool:
        """Some parameter was sent with a value that is not one of its choices."""
        return self.is_bound and not self.is_valid()

    def shown(self) -> QuerySet[Challenge]:
        """The filtered rows for a page: none when a filter is refused (the form says why)."""
        return self.queryset.none() if self.refused else self.qs

    def chosen(self) -> dict[str, Any]:
        """The valid filters that are set (for what a page shows besides the rows)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "")}

    def checked_qs(self) -> QuerySet[Challenge]:
        """The filtered rows, or a ValidationError naming each refused parameter (the API's
        422)."""
        if self.refused:
            raise ValidationError({name: list(errors) for name, errors in self.errors.items()})
        return self.qs


def with_legacy_cohort(data: Mapping[str, Any], user: Any) -> Mapping[str, Any]:
    """``?cohort=<id>``, as the portfolio table's links once said, read as that cohort's slug
    (a cohort whose slug is those digits wins)."""
    value = data.get("cohort", "")
    if not (value.isdigit() and len(value) < 19):  # an id, within what the database stores
        return data
    cohorts = visible_cohorts(user)
    if cohorts.filter(slug=value).exists():
        return data
    slug = cohorts.filter(pk=int(value)).values_list("slug", flat=True).first()
    if slug is None:
        return data
    changed = dict(data.items())
    changed["cohort"] = slug
    return changed
