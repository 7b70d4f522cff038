"""Scoped reads of discussions: who may read a thread is who may see its target, now.

* a topic (free-standing in a network): the network's people (any membership in it);
* a cohort: the people of the cohort's cities and the network's admins;
* an object of a kind registered in ``exchange.kinds`` (challenge, solution, case…): whoever
  ``kind.visible(user)`` lets see it, among the people of the thread's network — a thread is
  the network's conversation, so a public challenge's thread is not shown to the internet.

Everything derived from a thread (its posts, inbox items, digests, counts) goes through
``readable_threads``, so narrowing a challenge hides its threads at once, everywhere.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from civiclab.accounts.people import display_name
from civiclab.core.permissions import Role
from civiclab.core.scoping import actor_for, rule_ids
from civiclab.exchange import kinds
from civiclab.exchange.discussions_markdown import render_markdown
from civiclab.exchange.models.discussions import (
    COHORT,
    TOPIC,
    DiscussionInboxItem,
    DiscussionPost,
    DiscussionReport,
    Subscription,
    Thread,
)
from civiclab.network.models import Cohort

# A page of posts, of threads, of inbox items (docs/exchange/discussions.md).
POSTS_PER_PAGE = 25
THREADS_PER_PAGE = 25
INBOX_PER_PAGE = 50


def member_networks(user: Any) -> set[int]:
    """The networks ``user`` has any membership in (their admins' included)."""
    return {grant.network_id for grant in actor_for(user).grants}


def visible_cohorts(user: Any) -> QuerySet[Cohort]:
    """The cohorts whose threads ``user`` reads: a cohort of one of their cities, or of a
    network they administer."""
    actor = actor_for(user)
    if not actor.authenticated:
        return Cohort.objects.none()
    city_ids = {g.city_id for g in actor.grants if g.city_id is not None}
    return (
        Cohort.objects.filter(
            Q(network_id__in=actor.network_admin_of()) | Q(cities__id__in=city_ids)
        )
        .distinct()
        .select_related("network")
    )


def readable_condition(user: Any, prefix: str = "", only: set[str] | None = None) -> Q:
    """The Q (on Thread, or on a model with ``prefix`` = "thread__") of threads ``user`` may
    read: one condition per kind of target, each a subquery of that kind's scoped read.

    ``only``: the target kinds the caller's rows can have (others are left out of the
    condition, which then matches no thread of theirs): each kind's subquery costs the
    building of its scoped read, which a caller that knows its kinds need not pay."""
    networks = member_networks(user)
    if not networks:
        return Q(pk__in=[])
    p = prefix
    condition = Q(pk__in=[])
    if only is None or TOPIC in only:
        condition |= Q(**{f"{p}target_kind": TOPIC, f"{p}network_id__in": networks})
    if only is None or COHORT in only:
        cohort_ids = visible_cohorts(user).values("pk")
        condition |= Q(**{f"{p}target_kind": COHORT, f"{p}target_id__in": cohort_ids})
    for name in kinds.names():
        if only is not None and name not in only:
            continue
        visible_pks = kinds.kind(name).visible(user).values("pk")
        condition |= Q(**{f"{p}target_kind": name, f"{p}target_id__in": visible_pks})
    return condition & Q(**{f"{p}network_id__in": networks})


def readable_threads(user: Any) -> QuerySet[Thread]:
    """The threads ``user`` may read, each with ``post_count`` (readable posts: all of them;
    a hidden post still counts, its text is what is withheld)."""
    return (
        Thread.objects.filter(readable_condition(user))
        .select_related("network", "author")
        .annotate(post_count=Count("posts"))
        .order_by("-last_post_at", "-pk")
    )


def threads_on(user: Any, target_kind: str, target_id: int | None, network_id: int | None = None):
    """The readable threads on one target, newest activity first."""
    threads = readable_threads(user).filter(target_kind=target_kind, target_id=target_id)
    if network_id is not None:
        threads = threads.filter(network_id=network_id)
    return threads


def can_read(user: Any, thread: Thread) -> bool:
    return readable_threads(user).filter(pk=thread.pk).exists()


def is_moderator(user: Any, network_id: int) -> bool:
    """Network admins moderate their network's threads."""
    return network_id in actor_for(user).network_admin_of()


def may_write_in(user: Any, network_id: int) -> bool:
    """Whether ``user`` may start threads and post in ``network_id`` (a reader who is more
    than a viewer somewhere in that network: viewers only view)."""
    actor = actor_for(user)
    if network_id in actor.network_admin_of():
        return True
    return any(g.network_id == network_id and g.role.rank >= Role.MEMBER.rank for g in actor.grants)


def thread_posts(thread: Thread) -> QuerySet[DiscussionPost]:
    """A readable thread's posts, oldest first (the caller has read the thread through
    ``readable_threads``)."""
    return thread.posts.select_related("author").order_by("created_at", "pk")


def readable_post(user: Any, pk: int) -> DiscussionPost | None:
    """The post if ``user`` may read its thread, else None (the same for one that does not
    exist)."""
    return (
        DiscussionPost.objects.filter(readable_condition(user, "thread__"), pk=pk)
        .select_related("thread", "author")
        .first()
    )


def is_subscribed(user: Any, thread: Thread) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Subscription.objects.filter(thread=thread, user=user).exists()


def inbox(user: Any) -> QuerySet[DiscussionInboxItem]:
    """``user``'s inbox: posts in threads they follow and mentions of them, newest first,
    only of threads they may still read."""
    if not getattr(user, "is_authenticated", False):
        return DiscussionInboxItem.objects.none()
    return (
        DiscussionInboxItem.objects.filter(readable_condition(user, "thread__"), user=user)
        .select_related("thread", "post", "post__author")
        .order_by("-created_at", "-pk")
    )


def unread_count(user: Any) -> int:
    """The nav's count: unread inbox items of threads ``user`` may read.

    Shown on every page, so it is cheap: first the kinds of the threads of ``user``'s unread
    items, whoever may read them (one small query on their own rows; none: 0, the usual
    case); then the count of those items through ``readable_condition`` limited to those
    kinds, so only their scoped reads are built into the query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    unread = DiscussionInboxItem.objects.filter(user=user, read_at__isnull=True)
    present = frozenset(unread.order_by().values_list("thread__target_kind", flat=True).distinct())
    if not present:
        return 0
    # The readable-thread rule is a function of the reader's grants and the kinds alone:
    # compiled once per process (building it was ~6 ms of every signed-in page).
    readable = rule_ids(
        Thread,
        ("exchange.readable_threads", actor_for(user), present),
        lambda: Thread.objects.filter(readable_condition(user, only=set(present))),
    )
    return unread.filter(thread__in=readable.values("pk")).count()


def open_reports(user: Any) -> QuerySet[DiscussionReport]:
    """The reports of posts in the networks ``user`` moderates, newest first."""
    networks = actor_for(user).network_admin_of()
    return DiscussionReport.objects.filter(post__thread__network_id__in=networks).select_related(
        "post", "post__thread", "post__author", "reporter"
    )


def target_of(user: Any, thread: Thread) -> tuple[str, str | None]:
    """(title, url) of a readable thread's target, for links back to it (url None for a
    topic and a cohort, whose page is the discussions index)."""
    if thread.target_kind == TOPIC:
        return str(thread.network.name), None
    if thread.target_id is None:
        return "", None
    if thread.target_kind == COHORT:
        cohort = visible_cohorts(user).filter(pk=thread.target_id).first()
        return (str(cohort.name) if cohort else ""), None
    obj = kinds.visible_object(thread.target_kind, user, thread.target_id)
    if obj is None:
        return "", None
    kind = kinds.kind(thread.target_kind)
    return str(kind.title(obj)), str(kind.url(obj))


def present_posts(posts: Any, moderator: bool) -> list[DiscussionPost]:
    """The posts with ``html`` (sanitised) and ``shown_body`` set for the reader: a hidden
    post's text is withheld from everyone but the moderators."""
    shown = []
    for post in posts:
        post.author_name = display_name(post.author) if post.author else ""
        if post.hidden and not moderator:
            post.html = ""
            post.shown_body = None
            post.notice = _("Hidden by a moderator.")
        else:
            post.html = render_markdown(post.body)
            post.shown_body = post.body
            post.notice = _("Hidden by a moderator.") if post.hidden else ""
        shown.append(post)
    return shown
