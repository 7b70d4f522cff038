"""Scoped reads of convenings: who sees which, who organises which, and the answers given.

A network-wide convening is seen by everyone with a membership in its network; a cohort
meeting by the members of the cohort's cities and the network's admins. Anonymous visitors
see none. Organisers are the network's admins (the network knows no cohort coordinator role).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civiclab.core.permissions import scopes_for
from civiclab.core.scoping import actor_for
from civiclab.exchange.models.convenings import GOING, MAYBE, NOT_GOING, WAITLIST, Convening, Rsvp
from civiclab.network.models import Cohort, Network

# How many convenings one feed or list page holds at most, and how far back a feed reaches
# (docs/exchange/convenings.md, "Limits").
FEED_LIMIT = 500
FEED_PAST = dt.timedelta(days=90)
LIST_LIMIT = 200


def audience_filter(user: Any) -> Q:
    """The Q object of the convenings ``user`` may see (nothing for anonymous visitors)."""
    actor = actor_for(user)
    if not actor.authenticated:
        return Q(pk__in=[])
    scopes = scopes_for(actor)
    my_cohorts = Cohort.objects.filter(cities__id__in=scopes.city_ids).values("pk")
    return (
        Q(network_id__in=scopes.all_in_networks)
        | Q(cohort__isnull=True, network_id__in=scopes.network_ids)
        | Q(cohort_id__in=my_cohorts)
    )


def visible_convenings(user: Any) -> QuerySet[Convening]:
    return Convening.objects.filter(audience_filter(user)).select_related("network", "cohort")


def organised_networks(user: Any) -> QuerySet[Network]:
    """The networks in which ``user`` may create convenings."""
    return Network.objects.filter(pk__in=actor_for(user).network_admin_of())


def may_organise(user: Any, network_id: int) -> bool:
    """Whether ``user`` organises the convenings of the network ``network_id``."""
    return network_id in actor_for(user).network_admin_of()


def upcoming(queryset: QuerySet[Convening], now: dt.datetime | None = None) -> QuerySet[Convening]:
    """Those not over yet, soonest first."""
    return queryset.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")


def past(queryset: QuerySet[Convening], now: dt.datetime | None = None) -> QuerySet[Convening]:
    return queryset.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")


def with_counts(queryset: QuerySet[Convening]) -> QuerySet[Convening]:
    """Annotated with ``going_count``, ``maybe_count`` and ``waitlist_count``."""
    return queryset.annotate(
        going_count=Count("rsvps", filter=Q(rsvps__response=GOING), distinct=True),
        maybe_count=Count("rsvps", filter=Q(rsvps__response=MAYBE), distinct=True),
        waitlist_count=Count("rsvps", filter=Q(rsvps__response=WAITLIST), distinct=True),
    )


def response_of(user: Any, convening: Convening) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Rsvp.objects.filter(convening=convening, user=user)
        .values_list("response", flat=True)
        .first()
    )


def waitlist_position(user: Any, convening: Convening) -> int | None:
    """1 for the first on the waiting list; None when ``user`` is not on it."""
    mine = Rsvp.objects.filter(convening=convening, user=user, response=WAITLIST).first()
    if mine is None:
        return None
    ahead = Rsvp.objects.filter(convening=convening, response=WAITLIST).filter(
        Q(requested_at__lt=mine.requested_at) | Q(requested_at=mine.requested_at, pk__lt=mine.pk)
    )
    return ahead.count() + 1


def attendees(convening: Convening) -> QuerySet[Rsvp]:
    """Every answer with its person (the organisers' view)."""
    return convening.rsvps.select_related("user").order_by("response", "requested_at", "pk")


@dataclass(frozen=True)
class Feed:
    """What an ``.ics`` feed lists: its name and its convenings."""

    name: str
    convenings: list[Convening]


def _window(queryset: QuerySet[Convening]) -> list[Convening]:
    since = timezone.now() - FEED_PAST
    return list(queryset.filter(ends_at__gte=since).order_by("starts_at", "pk")[:FEED_LIMIT])


def personal_feed(user: Any) -> list[Convening]:
    """The person's calendar: every convening they may see (their networks' and cohorts'),
    those they answered going, maybe or waiting included, less those they declined."""
    declined = Rsvp.objects.filter(user=user, response=NOT_GOING).values("convening_id")
    return _window(visible_convenings(user).exclude(pk__in=declined))


def network_feed(user: Any, network: Network) -> list[Convening]:
    return _window(visible_convenings(user).filter(network=network))


def cohort_feed(user: Any, cohort: Cohort) -> list[Convening]:
    return _window(visible_convenings(user).filter(cohort=cohort))


def may_see_cohort(user: Any, cohort: Cohort) -> bool:
    """Whether ``user`` is in one of the cohort's cities, or admin of its network: who sees
    its meetings."""
    actor = actor_for(user)
    if cohort.network_id in actor.network_admin_of():
        return True
    scopes = scopes_for(actor)
    return cohort.cities.filter(pk__in=scopes.city_ids).exists()
