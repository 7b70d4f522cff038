"""Convenings: every write checked, validated and audited.

The network's admins organise (create, edit, cancel, attach notes); the command line
(``by=None``) may too. Whoever may see a convening answers it: going, maybe or not going.
"Going" is bounded by the capacity: when it is full the answer is kept on a waiting list, and
the first waiting is moved to going as soon as a place frees up (someone leaves, the capacity
is raised). The convening's row is locked while places are counted, so two last answers
cannot both take the last place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.errors import DomainError
from civiclab.core.services import changed_values
from civiclab.exchange.models.convenings import (
    AGENDA_LIMIT,
    AGENDA_TITLE_LIMIT,
    GOING,
    MAYBE,
    NOT_GOING,
    SPEAKER_LIMIT,
    WAITLIST,
    AgendaItem,
    Convening,
    Rsvp,
)
from civiclab.exchange.queries.convenings import may_organise, visible_convenings
from civiclab.network.models import Cohort, Network

# The longest a convening may last (a multi-day forum fits; a typo of a year does not).
MAX_DURATION = dt.timedelta(days=31)
EDITABLE = (
    "kind", "cohort", "title", "description", "starts_at", "ends_at", "timezone", "place",
    "online_url", "capacity",
)  # fmt: skip
ANSWERS = (GOING, MAYBE, NOT_GOING)


class ConveningClosed(DomainError):
    """The convening was cancelled, or is over: it takes no more answers or changes."""

    status = 409
    code = "convening_closed"


def _check_organiser(by: Any, network: Network) -> None:
    if by is None:
        return
    if not getattr(by, "is_authenticated", False) or not may_organise(by, network.pk):
        raise PermissionDenied("only the network's admins organise its convenings")


def _clean_agenda(items: Any) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise ValidationError({"agenda": _("The agenda is a list of items.")})
    if len(items) > AGENDA_LIMIT:
        raise ValidationError(
            {"agenda": _("At most %(limit)d agenda items.") % {"limit": AGENDA_LIMIT}}
        )
    cleaned = []
    for n, item in enumerate(items, start=1):
        item = item if isinstance(item, dict) else {}
        title = str(item.get("title") or "").strip()
        speaker = str(item.get("speaker") or "").strip()
        at = item.get("at")
        if not title:
            raise ValidationError({"agenda": _("Agenda item %(n)d has no title.") % {"n": n}})
        if len(title) > AGENDA_TITLE_LIMIT or len(speaker) > SPEAKER_LIMIT:
            raise ValidationError(
                {
                    "agenda": _(
                        "Agenda item %(n)d: a title of at most %(title)d characters and a "
                        "speaker of at most %(speaker)d."
                    )
                    % {"n": n, "title": AGENDA_TITLE_LIMIT, "speaker": SPEAKER_LIMIT}
                }
            )
        if at is not None and not isinstance(at, dt.time):
            raise ValidationError({"agenda": _("Agenda item %(n)d: a time as HH:MM.") % {"n": n}})
        cleaned.append({"at": at, "title": title, "speaker": speaker})
    return cleaned


def _check_fields(network: Network, fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    for name, value in (("starts_at", starts), ("ends_at", ends)):
        if not isinstance(value, dt.datetime):
            errors[name] = _("Give a date and a time.")
        elif timezone.is_naive(value):
            errors[name] = _("Give the time with its time zone.")
    if not errors and ends <= starts:  # type: ignore[operator]
        errors["ends_at"] = _("The end must come after the start.")
    elif not errors and ends - starts > MAX_DURATION:  # type: ignore[operator]
        errors["ends_at"] = _("A convening lasts at most %(days)d days.") % {
            "days": MAX_DURATION.days
        }
    cohort: Cohort | None = fields.get("cohort")
    if cohort is not None and cohort.network_id != network.pk:
        errors["cohort"] = _("The cohort belongs to another network.")
    if fields.get("kind") == "cohort_meeting" and cohort is None:
        errors["cohort"] = _("A cohort meeting needs its cohort.")
    if not str(fields.get("title") or "").strip():
        errors["title"] = _("Give the convening a title.")
    if errors:
        raise ValidationError(errors)


def _set_agenda(convening: Convening, agenda: list[dict[str, Any]]) -> None:
    convening.agenda.all().delete()
    AgendaItem.objects.bulk_create(
        AgendaItem(convening=convening, position=n, **item) for n, item in enumerate(agenda)
    )


def _agenda_text(convening: Convening) -> list[str]:
    return [
        (f"{item.at:%H:%M} " if item.at is not None else "") + f"{item.title} ({item.speaker})"
        for item in convening.agenda.all()
    ]


@transaction.atomic
def create_convening(
    by: Any,
    network: Network,
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Convening:
    """A new convening of ``network`` (or of ``cohort=``, one of its cohorts), organised by
    the network's admins; times are aware datetimes, ``agenda`` a list of ``{at, title,
    speaker}`` of at most ``AGENDA_LIMIT`` items."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    _check_organiser(by, network)
    fields = {**fields, "title": (title or "").strip(), "starts_at": starts_at, "ends_at": ends_at}
    _check_fields(network, fields)
    cleaned = _clean_agenda(agenda)
    actor = by if getattr(by, "is_authenticated", False) else None
    convening = Convening(network=network, created_by=actor, **fields)
    convening.full_clean()
    convening.save()
    _set_agenda(convening, cleaned)
    record(
        by,
        "convening.create",
        convening,
        network=network,
        kind=convening.kind,
        cohort=convening.cohort_id,
        starts_at=convening.starts_at.isoformat(),
    )
    return convening


def _locked(convening: Convening) -> Convening:
    return Convening.objects.select_for_update().get(pk=convening.pk)


def _refuse_closed(convening: Convening) -> None:
    if convening.cancelled:
        raise ConveningClosed(_("This convening was cancelled."))


@transaction.atomic
def update_convening(
    by: Any,
    convening: Convening,
    changes: dict[str, Any],
    agenda: list[dict[str, Any]] | None = None,
) -> Convening:
    """Change the fields sent (``EDITABLE``) and, when given, replace the agenda. The
    capacity may not fall below the people already going; raising it lets the waiting in."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    _check_organiser(by, convening.network)
    convening = _locked(convening)
    _refuse_closed(convening)
    merged = {name: changes.get(name, getattr(convening, name)) for name in EDITABLE}
    _check_fields(convening.network, merged)
    cleaned = _clean_agenda(agenda) if agenda is not None else None
    capacity = merged["capacity"]
    going = convening.rsvps.filter(response=GOING).count()
    if capacity is not None and capacity < going:
        raise ValidationError(
            {
                "capacity": _("%(going)d people are already going: the capacity cannot be lower.")
                % {"going": going}
            }
        )
    before = {name: getattr(convening, name) for name in changes}
    agenda_before = _agenda_text(convening)
    for name, value in changes.items():
        setattr(convening, name, value)
    convening.sequence += 1
    convening.full_clean()
    convening.save()
    diff = changed_values(before, changes)
    if cleaned is not None:
        _set_agenda(convening, cleaned)
        agenda_after = _agenda_text(convening)
        if agenda_after != agenda_before:
            diff["agenda"] = ["\n".join(agenda_before), "\n".join(agenda_after)]
    _promote_waiting(by, convening)
    record(by, "convening.update", convening, network=convening.network, changes=diff)
    return convening


@transaction.atomic
def cancel_convening(by: Any, convening: Convening, reason: str = "") -> Convening:
    """Cancel it: it stays listed, marked cancelled (STATUS:CANCELLED in the feeds), and takes
    no more answers."""
    _check_organiser(by, convening.network)
    convening = _locked(convening)
    _refuse_closed(convening)
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"cancel_reason": _("At most 300 characters.")})
    convening.cancelled_at = timezone.now()
    convening.cancel_reason = reason
    convening.sequence += 1
    convening.save()
    record(by, "convening.cancel", convening, network=convening.network, reason=reason)
    return convening


@transaction.atomic
def set_notes(by: Any, convening: Convening, notes: str) -> Convening:
    """Attach (or replace) the notes: what was said and decided, for those who could not come."""
    _check_organiser(by, convening.network)
    convening = _locked(convening)
    before = convening.notes
    convening.notes = (notes or "").strip()
    convening.notes_updated_at = timezone.now()
    convening.full_clean()
    convening.save()
    record(
        by,
        "convening.notes",
        convening,
        network=convening.network,
        characters=[len(before), len(convening.notes)],
    )
    return convening


def _promote_waiting(by: Any, convening: Convening) -> list[Rsvp]:
    """Move the first waiting to going while there is room (the row is locked by the caller);
    the audit names ``by``, whose change freed the place."""
    waiting = list(convening.rsvps.filter(response=WAITLIST).order_by("requested_at", "pk"))
    if not waiting:
        return []
    if convening.capacity is None:
        room = len(waiting)
    else:
        room = convening.capacity - convening.rsvps.filter(response=GOING).count()
    promoted = waiting[: max(room, 0)]
    for rsvp in promoted:
        rsvp.response = GOING
        rsvp.save(update_fields=["response", "updated_at"])
        record(
            by,
            "rsvp.promote",
            rsvp,
            network=convening.network,
            convening=convening.pk,
            person=rsvp.user_id,
        )
    return promoted


@transaction.atomic
def set_rsvp(by: Any, convening: Convening, response: str) -> Rsvp:
    """``by``'s answer. Going to a full convening puts them on the waiting list (the answer
    returned says ``waitlist``); leaving "going" frees the place for the first waiting."""
    if response not in ANSWERS:
        raise ValidationError(
            {"response": _("Answer going, maybe or not going (%(got)s).") % {"got": response}}
        )
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied("sign in to answer")
    if not visible_convenings(by).filter(pk=convening.pk).exists():
        raise PermissionDenied("not invited")
    convening = _locked(convening)
    _refuse_closed(convening)
    if convening.ends_at < timezone.now():
        raise ConveningClosed(_("This convening is over."))
    rsvp = Rsvp.objects.filter(convening=convening, user=by).first()
    before = rsvp.response if rsvp else ""
    if before == response or (before == WAITLIST and response == GOING):
        return rsvp  # type: ignore[return-value]
    final = response
    if response == GOING and convening.capacity is not None:
        going = convening.rsvps.filter(response=GOING).count()
        if going >= convening.capacity:
            final = WAITLIST
    if rsvp is None:
        rsvp = Rsvp(convening=convening, user=by, requested_at=timezone.now())
    elif final == WAITLIST:
        # A new place in the queue: joining it now, behind those already waiting.
        rsvp.requested_at = timezone.now()
    rsvp.response = final
    rsvp.save()
    record(
        by,
        "rsvp.set",
        rsvp,
        network=convening.network,
        convening=convening.pk,
        changes={"response": [before, final]},
    )
    if before == GOING:
        _promote_waiting(by, convening)
    return rsvp
