"""Convenings as ``.ics`` feeds a calendar app subscribes to: a person's, a cohort's, a
network's — and one convening's, for a one-off "add to my calendar".

Calendar apps fetch without a session, so a feed's address carries a token that names its
person, as funding's deadline feeds do: ``django.core.signing`` over the person's id and a
fingerprint of their password, under this module's own salt (a funding feed's token opens no
convening feed). A tampered or outdated token, or one of a person who is gone or inactive, is
a 404; a valid one lists only what that person may see now. Each event links back to its
page on ``settings.SITE_URL`` (``CIVICLAB_SITE_URL``), its times in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from civiclab.core import feed_tokens
from civiclab.exchange.models.convenings import Convening
from civiclab.exchange.queries import convenings as queries
from civiclab.network.models import Cohort, Network
from civiclab.network.queries import visible_cohorts, visible_networks

FEED_SALT = "civiclab.exchange.convenings-feed"
# A feed carries the start of each description (the page has it all): folding long text is
# most of a feed's cost, and 500 events of 10,000 characters would be a 5 MB download.
FEED_DESCRIPTION_LIMIT = 2_000


def feed_token(user: Any) -> str:
    """The token of ``user``'s convening feeds (the same for all of them)."""
    return feed_tokens.feed_token(user, FEED_SALT)


def user_of_token(token: str) -> Any:
    """The person a feed token names, or None (tampered, unknown, inactive, outdated)."""
    return feed_tokens.user_of_token(token, FEED_SALT)


def feed_urls(user: Any) -> dict[str, str]:
    """The person's own feed address (absolute), to paste into a calendar app."""
    token = feed_token(user)
    return {"person": settings.SITE_URL + reverse("exchange:convenings_feed", args=(token,))}


def network_feed_url(user: Any, network: Network) -> str:
    path = reverse("exchange:convenings_network_feed", args=(network.slug, feed_token(user)))
    return settings.SITE_URL + path


def cohort_feed_url(user: Any, cohort: Cohort) -> str:
    path = reverse(
        "exchange:convenings_cohort_feed",
        args=(cohort.network.slug, cohort.slug, feed_token(user)),
    )
    return settings.SITE_URL + path


def event_url(convening: Convening) -> str:
    return settings.SITE_URL + reverse("exchange:convening", args=(convening.pk,))


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "civiclab"


def event_of(convening: Convening, stamp: dt.datetime) -> Event:
    """One VEVENT: its UID stays the same from one fetch to the next, SEQUENCE rises with
    each change, the times are in UTC."""
    event = Event()
    event.add("uid", f"convening-{convening.pk}@{_host()}")
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", convening.starts_at.astimezone(dt.UTC))
    event.add("dtend", convening.ends_at.astimezone(dt.UTC))
    event.add("sequence", convening.sequence)
    event.add("summary", convening.title)
    url = event_url(convening)
    description = convening.description
    if len(description) > FEED_DESCRIPTION_LIMIT:
        description = description[:FEED_DESCRIPTION_LIMIT].rstrip() + "…"
    if convening.online_url:
        description = f"{description}\n\n{_('Online')}: {convening.online_url}".strip()
    event.add("description", f"{description}\n\n{url}".strip())
    location = convening.place or convening.online_url
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("status", "CANCELLED" if convening.cancelled else "CONFIRMED")
    return event


def calendar_response(name: str, convenings: list[Convening], filename: str) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", "-//civiclab//exchange convenings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for convening in convenings:
        calendar.add_component(event_of(convening, stamp))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    # A person's feed: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _user(token: str) -> Any:
    user = user_of_token(token)
    if user is None:
        raise Http404
    return user


def person_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's calendar (see ``queries.personal_feed``)."""
    user = _user(token)
    return calendar_response(_("Convenings"), queries.personal_feed(user), "convenings")


def network_feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    user = _user(token)
    network = get_object_or_404(visible_networks(user), slug=slug)
    name = _("Convenings: %(name)s") % {"name": network.name}
    return calendar_response(name, queries.network_feed(user, network), network.slug)


def cohort_feed(request: HttpRequest, slug: str, cohort_slug: str, token: str) -> HttpResponse:
    user = _user(token)
    cohort = get_object_or_404(visible_cohorts(user), network__slug=slug, slug=cohort_slug)
    if not queries.may_see_cohort(user, cohort):
        # Not one of the person's cohorts: the same answer as a cohort that does not exist.
        raise Http404
    found = queries.cohort_feed(user, cohort)
    name = _("Convenings: %(name)s") % {"name": cohort.name}
    return calendar_response(name, found, f"{slug}-{cohort.slug}")


@login_required
def one_event(request: HttpRequest, pk: int) -> HttpResponse:
    """One convening as a calendar file (signed in: the page's "add to my calendar")."""
    convening = get_object_or_404(queries.visible_convenings(request.user), pk=pk)
    return calendar_response(convening.title, [convening], f"convening-{convening.pk}")
