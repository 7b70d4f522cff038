"""nudges: the sweep that tells owners what needs updating, once per change of state.

For every tracked object — a dataset that declares an update frequency (its state is
``datasets.freshness``), an indicator (its dataset's state), a milestone (due within
``MILESTONE_WARNING`` days: due; past due and not done: overdue; done: fresh) — the sweep
compares the state it sees with the one it stored last time (``NudgeState``):

- a change to *due* or *overdue* makes one in-app ``Nudge`` for the owner, which is also one
  line of that person's digest email (one email per person per sweep, in their language);
- the same state again tells nobody (the sweep runs daily; the nudge does not);
- a change back to *fresh* resets: the next time it falls due, the owner is told again;
- an object that promises nothing (no frequency, or "once") is never tracked: never nagged.

An object without an owner (none set, or no longer an active member) nudges the admins of
its city instead: someone must see that nobody keeps it up to date.

The sweep is the system's work (``by=None``), one transaction, one audit event with counts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from civiclab.audit.services import record
from civiclab.core.permissions import Role
from civiclab.datasets.freshness import PERIODS
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import freshness_of
from civiclab.funding.services.digest_mail import language_of
from civiclab.indicators.models import Indicator
from civiclab.network.models import Membership
from civiclab.portfolio.models import Milestone
from civiclab.reports.models.nudges import Nudge, NudgeSettings, NudgeState
from civiclab.reports.queries.nudges import describe, my_nudges

log = logging.getLogger(__name__)

# A milestone is "due" this many days before its date.
MILESTONE_WARNING = dt.timedelta(days=7)
# An email that failed is tried again at the next sweeps for this long.
EMAIL_RETRY = dt.timedelta(days=7)
# Nudges told in one email (the rest: "and N more", on the page).
EMAIL_CAP = 50
STALE = ("due", "overdue")


@dataclass(frozen=True)
class Tracked:
    """One object the sweep looks at, with the state it is in now."""

    kind: str
    object_id: int
    city_id: int
    owner_id: int | None
    state: str
    params: dict[str, Any]


@dataclass
class SweepResult:
    checked: int = 0
    changed: int = 0
    reset: int = 0
    nudged: int = 0
    emailed: int = 0
    email_failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "reset": self.reset,
            "nudged": self.nudged,
            "emailed": self.emailed,
            "email_failed": self.email_failed,
            "nudged_by_kind": dict(sorted(self.by_kind.items())),
        }


# -- what is tracked, and its state now ----------------------------------------------------------
def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment).date().isoformat()
    return moment.isoformat()


def _datasets(now: dt.datetime) -> Iterator[Tracked]:
    rows = Dataset.objects.filter(update_frequency__in=list(PERIODS)).select_related(
        "city", "current_version"
    )
    for dataset in rows.iterator(chunk_size=500):
        fresh = freshness_of(dataset, now)
        since = fresh.overdue_at if fresh.state == "overdue" else fresh.due_at
        yield Tracked(
            "dataset", dataset.pk, dataset.city_id, dataset.owner_id, fresh.state,
            {"name": dataset.name, "city": dataset.city.slug, "slug": dataset.slug,
             "since": _iso(since)},
        )  # fmt: skip


def _indicators(now: dt.datetime) -> Iterator[Tracked]:
    rows = Indicator.objects.filter(dataset__update_frequency__in=list(PERIODS)).select_related(
        "city", "dataset", "dataset__current_version"
    )
    for indicator in rows.iterator(chunk_size=500):
        fresh = freshness_of(indicator.dataset, now)
        since = fresh.overdue_at if fresh.state == "overdue" else fresh.due_at
        yield Tracked(
            "indicator", indicator.pk, indicator.city_id, indicator.owner_id, fresh.state,
            {"name": indicator.name, "city": indicator.city.slug, "slug": indicator.slug,
             "dataset": indicator.dataset.name, "since": _iso(since)},
        )  # fmt: skip


def milestone_state(milestone: Milestone, today: dt.date) -> str:
    """done: fresh; past due and not done: overdue; due within a week: due; else fresh."""
    if milestone.done_on is not None:
        return "fresh"
    if milestone.due_on < today:
        return "overdue"
    return "due" if milestone.due_on <= today + MILESTONE_WARNING else "fresh"


def _milestones(now: dt.datetime) -> Iterator[Tracked]:
    today = timezone.localdate(now)
    rows = Milestone.objects.select_related("solution")
    for milestone in rows.iterator(chunk_size=500):
        yield Tracked(
            "milestone", milestone.pk, milestone.solution.city_id, milestone.owner_id,
            milestone_state(milestone, today),
            {"name": milestone.title, "solution": milestone.solution_id,
             "solution_title": milestone.solution.title, "since": _iso(milestone.due_on)},
        )  # fmt: skip


SOURCES = {"dataset": _datasets, "indicator": _indicators, "milestone": _milestones}
KINDS = tuple(SOURCES)


def tracked(now: dt.datetime, kinds: tuple[str, ...] = KINDS) -> Iterator[Tracked]:
    """Every object of ``kinds`` that may need updating, with its state at ``now``."""
    for kind in kinds:
        yield from SOURCES[kind](now)


# -- the sweep ---------------------------------------------------------------------------------
def sweep(
    now: dt.datetime | None = None, *, email: bool = True, kinds: tuple[str, ...] = KINDS
) -> SweepResult:
    """Compare every tracked object's state at ``now`` with the stored one; nudge the owners
    of those that became due or overdue (once), then email each of them one digest.
    ``kinds``: only these kinds of objects (the others' stored states are left alone)."""
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"Unknown kinds: {', '.join(unknown)} (one of {', '.join(KINDS)}).")
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        new = _update_states(now, result, kinds)
        record(
            None, "nudges.sweep", None, object_type="reports.nudge",
            at=now.isoformat(), kinds=list(kinds), **result.as_dict(),
        )  # fmt: skip
    if email and new:
        result.emailed, result.email_failed = send_digests(now)
    return result


def _update_states(now: dt.datetime, result: SweepResult, kinds: tuple[str, ...]) -> list[Nudge]:
    stored = {(s.kind, s.object_id): s for s in NudgeState.objects.filter(kind__in=kinds)}
    seen: set[tuple[str, int]] = set()
    admins = _city_admins()
    active = set(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
    new: list[Nudge] = []
    for item in tracked(now, kinds):
        result.checked += 1
        key = (item.kind, item.object_id)
        seen.add(key)
        previous = stored.get(key)
        if previous is not None and previous.state == item.state:
            if previous.owner_id != item.owner_id:  # kept for the record; nobody is re-told
                NudgeState.objects.filter(pk=previous.pk).update(owner_id=item.owner_id)
            continue
        if previous is None:
            previous = NudgeState(kind=item.kind, object_id=item.object_id)
        else:
            result.changed += 1
            if item.state == "fresh":
                result.reset += 1
        previous.city_id = item.city_id
        previous.owner_id = item.owner_id
        previous.state = item.state
        previous.changed_at = now
        if item.state in STALE:
            owner = item.owner_id if item.owner_id in active else None
            recipients = [owner] if owner is not None else admins.get(item.city_id, [])
            params = item.params if owner is not None else {**item.params, "ownerless": True}
            for recipient in recipients:
                new.append(
                    Nudge(
                        recipient_id=recipient, kind=item.kind, object_id=item.object_id,
                        city_id=item.city_id, state=item.state, params=params, created_at=now,
                    )
                )  # fmt: skip
            previous.notified_at = now if recipients else previous.notified_at
            result.by_kind[item.kind] = result.by_kind.get(item.kind, 0) + len(recipients)
        previous.save()
    Nudge.objects.bulk_create(new)
    result.nudged = len(new)
    gone = [s.pk for key, s in stored.items() if key not in seen]
    if gone:  # deleted, or no longer promising updates: forgotten, so a new promise starts over
        NudgeState.objects.filter(pk__in=gone).delete()
        result.reset += len(gone)
    return new


def _city_admins() -> dict[int, list[int]]:
    """Each city's active admins (who hear of what has no owner), by city id."""
    admins: dict[int, list[int]] = defaultdict(list)
    rows = Membership.objects.filter(
        role=Role.CITY_ADMIN.value, city__isnull=False, user__is_active=True
    ).values_list("city_id", "user_id")
    for city_id, user_id in rows.order_by("user_id").distinct():
        admins[city_id].append(user_id)
    return admins


# -- the digest email --------------------------------------------------------------------------
def send_digests(now: dt.datetime) -> tuple[int, int]:
    """One email per person with nudges not yet emailed (and who did not opt out), in their
    language, of the nudges they may still see; returns (sent, failed)."""
    waiting = (
        Nudge.objects.filter(
            emailed_at__isnull=True, created_at__gt=now - EMAIL_RETRY, created_at__lte=now
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    opted_out = NudgeSettings.objects.filter(email=False).values("user_id")
    people = (
        get_user_model()
        .objects.filter(pk__in=list(waiting), is_active=True)
        .exclude(pk__in=opted_out)
        .order_by("pk")
    )
    sent = failed = 0
    for person in people:
        items = list(
            my_nudges(person).filter(
                emailed_at__isnull=True, created_at__gt=now - EMAIL_RETRY, created_at__lte=now
            )
        )
        if not items:
            continue  # every one is about something they may no longer see
        try:
            _send_one(person, items)
        except (SMTPException, OSError):
            log.exception("nudge digest to user %s not sent", person.pk)
            failed += 1
            continue
        Nudge.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        sent += 1
    return sent, failed


def _send_one(person: Any, items: list[Nudge]) -> None:
    from django.urls import reverse

    site = settings.SITE_URL
    shown = items[:EMAIL_CAP]
    with translation.override(language_of(person)):
        context = {
            "user": person,
            "items": [describe(n, absolute=site) for n in shown],
            "count": len(items),
            "more": len(items) - len(shown),
            "page_url": site + reverse("reports:nudges"),
        }
        subject = " ".join(
            render_to_string("reports/nudges/email/digest_subject.txt", context).split()
        )
        text = render_to_string("reports/nudges/email/digest.txt", context)
    send_mail(subject, text, None, [person.email])


# -- a person's own nudges -----------------------------------------------------------------------
@transaction.atomic
def mark_read(by: Any, nudge_ids: list[int] | None = None) -> int:
    """Mark ``by``'s nudges read (the given ones, else all); returns how many changed. Only
    one's own: another person's nudge id is simply not found."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied
    rows = my_nudges(by).filter(read_at__isnull=True)
    if nudge_ids is not None:
        rows = rows.filter(pk__in=nudge_ids)
    return Nudge.objects.filter(pk__in=list(rows.values_list("pk", flat=True))).update(
        read_at=timezone.now()
    )


@transaction.atomic
def set_email(by: Any, email: bool) -> NudgeSettings:
    """Turn ``by``'s digest email on or off (audited)."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied
    settings_row, _created = NudgeSettings.objects.get_or_create(user=by)
    if settings_row.email != email:
        settings_row.email = email
        settings_row.save(update_fields=["email"])
        record(by, "nudges.email", None, object_type="reports.nudgesettings", email=email)
    return settings_row
