"""A notification as people read it: one sentence and the page it points at, in the reader's
language (the page, the API and the e-mail say the same)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civiclab.accounts.people import display_name
from civiclab.notifications.models import Kind, Notification


@dataclass(frozen=True)
class Shown:
    text: str
    url: str


def shown(item: Notification) -> Shown:
    """The sentence and link of ``item`` (read through notifications_for, so its objects are
    fetched and visible)."""
    who = display_name(item.actor) if item.actor is not None else _("Someone")
    if item.kind in (Kind.IMPORT_FINISHED, Kind.IMPORT_FAILED, Kind.CITY_REFRESH):
        job = item.job
        name = job.dataset_name if job is not None else ""
        if item.dataset is not None:
            url = reverse("datasets:dataset", args=(item.dataset.city.slug, item.dataset.slug))
        else:
            url = reverse("datasets:job", args=(item.job_id,))
        failed = job is not None and job.state == job.State.FAILED
        refreshed = job is not None and job.source_id is not None
        if refreshed and failed:
            text = _("The refresh of “%(name)s” from its source failed.") % {"name": name}
        elif refreshed:
            text = _("The refresh of “%(name)s” from its source finished.") % {"name": name}
        elif failed:
            text = _("The import of “%(name)s” failed.") % {"name": name}
        else:
            text = _("The import of “%(name)s” finished.") % {"name": name}
        return Shown(text, url)
    if item.kind == Kind.MILESTONE_SLIPPING and item.milestone is not None:
        milestone = item.milestone
        return Shown(
            _("The milestone “%(title)s” of “%(solution)s” is slipping: it was due on %(due)s.")
            % {
                "title": milestone.title,
                "solution": milestone.solution.title,
                "due": date_format(milestone.due_on, "SHORT_DATE_FORMAT"),
            },
            reverse("portfolio:solution", args=(milestone.solution_id,)),
        )
    if item.kind == Kind.SCORES_REQUESTED and item.score_request is not None:
        request = item.score_request
        if request.idea is not None:
            return Shown(
                _("%(who)s asked you to score the idea “%(idea)s”.")
                % {"who": who, "idea": request.idea.title},
                reverse("portfolio:idea", args=(request.idea_id,)),
            )
        return Shown(
            _("%(who)s asked you to score the ideas of “%(challenge)s”.")
            % {"who": who, "challenge": request.challenge.title},
            reverse("portfolio:idea_matrix", args=(request.challenge_id,)),
        )
    if item.kind == Kind.EVIDENCE_ADDED and item.evidence is not None:
        evidence = item.evidence
        return Shown(
            _("New evidence on “%(challenge)s”: %(title)s")
            % {"challenge": evidence.challenge.title, "title": evidence.title},
            reverse("portfolio:challenge", args=(evidence.challenge_id,)),
        )
    if item.kind == Kind.MENTIONED and item.post is not None:
        return Shown(
            _("%(who)s mentioned you in “%(thread)s”.")
            % {"who": who, "thread": item.post.thread.title},
            reverse("exchange:discussion_thread", args=(item.post.thread_id,))
            + f"#post-{item.post_id}",
        )
    return Shown(str(Kind(item.kind).label), reverse("notifications:list"))
