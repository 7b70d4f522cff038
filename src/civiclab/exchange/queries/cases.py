"""Scoped reads of case studies.

A published case is seen as the core rules say for its visibility (network or public). A
draft is its city's: the city's people (its team's, when the case has a team) and the
network's admins see it — never another city. Everything else the exchange derives from a
case (a library hit, a facet count, a panel) reads through ``visible_cases``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civiclab.core.permissions import Action, scopes_for
from civiclab.core.scoping import CONTENT_FIELDS, actor_for, scope_filter, user_can
from civiclab.exchange.models import CaseStudy
from civiclab.portfolio.models import Solution, scope


def visible_cases(user: Any) -> QuerySet[CaseStudy]:
    """The cases ``user`` may see now: published ones by their visibility, drafts of their
    own city (team cases: that team's and the city's admins)."""
    scopes = scopes_for(actor_for(user))
    published = Q(state="published") & scope_filter(scopes, CONTENT_FIELDS)
    drafts = Q(pk__in=[])
    if scopes.all_in_networks:
        drafts |= Q(city__network_id__in=scopes.all_in_networks)
    if scopes.admin_city_ids:
        drafts |= Q(city_id__in=scopes.admin_city_ids)
    if scopes.city_ids:
        drafts |= Q(city_id__in=scopes.city_ids, team__isnull=True)
    if scopes.team_ids:
        drafts |= Q(team_id__in=scopes.team_ids)
    return CaseStudy.objects.filter(published | (Q(state="draft") & drafts)).select_related(
        "city", "city__network", "team"
    )


def library_cases(user: Any) -> QuerySet[CaseStudy]:
    """What the library lists for ``user``: published cases they may see (drafts stay with
    their team, even in the library of their own city)."""
    return visible_cases(user).filter(state="published")


def cases_of_solution(user: Any, solution: Solution) -> QuerySet[CaseStudy]:
    return visible_cases(user).filter(solution=solution).order_by("-updated_at", "-pk")


def may_write_case_for(user: Any, solution: Solution) -> bool:
    """May ``user`` write a case of ``solution``: edit rights on the solution (its team)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user_can(user, Action.EDIT, solution, fields=scope(Solution))
    )


def may_edit_case(user: Any, case: CaseStudy) -> bool:
    from civiclab.exchange.services.cases import CASE_POLICY

    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user_can(user, Action.EDIT, case, CASE_POLICY)
    )


def may_publish_case(user: Any, case: CaseStudy) -> bool:
    from civiclab.exchange.services.cases import CASE_POLICY

    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user_can(user, Action.PUBLISH, case, CASE_POLICY)
    )
