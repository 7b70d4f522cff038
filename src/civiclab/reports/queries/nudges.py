"""nudges: scoped reads. A person sees only the nudges addressed to them, and of those only
the ones about an object they may still see now (a dataset, indicator or milestone narrowed
or deleted since takes its nudges out of sight: list, count and email)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _

from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.portfolio.models import Milestone
from civiclab.portfolio.queries import visible
from civiclab.reports.models.nudges import Nudge, NudgeSettings, NudgeState


def my_nudges(user: Any) -> QuerySet[Nudge]:
    """The nudges addressed to ``user`` about objects they may see now (newest first)."""
    if not getattr(user, "is_authenticated", False):
        return Nudge.objects.none()
    seen = (
        Q(kind="dataset", object_id__in=visible_datasets(user).values("pk"))
        | Q(kind="indicator", object_id__in=visible_indicators(user).values("pk"))
        | Q(kind="milestone", object_id__in=visible(Milestone, user).values("pk"))
    )
    return Nudge.objects.filter(seen, recipient=user)


def unread_nudge_count(user: Any) -> int:
    """How many of :func:`my_nudges` are unread (one query)."""
    return my_nudges(user).filter(read_at__isnull=True).count()


def wants_email(user: Any) -> bool:
    """Whether ``user`` receives the digest email (on unless they turned it off)."""
    found = NudgeSettings.objects.filter(user=user).values_list("email", flat=True).first()
    return True if found is None else bool(found)


def link_of(nudge: Nudge) -> str:
    """The page of the object a nudge is about (where to update it)."""
    p = nudge.params
    try:
        if nudge.kind == "dataset":
            return reverse("datasets:dataset", args=[p["city"], p["slug"]])
        if nudge.kind == "indicator":
            return reverse("indicators:indicator", args=[p["city"], p["slug"]])
        return reverse("portfolio:solution", args=[p["solution"]])
    except (KeyError, NoReverseMatch):
        return reverse("reports:nudges")


def _date(iso: str | None) -> str:
    if not iso:
        return ""
    return formats.date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def message_of(nudge: Nudge) -> str:
    """What a nudge says, in the active language (to a city admin told of something nobody
    owns, it says so)."""
    text = _what(nudge)
    if nudge.params.get("ownerless"):
        text += " " + _("Nobody owns it: you are told as an admin of its city.")
    return text


def _what(nudge: Nudge) -> str:
    p = nudge.params
    words = {"name": p.get("name", ""), "date": _date(p.get("since"))}
    overdue = nudge.state == "overdue"
    if nudge.kind == "milestone":
        if overdue:
            return _("The milestone “%(name)s” was due on %(date)s and is not done.") % words
        return _("The milestone “%(name)s” is due on %(date)s.") % words
    if not words["date"]:
        return _("“%(name)s” has no data yet, and promises regular updates.") % words
    if nudge.kind == "indicator":
        if overdue:
            return (
                _("The data of the indicator “%(name)s” is overdue for an update (since %(date)s).")
                % words
            )
        return (
            _("The data of the indicator “%(name)s” is due for an update (since %(date)s).") % words
        )
    if overdue:
        return _("The dataset “%(name)s” is overdue for an update (since %(date)s).") % words
    return _("The dataset “%(name)s” is due for an update (since %(date)s).") % words


def describe(nudge: Nudge, absolute: str = "") -> dict[str, Any]:
    """A nudge as a page or an email shows it (``absolute``: the site's address, for links
    read outside the site)."""
    return {
        "nudge": nudge,
        "kind": nudge.get_kind_display(),
        "state": nudge.state,
        "state_label": nudge.get_state_display(),
        "message": message_of(nudge),
        "url": absolute + link_of(nudge),
        "unread": nudge.read_at is None,
    }


def current_states(shown: list[Nudge]) -> dict[tuple[str, int], str]:
    """The state each shown nudge's object is in now, as the last sweep saw it (one query);
    an object no longer tracked (its promise withdrawn) is missing."""
    if not shown:
        return {}
    keys = Q()
    for nudge in shown:
        keys |= Q(kind=nudge.kind, object_id=nudge.object_id)
    return {
        (kind, object_id): state
        for kind, object_id, state in NudgeState.objects.filter(keys).values_list(
            "kind", "object_id", "state"
        )
    }
