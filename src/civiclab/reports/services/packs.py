"""packs: every write of reviews checked, validated, in one transaction and audited.

Creating a review and recording its meetings: members of the scope's city (a team's review:
the team's members and the city's admins); a cohort's review: the network's admins. The
command line (``by=None``) may do all. Holding a meeting freezes the pack as it is now, records
its decisions and actions, closes what the meeting marked done, and moves the next meeting on
by one cadence.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.network.models import City, Cohort, Team
from civiclab.reports.models.packs import (
    CADENCES,
    CITY,
    COHORT,
    ITEM_TEXT_LIMIT,
    ITEMS_PER_MEETING,
    NOTES_LIMIT,
    PDF_LIMIT_BYTES,
    PDFS_KEPT,
    TEAM,
    TITLE_LIMIT,
    PackPdf,
    Review,
    ReviewAction,
    ReviewDecision,
    ReviewMeeting,
)
from civiclab.reports.queries import packs as queries
from civiclab.reports.rules.packs import next_meeting

# A meeting date more than this far from today is a typo, not a plan.
DATE_RANGE = dt.timedelta(days=3 * 366)


def _refuse_nul(name: str, text: str) -> None:
    # PostgreSQL stores no NUL character in text: refused here rather than failing there.
    if "\x00" in text:
        raise ValidationError({name: _("The text holds a NUL character.")})


def _check_writer(by: Any, review: Review) -> None:
    if by is None:
        return
    if not queries.may_write(by, review):
        raise PermissionDenied("not allowed to write this review")


def _check_date(name: str, value: Any, today: dt.date) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({name: _("Give a date (YYYY-MM-DD).")})
    if abs(value - today) > DATE_RANGE:
        raise ValidationError({name: _("Give a date within three years of today.")})
    return value


def _owner(review: Review, owner: Any, field: str) -> Any:
    if owner is None:
        return None
    if isinstance(owner, int):
        owner = get_user_model().objects.filter(pk=owner, is_active=True).first()
        if owner is None:
            raise ValidationError({field: _("No such person.")})
    if not queries.may_be_owner(owner, review):
        raise ValidationError({field: _("The owner must be one of the review's readers.")})
    return owner


@transaction.atomic
def create_review(
    by: Any,
    *,
    scope: str,
    title: str,
    cadence: str,
    next_meeting_on: dt.date,
    team: Team | None = None,
    city: City | None = None,
    cohort: Cohort | None = None,
    owner: Any = None,
) -> Review:
    """A new recurring review of ``team``, ``city`` (its portfolio) or ``cohort``."""
    title = (title or "").strip()
    _refuse_nul("title", title)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the review a title.")
    elif len(title) > TITLE_LIMIT:
        errors["title"] = _("At most %(n)d characters.") % {"n": TITLE_LIMIT}
    if cadence not in dict(CADENCES):
        errors["cadence"] = _("Choose weekly, monthly or quarterly.")
    review = Review(scope=scope, title=title, cadence=cadence)
    if scope == TEAM and team is not None:
        review.team, review.city, review.network_id = team, team.city, team.city.network_id
    elif scope == CITY and city is not None:
        review.city, review.network_id = city, city.network_id
    elif scope == COHORT and cohort is not None:
        review.cohort, review.network_id = cohort, cohort.network_id
    else:
        errors["scope"] = _("Choose a team, a city or a cohort to review.")
    if errors:
        raise ValidationError(errors)
    _check_writer(by, review)
    review.next_meeting_on = _check_date("next_meeting_on", next_meeting_on, timezone.localdate())
    review.owner = _owner(review, owner, "owner") or (
        by if getattr(by, "is_authenticated", False) else None
    )
    review.created_by = by if getattr(by, "is_authenticated", False) else None
    review.full_clean()
    review.save()
    record(
        by, "review.create", review, city=review.city, network=review.network,
        scope=scope, cadence=cadence,
    )  # fmt: skip
    return review


def _items(review: Review, items: Any, name: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise ValidationError({name: _("A list of items.")})
    if len(items) > ITEMS_PER_MEETING:
        raise ValidationError({name: _("At most %(n)d per meeting.") % {"n": ITEMS_PER_MEETING}})
    in_scope = None
    cleaned = []
    today = timezone.localdate()
    for n, item in enumerate(items, start=1):
        item = item if isinstance(item, dict) else {}
        text = str(item.get("text") or "").strip()
        _refuse_nul(name, text)
        if not text:
            raise ValidationError({name: _("Item %(n)d has no text.") % {"n": n}})
        if len(text) > ITEM_TEXT_LIMIT:
            raise ValidationError(
                {name: _("Item %(n)d: at most %(limit)d characters.")
                 % {"n": n, "limit": ITEM_TEXT_LIMIT}}
            )  # fmt: skip
        solution_id = item.get("solution")
        solution = None
        if solution_id is not None:
            if in_scope is None:
                in_scope = {s.pk: s for s in queries.solutions_in_scope(review)}
            solution = in_scope.get(solution_id) if isinstance(solution_id, int) else None
            if solution is None:
                raise ValidationError(
                    {name: _("Item %(n)d: the solution is not in this review.") % {"n": n}}
                )
        due = item.get("due_on")
        if due is not None:
            due = _check_date(name, due, today)
        cleaned.append(
            {
                "text": text,
                "solution": solution,
                "owner": _owner(review, item.get("owner"), name),
                "due_on": due,
            }
        )
    return cleaned


def _to_close(review: Review, ids: Any, model: Any, name: str) -> list[Any]:
    if not ids:
        return []
    if not isinstance(ids, (list, tuple)) or len(ids) > 500:
        raise ValidationError({name: _("A list of at most 500 ids.")})
    found = list(
        model.objects.filter(pk__in=[i for i in ids if isinstance(i, int)], meeting__review=review)
    )
    if len(found) != len(set(ids)):
        raise ValidationError({name: _("Some of these are not this review's.")})
    return found


@transaction.atomic
def hold_meeting(
    by: Any,
    review: Review,
    *,
    held_on: dt.date | None = None,
    notes: str = "",
    decisions: list[dict[str, Any]] | None = None,
    actions: list[dict[str, Any]] | None = None,
    done_actions: list[int] | None = None,
    done_decisions: list[int] | None = None,
) -> ReviewMeeting:
    """Hold a meeting: the pack is frozen as it is now (with what it carries), the meeting's
    ``decisions`` and ``actions`` (``{text, solution?, owner?, due_on?}``) are recorded, the
    carried items in ``done_*`` are closed, and the next meeting moves on one cadence."""
    _check_writer(by, review)
    review = Review.objects.select_for_update().get(pk=review.pk)
    today = timezone.localdate()
    held_on = _check_date("held_on", held_on or today, today)
    notes = (notes or "").strip()
    _refuse_nul("notes", notes)
    if len(notes) > NOTES_LIMIT:
        raise ValidationError({"notes": _("At most %(n)d characters.") % {"n": NOTES_LIMIT}})
    new_decisions = _items(review, decisions, "decisions")
    new_actions = _items(review, actions, "actions")
    close_actions = _to_close(review, done_actions, ReviewAction, "done_actions")
    close_decisions = _to_close(review, done_decisions, ReviewDecision, "done_decisions")
    pack = queries.prepare_pack(review)
    actor = by if getattr(by, "is_authenticated", False) else None
    meeting = ReviewMeeting.objects.create(
        review=review, held_on=held_on, notes=notes, pack=pack, held_by=actor
    )
    ReviewDecision.objects.bulk_create(ReviewDecision(meeting=meeting, **d) for d in new_decisions)
    ReviewAction.objects.bulk_create(ReviewAction(meeting=meeting, **a) for a in new_actions)
    for item in close_actions + close_decisions:
        if item.done_on is None:
            item.done_on = held_on
            item.save(update_fields=["done_on"])
    upcoming = review.next_meeting_on
    while upcoming <= held_on:
        upcoming = next_meeting(upcoming, review.cadence)
    review.next_meeting_on = upcoming
    review.save(update_fields=["next_meeting_on", "updated_at"])
    record(
        by, "review.meeting", review, city=review.city, network=review.network,
        meeting=meeting.pk, held_on=held_on.isoformat(), decisions=len(new_decisions),
        actions=len(new_actions), closed=len(close_actions) + len(close_decisions),
    )  # fmt: skip
    return meeting


@transaction.atomic
def mark_done(by: Any, item: ReviewAction | ReviewDecision, done: bool = True) -> Any:
    """Close (or reopen) one carried action or decision."""
    review = item.meeting.review
    _check_writer(by, review)
    item.done_on = timezone.localdate() if done else None
    item.save(update_fields=["done_on"])
    kind = "action" if isinstance(item, ReviewAction) else "decision"
    record(
        by, f"review.{kind}_{'done' if done else 'reopened'}", review, city=review.city,
        network=review.network, item=item.pk,
    )  # fmt: skip
    return item


def request_pdf(
    by: Any, review: Review, *, language: str, meeting: ReviewMeeting | None = None
) -> PackPdf:
    """Queue the PDF of the current pack (or of ``meeting``'s frozen one) in ``language``;
    the worker renders it (``background.packs``). Any reader of the review may ask."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    if meeting is not None and meeting.review_id != review.pk:
        raise ValidationError({"meeting": _("The meeting is another review's.")})
    with transaction.atomic():
        job = PackPdf.objects.create(
            review=review,
            meeting=meeting,
            language=language,
            requested_by=by if getattr(by, "is_authenticated", False) else None,
        )
        stale = PackPdf.objects.filter(review=review).order_by("-created_at", "-pk")[PDFS_KEPT:]
        PackPdf.objects.filter(pk__in=[p.pk for p in stale]).delete()
        record(by, "review.pdf", review, city=review.city, network=review.network, pdf=job.pk)
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(job_id: int) -> None:
    from civiclab.reports.background.packs import render_pack_pdf

    render_pack_pdf(job_id)


def pack_pdf_bytes(review: Review, pack: dict[str, Any], language: str) -> bytes:
    """The PDF of ``pack`` in ``language`` (heavy: the worker and the command line only)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from civiclab.reports.pack_display import pack_context
    from civiclab.reports.pdf import render_pdf

    with translation.override(language):
        html = render_to_string(
            "reports/packs/pdf.html", {**pack_context(pack), "review": review, "lang": language}
        )
        return render_pdf(html, stylesheets=["reports/packs.css"])


def render_job(job_id: int) -> None:
    """Render one queued PDF (run by the worker); its state is kept on the row."""
    job = PackPdf.objects.select_related("review", "meeting").filter(pk=job_id).first()
    if job is None or job.state != "queued":
        return
    PackPdf.objects.filter(pk=job.pk).update(state="running")
    started = time.monotonic()
    try:
        pack = job.meeting.pack if job.meeting is not None else queries.prepare_pack(job.review)
        content = pack_pdf_bytes(job.review, pack, job.language)
        if len(content) > PDF_LIMIT_BYTES:
            raise ValueError(f"the PDF is larger than {PDF_LIMIT_BYTES // 2**20} MB")
    except Exception as exc:  # the job says why; the worker goes on
        PackPdf.objects.filter(pk=job.pk).update(
            state="failed", error=str(exc)[:500], finished_at=timezone.now()
        )
        return
    PackPdf.objects.filter(pk=job.pk).update(
        state="done",
        content=content,
        size=len(content),
        seconds=round(time.monotonic() - started, 3),
        finished_at=timezone.now(),
    )
