"""The deadline calendar: a city's (or one team's) upcoming deadlines as a page, and as an
``.ics`` feed a calendar app subscribes to.

Calendar apps fetch without a session, so a feed's address carries a token that names its
person: ``django.core.signing`` over the person's id and a fingerprint of their password
(salted ``FEED_SALT``). A tampered token, one for a person who is gone or inactive, or one
from before a password change, is a 404; a valid one shows only what that person may see now
(their visible applications of the city or team), never more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from civiclab.core import feed_tokens
from civiclab.funding.queries import pipeline as queries
from civiclab.network.models import City, Team
from civiclab.network.queries import visible_cities, visible_teams

FEED_SALT = "civiclab.funding.calendar-feed"
# How many dates one feed or calendar page lists at most (docs/funding.md, "Limits").
FEED_LIMIT = 500


def feed_token(user: Any) -> str:
    """The token of ``user``'s feeds (the same for every city and team they may see)."""
    return feed_tokens.feed_token(user, FEED_SALT)


def user_of_token(token: str) -> Any:
    """The person a feed token names, or None (tampered, unknown, inactive, outdated)."""
    return feed_tokens.user_of_token(token, FEED_SALT)


def _scope(user: Any, slug: str, team_slug: str | None) -> tuple[City, Team | None]:
    city = get_object_or_404(visible_cities(user), slug=slug)
    team = None
    if team_slug is not None:
        team = get_object_or_404(visible_teams(user), city=city, slug=team_slug)
    return city, team


def _deadlines(user: Any, city: City, team: Team | None) -> list[queries.Deadline]:
    today = timezone.localdate()
    dates = queries.upcoming_deadlines(
        queries.pipeline_of(user, city, team), since=today, limit=FEED_LIMIT
    )
    return queries.with_registration(user, city, dates, since=today, limit=FEED_LIMIT)


@login_required
def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """Upcoming deadlines of the city (or ``?team=``), and the person's feed addresses."""
    team_slug = request.GET.get("team") or None
    city, team = _scope(request.user, slug, team_slug)
    token = feed_token(request.user)
    if team is None:
        path = reverse("funding:calendar_feed", args=(city.slug, token))
    else:
        path = reverse("funding:team_calendar_feed", args=(city.slug, team.slug, token))
    return render(
        request,
        "funding/calendar.html",
        {
            "city": city,
            "team": team,
            "teams": visible_teams(request.user).filter(city=city),
            "deadlines": _deadlines(request.user, city, team),
            "feed_url": request.build_absolute_uri(path),
        },
    )


def calendar_feed(
    request: HttpRequest, slug: str, token: str, team_slug: str | None = None
) -> HttpResponse:
    """The ``.ics`` feed: no session, the token names the person (see the module)."""
    user = user_of_token(token)
    if user is None:
        raise Http404
    city, team = _scope(user, slug, team_slug)
    calendar_ = Calendar()
    calendar_.add("prodid", "-//civiclab//funding deadlines//EN")
    calendar_.add("version", "2.0")
    name = team.name if team is not None else city.name
    calendar_.add("x-wr-calname", _("Funding deadlines: %(name)s") % {"name": name})
    stamp = timezone.now()
    host = request.get_host().split(":")[0] or "civiclab"
    for deadline in _deadlines(user, city, team):
        calendar_.add_component(_event(request, deadline, stamp, host, city))
    response = HttpResponse(calendar_.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{city.slug}-funding.ics"'
    # A person's feed: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _event(
    request: HttpRequest, deadline: queries.Deadline, stamp: Any, host: str, city: City
) -> Event:
    """One all-day event; its UID stays the same from one fetch to the next."""
    application = deadline.application
    event = Event()
    if application is None:
        event.add("uid", f"registration-{city.pk}@{host}")
        event.add("summary", _("SAM.gov registration expires"))
        link = reverse("funding:profile", args=(city.slug,))
    else:
        event.add("uid", f"application-{application.pk}-{deadline.kind}@{host}")
        if deadline.kind == "deadline":
            event.add("summary", _("Deadline: %(title)s") % {"title": application.title})
        else:
            event.add("summary", _("Closes: %(title)s") % {"title": deadline.title})
        event.add("description", application.get_status_display())
        link = reverse("funding:application", args=(application.pk,))
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.on)
    event.add("dtend", deadline.on + dt.timedelta(days=1))
    event.add("url", request.build_absolute_uri(link))
    return event
