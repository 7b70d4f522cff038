"""Scoped reads: a person's notifications, only about what they may still see; their choices;
what they follow."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from civiclab.datasets.queries import visible_datasets, visible_jobs
from civiclab.exchange.queries.discussions import readable_threads
from civiclab.notifications.models import DEFAULTS, Follow, Kind, Notification, Preference
from civiclab.portfolio.models import Challenge, Evidence, Solution
from civiclab.portfolio.queries import visible

IMPORT_KINDS = (Kind.IMPORT_FINISHED, Kind.IMPORT_FAILED, Kind.CITY_REFRESH)


def _still_visible(user: Any) -> Q:
    """Each kind read through its object's own scoped query, as it is now."""
    return (
        # An import: its dataset; a job that failed before making one: the job itself (its
        # report may quote a private file's values).
        Q(kind__in=IMPORT_KINDS, dataset__in=visible_datasets(user).values("pk"))
        | Q(kind__in=IMPORT_KINDS, dataset__isnull=True, job__in=visible_jobs(user).values("pk"))
        | Q(
            kind=Kind.MILESTONE_SLIPPING,
            milestone__solution__in=visible(Solution, user).values("pk"),
        )
        | Q(
            kind=Kind.SCORES_REQUESTED,
            score_request__challenge__in=visible(Challenge, user).values("pk"),
        )
        | Q(kind=Kind.EVIDENCE_ADDED, evidence__in=visible(Evidence, user).values("pk"))
        | Q(kind=Kind.MENTIONED, post__thread__in=readable_threads(user).values("pk"))
    )


def notifications_for(user: Any) -> QuerySet[Notification]:
    """``user``'s notifications about what they may still see, newest first, each with what
    its text needs."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return (
        Notification.objects.filter(user=user)
        .filter(_still_visible(user))
        .select_related(
            "actor",
            "job",
            "dataset",
            "dataset__city",
            "milestone",
            "milestone__solution",
            "score_request",
            "score_request__challenge",
            "score_request__idea",
            "evidence",
            "evidence__challenge",
            "post",
            "post__thread",
        )
    )


def in_app(user: Any) -> QuerySet[Notification]:
    """What the notifications page lists."""
    return notifications_for(user).filter(in_app=True)


def unread_count(user: Any) -> int:
    """The bell's number (one query)."""
    return in_app(user).filter(read_at__isnull=True).count()


def preferences_of(user: Any) -> dict[str, tuple[bool, bool]]:
    """``user``'s (in-app, e-mail) choice per kind: their own, else the default."""
    chosen = dict(DEFAULTS)
    if getattr(user, "is_authenticated", False):
        for kind, app, mail in Preference.objects.filter(user=user).values_list(
            "kind", "in_app", "email"
        ):
            chosen[kind] = (app, mail)
    return chosen


def follows(user: Any, challenge: Challenge) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, challenge=challenge).exists()


def people_who_may_score(challenge: Challenge) -> list[Any]:
    """The people of the challenge's city who may see it (whom a score request may ask), by
    name. Two queries: the city's people, then all their roles, checked by the same rules as
    every scoped read."""
    from django.contrib.auth import get_user_model

    from civiclab.core.permissions import Action, Actor, Grant, Role, can
    from civiclab.core.scoping import target_of
    from civiclab.network.models import Membership

    people = list(
        get_user_model()
        .objects.filter(memberships__city_id=challenge.city_id, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )
    grants: dict[int, list[Grant]] = {}
    for user_id, network_id, city_id, role, team_id in Membership.objects.filter(
        user__in=[person.pk for person in people]
    ).values_list("user_id", "network_id", "city_id", "role", "team_id"):
        grants.setdefault(user_id, []).append(Grant(network_id, city_id, Role(role), team_id))
    target = target_of(challenge)
    return [
        person
        for person in people
        if can(
            Actor(user_id=person.pk, authenticated=True, grants=tuple(grants.get(person.pk, ()))),
            Action.VIEW,
            target,
        )
    ]
