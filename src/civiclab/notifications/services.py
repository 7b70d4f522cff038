"""Every write of notifications: telling people (from the receivers and the daily sweep),
their choices, following challenges, reading, and asking for scores.

Nobody is told of their own action, except of their own import finishing or failing (they
wait for it). Whether a person may see the object is checked again whenever the list is read
(queries.notifications_for), so a notification never outlives its object's sharing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action, Role
from civiclab.core.scoping import user_can
from civiclab.core.services import check
from civiclab.datasets.models import ImportJob
from civiclab.network.models import Membership
from civiclab.notifications.models import (
    DEFAULTS,
    Follow,
    Kind,
    MilestoneWatch,
    Notification,
    Preference,
    ScoreRequest,
)
from civiclab.portfolio.models import Challenge, Evidence, Idea, Milestone, Solution
from civiclab.portfolio.queries import visible

# At most this many people asked to score in one request (a request, not a mailing list).
MAX_ASKED = 30
NOTE_LIMIT = 500


def _signed_in(by: Any) -> None:
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied("sign in first")


def notify(
    kind: str,
    people: Iterable[Any],
    *,
    actor: Any = None,
    explicit_only: bool = False,
    **about: Any,
) -> list[Notification]:
    """Tell ``people`` about ``about`` (the notification's target keys) by the channels each
    chose for ``kind``; never ``actor`` himself. ``explicit_only``: only those who chose this
    kind themselves (the defaults do not count)."""
    recipients = {person.pk: person for person in people if person is not None}
    if actor is not None:
        recipients.pop(actor.pk, None)
    if not recipients:
        return []
    chosen = {
        user_id: (app, mail)
        for user_id, app, mail in Preference.objects.filter(
            kind=kind, user_id__in=list(recipients)
        ).values_list("user_id", "in_app", "email")
    }
    rows = []
    for user_id, person in sorted(recipients.items()):
        if not person.is_active:
            continue
        if explicit_only and user_id not in chosen:
            continue
        app, mail = chosen.get(user_id, DEFAULTS[kind])
        if app or mail:
            rows.append(
                Notification(
                    user_id=user_id, kind=kind, actor=actor, in_app=app, email=mail, **about
                )
            )
    return Notification.objects.bulk_create(rows)


# -- what the receivers tell -------------------------------------------------------------------
def import_ended(job: ImportJob, succeeded: bool) -> list[Notification]:
    """Tell the one who started the import; a scheduled refresh nobody started: the dataset's
    owner, else the city's editors who asked to hear of such refreshes."""
    kind = Kind.IMPORT_FINISHED if succeeded else Kind.IMPORT_FAILED
    about: dict[str, Any] = {"job": job, "dataset": job.dataset, "city": job.city}
    if job.created_by is not None:
        return notify(kind, [job.created_by], **about)
    owner = job.dataset.owner if job.dataset is not None else None
    if owner is not None:
        return notify(kind, [owner], **about)
    editors = get_user_model().objects.filter(
        pk__in=Membership.objects.filter(
            city=job.city, role__in=[Role.MEMBER, Role.CITY_ADMIN]
        ).values("user_id")
    )
    return notify(Kind.CITY_REFRESH, editors, explicit_only=True, **about)


def evidence_added(evidence: Evidence) -> list[Notification]:
    """Tell the challenge's followers who may see the new evidence (not its author)."""
    followers = [
        follow.user
        for follow in Follow.objects.filter(challenge_id=evidence.challenge_id).select_related(
            "user"
        )
    ]
    readers = [
        person for person in followers if visible(Evidence, person).filter(pk=evidence.pk).exists()
    ]
    return notify(Kind.EVIDENCE_ADDED, readers, actor=evidence.created_by, evidence=evidence)


def mentioned(post: Any, people: Iterable[Any], by: Any) -> list[Notification]:
    """Tell the people a post mentions (the exchange has checked they may read its thread)."""
    return notify(Kind.MENTIONED, people, actor=by, post=post)


def sweep_milestones(today: dt.date | None = None) -> int:
    """Tell the owners of milestones that started slipping (past due, not done) — once per
    change of state, never daily. Returns how many milestones were told about."""
    today = today or timezone.localdate()
    told = 0
    watched = dict(MilestoneWatch.objects.values_list("milestone_id", "state"))
    slipping = Milestone.objects.filter(done_on__isnull=True, due_on__lt=today).select_related(
        "owner", "solution", "solution__owner"
    )
    slipping_ids = set()
    for milestone in slipping:
        slipping_ids.add(milestone.pk)
        if watched.get(milestone.pk) == "slipping":
            continue
        with transaction.atomic():
            MilestoneWatch.objects.update_or_create(
                milestone=milestone,
                defaults={"state": "slipping", "changed_at": timezone.now()},
            )
            people = [milestone.owner, milestone.solution.owner]
            readers = [
                person
                for person in people
                if person is not None
                and visible(Solution, person).filter(pk=milestone.solution_id).exists()
            ]
            notify(Kind.MILESTONE_SLIPPING, readers, milestone=milestone)
        told += 1
    # Back on time (done, or its date moved): the next slip is news again.
    recovered = [
        pk for pk, state in watched.items() if state == "slipping" and pk not in slipping_ids
    ]
    MilestoneWatch.objects.filter(milestone_id__in=recovered).update(
        state="on_time", changed_at=timezone.now()
    )
    return told


# -- a person's own choices ----------------------------------------------------------------------
@transaction.atomic
def set_preferences(by: Any, choices: dict[str, tuple[bool, bool]]) -> dict[str, tuple[bool, bool]]:
    """Save ``by``'s (in-app, e-mail) choice for each kind given."""
    _signed_in(by)
    unknown = sorted(set(choices) - set(Kind.values))
    if unknown:
        raise ValidationError(
            {"kind": _("No such kind of notification: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    for kind, (app, mail) in choices.items():
        Preference.objects.update_or_create(
            user=by, kind=kind, defaults={"in_app": bool(app), "email": bool(mail)}
        )
    return choices


def follow(by: Any, challenge: Challenge) -> Follow:
    """Follow a challenge ``by`` may see."""
    _signed_in(by)
    check(by, Action.VIEW, challenge, DEFAULT_POLICY)
    row, _created = Follow.objects.get_or_create(user=by, challenge=challenge)
    return row


def unfollow(by: Any, challenge: Challenge) -> None:
    _signed_in(by)
    Follow.objects.filter(user=by, challenge=challenge).delete()


def mark_read(by: Any, ids: Iterable[int] | None = None) -> int:
    """Mark ``by``'s notifications read: those of ``ids``, or all; returns how many."""
    _signed_in(by)
    rows = Notification.objects.filter(user=by, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


# -- score requests ----------------------------------------------------------------------------
@transaction.atomic
def request_scores(
    by: Any, challenge: Challenge, people: Iterable[Any], idea: Idea | None = None, note: str = ""
) -> ScoreRequest:
    """Ask ``people`` to score the ideas of ``challenge`` (or one ``idea`` of it). ``by`` must
    be able to edit the challenge; each person asked must be able to see it."""
    _signed_in(by)
    check(by, Action.EDIT, challenge, DEFAULT_POLICY)
    if idea is not None and idea.challenge_id != challenge.pk:
        raise ValidationError({"idea": _("That idea is not one of this challenge's.")})
    asked = {person.pk: person for person in people if person.pk != by.pk}
    if not asked:
        raise ValidationError({"people": _("Choose at least one other person to ask.")})
    if len(asked) > MAX_ASKED:
        raise ValidationError(
            {"people": _("Ask at most %(most)d people at a time.") % {"most": MAX_ASKED}}
        )
    blind = [person for person in asked.values() if not user_can(person, Action.VIEW, challenge)]
    if blind:
        raise ValidationError({"people": _("Everyone asked must be able to see the challenge.")})
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationError(
            {"note": _("Keep the note under %(limit)d characters.") % {"limit": NOTE_LIMIT}}
        )
    request = ScoreRequest.objects.create(
        challenge=challenge, idea=idea, requested_by=by, note=note
    )
    request.asked.set(list(asked.values()))
    record(
        by,
        "score_request.create",
        request,
        city=challenge.city,
        challenge=challenge.pk,
        idea=idea.pk if idea is not None else None,
        asked=len(asked),
    )
    notify(Kind.SCORES_REQUESTED, asked.values(), actor=by, score_request=request)
    return request
