"""Every write of discussions: checked (who may), validated (limits), audited.

Starting a thread and posting need a reader of the target who is more than a viewer in the
thread's network (``queries.discussions.may_write_in``); a locked thread takes no post.
Reporting is open to every reader; hiding posts and locking threads to the network's admins.
A post notifies the thread's subscribers and the readers it mentions, in their inbox (the
digest email is built from the inbox, ``send_digests``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.exchange import kinds
from civiclab.exchange.models.discussions import (
    COHORT,
    TITLE_LIMIT,
    TOPIC,
    DiscussionInboxItem,
    DiscussionPost,
    DiscussionReport,
    Subscription,
    Thread,
)
from civiclab.exchange.queries.discussions import (
    can_read,
    is_moderator,
    may_write_in,
    visible_cohorts,
)
from civiclab.exchange.signals import mentioned as mentioned_signal
from civiclab.network.models import City, Network

# Limits (docs/exchange/discussions.md).
BODY_LIMIT = 10_000
REASON_LIMIT = 1_000
# Posts (threads included) one person may write in RATE_WINDOW: a runaway script or a flood
# stops here, a lively conversation does not.
RATE_LIMIT = 30
RATE_WINDOW = dt.timedelta(minutes=10)
# Mentions acted on per post (the rest are text): a post cannot page a whole network.
MENTION_LIMIT = 20

# ``@ana`` (the part of the address before the @) or ``@ana@city.example.org`` (the
# address), not inside a word or an address.
MENTION = re.compile(
    r"(?<![\w@.+-])@([A-Za-z0-9][A-Za-z0-9._%+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


def _signed_in(by: Any) -> None:
    if by is None or not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to take part in discussions."))


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give the thread a title.")})
    if len(title) > TITLE_LIMIT:
        raise ValidationError(
            {"title": _("A title has at most %(most)s characters.") % {"most": TITLE_LIMIT}}
        )
    return title


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    if len(body) > BODY_LIMIT:
        raise ValidationError(
            {
                "body": _("A message has at most %(most)s characters (this one has %(n)s).")
                % {"most": BODY_LIMIT, "n": len(body)}
            }
        )
    return body


def resolve_target(by: Any, target_kind: str, target_id: int | None) -> tuple[Network, Any]:
    """The network of the target ``by`` may see, and the target object (the network for a
    topic). Http-neutral: a target that does not exist or is not visible is one answer, a
    ValidationError naming ``target`` (callers turn it into a 404)."""
    missing = ValidationError({"target": _("No such object to discuss.")})
    if target_id is None:
        raise missing
    if target_kind == TOPIC:
        network = Network.objects.filter(pk=target_id, memberships__user=by).distinct().first()
        if network is None:
            raise missing
        return network, network
    if target_kind == COHORT:
        cohort = visible_cohorts(by).filter(pk=target_id).first()
        if cohort is None:
            raise missing
        return cohort.network, cohort
    if target_kind not in kinds.names():
        raise ValidationError(
            {
                "kind": _("Threads are about %(kinds)s.")
                % {"kinds": ", ".join([TOPIC, COHORT, *kinds.names()])}
            }
        )
    obj = kinds.visible_object(target_kind, by, target_id)
    if obj is None:
        raise missing
    city = City.objects.select_related("network").get(pk=kinds.kind(target_kind).city_id(obj))
    return city.network, obj


def _audit_city(thread: Thread) -> City | None:
    """The city whose admins read a thread's audit events: the target's (a topic's and a
    cohort's events are read by the network's admins only)."""
    if thread.target_kind in (TOPIC, COHORT) or thread.target_id is None:
        return None
    try:
        obj = (
            kinds.kind(thread.target_kind)
            .visible(None)
            .model._default_manager.filter(pk=thread.target_id)
            .first()
        )
    except KeyError:
        return None
    if obj is None:
        return None
    return City.objects.filter(pk=kinds.kind(thread.target_kind).city_id(obj)).first()


def _may_write(by: Any, thread: Thread) -> None:
    _signed_in(by)
    if not can_read(by, thread):
        raise PermissionDenied(_("You cannot see this thread."))
    if not may_write_in(by, thread.network_id):
        raise PermissionDenied(_("Viewers read discussions; members write in them."))


@transaction.atomic
def start_thread(by: Any, target_kind: str, target_id: int | None, title: str, body: str) -> Thread:
    """A new thread on a target ``by`` may see, with its first post; ``by`` follows it."""
    _signed_in(by)
    network, _target = resolve_target(by, target_kind, target_id)
    if not may_write_in(by, network.pk):
        raise PermissionDenied(_("Viewers read discussions; members write in them."))
    title = _clean_title(title)
    body = _clean_body(body)
    now = timezone.now()
    _check_rate(by, now)
    thread = Thread.objects.create(
        network=network,
        target_kind=target_kind,
        target_id=target_id,
        title=title,
        author=by,
        last_post_at=now,
    )
    record(
        by,
        "thread.create",
        thread,
        city=_audit_city(thread),
        network=network,
        kind=target_kind,
        target=target_id,
    )
    _add_post(by, thread, body, now)
    return thread


@transaction.atomic
def reply(by: Any, thread: Thread, body: str) -> DiscussionPost:
    """A new post in ``thread`` (not locked); ``by`` follows the thread from then on."""
    _may_write(by, thread)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.locked:
        raise ValidationError(_("This thread is locked: it takes no more replies."))
    body = _clean_body(body)
    now = timezone.now()
    _check_rate(by, now)
    return _add_post(by, thread, body, now)


def _check_rate(by: Any, now: dt.datetime) -> None:
    recent = DiscussionPost.objects.filter(author=by, created_at__gt=now - RATE_WINDOW).count()
    if recent >= RATE_LIMIT:
        raise ValidationError(
            {
                "body": _(
                    "You have written %(most)s messages in the last %(minutes)s minutes, the "
                    "most one person may: wait a little."
                )
                % {"most": RATE_LIMIT, "minutes": int(RATE_WINDOW.total_seconds() // 60)}
            }
        )


def _add_post(by: Any, thread: Thread, body: str, now: dt.datetime) -> DiscussionPost:
    post = DiscussionPost.objects.create(thread=thread, author=by, body=body)
    Thread.objects.filter(pk=thread.pk).update(last_post_at=now)
    Subscription.objects.get_or_create(thread=thread, user=by)
    mentioned = mentioned_readers(by, thread, body)
    _notify(post, by, mentioned)
    if mentioned:
        transaction.on_commit(
            lambda: mentioned_signal.send(sender=DiscussionPost, post=post, people=mentioned, by=by)
        )
    record(
        by,
        "post.create",
        post,
        city=_audit_city(thread),
        network=thread.network,
        thread=thread.pk,
        mentions=len(mentioned),
    )
    return post


def mentioned_readers(by: Any, thread: Thread, body: str) -> list[Any]:
    """The people ``body`` mentions who may read ``thread`` (at most MENTION_LIMIT; not
    ``by``). A name that is nobody, several people, or someone who cannot read the thread is
    left as text: nothing tells the writer which it was."""
    handles: list[str] = []
    for match in MENTION.finditer(body):
        handle = match.group(1).rstrip(".").lower()
        if handle and handle not in handles:
            handles.append(handle)
        if len(handles) >= MENTION_LIMIT:
            break
    if not handles:
        return []
    condition = Q()
    for handle in handles:
        condition |= (
            Q(email__iexact=handle) if "@" in handle else Q(email__istartswith=handle + "@")
        )
    candidates = get_user_model().objects.filter(condition, is_active=True).exclude(pk=by.pk)
    readers = [person for person in candidates if can_read(person, thread)]
    found = []
    for handle in handles:
        if "@" in handle:
            matches = [p for p in readers if p.email.lower() == handle]
        else:
            matches = [p for p in readers if p.email.lower().partition("@")[0] == handle]
        if len(matches) == 1 and matches[0] not in found:
            found.append(matches[0])
    return found


def _notify(post: DiscussionPost, by: Any, mentioned: list[Any]) -> None:
    """Inbox items: a mention for each mentioned reader, a new post for each other
    subscriber. Readability is checked again whenever the inbox is read."""
    items = [
        DiscussionInboxItem(user=person, post=post, thread=post.thread, reason="mention")
        for person in mentioned
    ]
    told = {person.pk for person in mentioned} | {by.pk}
    subscribers = Subscription.objects.filter(thread=post.thread).exclude(user_id__in=told)
    items += [
        DiscussionInboxItem(user_id=user_id, post=post, thread=post.thread, reason="reply")
        for user_id in subscribers.values_list("user_id", flat=True)
    ]
    DiscussionInboxItem.objects.bulk_create(items, ignore_conflicts=True)


def subscribe(by: Any, thread: Thread) -> Subscription:
    """Follow a readable thread (again: no change)."""
    _signed_in(by)
    if not can_read(by, thread):
        raise PermissionDenied(_("You cannot see this thread."))
    subscription, _created = Subscription.objects.get_or_create(thread=thread, user=by)
    return subscription


def unsubscribe(by: Any, thread: Thread) -> None:
    """Stop following a thread (its mentions of you still come)."""
    _signed_in(by)
    Subscription.objects.filter(thread=thread, user=by).delete()


def report_post(by: Any, post: DiscussionPost, reason: str = "") -> DiscussionReport:
    """A reader tells the moderators about a post (once per post)."""
    _signed_in(by)
    if not can_read(by, post.thread):
        raise PermissionDenied(_("You cannot see this thread."))
    reason = (reason or "").strip()
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            {"reason": _("A reason has at most %(most)s characters.") % {"most": REASON_LIMIT}}
        )
    try:
        with transaction.atomic():
            report = DiscussionReport.objects.create(post=post, reporter=by, reason=reason)
    except IntegrityError:
        raise ValidationError(_("You have reported this post already.")) from None
    record(
        by,
        "post.report",
        post,
        city=_audit_city(post.thread),
        network=post.thread.network,
        thread=post.thread_id,
    )
    return report


def _moderator(by: Any, thread: Thread) -> None:
    _signed_in(by)
    if not is_moderator(by, thread.network_id):
        raise PermissionDenied(_("Only the network's admins moderate its discussions."))


def hide_post(by: Any, post: DiscussionPost, hidden: bool = True) -> DiscussionPost:
    """Hide a post's text from everyone but the moderators (or show it again)."""
    _moderator(by, post.thread)
    if hidden == post.hidden:
        return post
    post.hidden_at = timezone.now() if hidden else None
    post.hidden_by = by if hidden else None
    post.save(update_fields=["hidden_at", "hidden_by"])
    record(
        by,
        "post.hide" if hidden else "post.unhide",
        post,
        city=_audit_city(post.thread),
        network=post.thread.network,
        thread=post.thread_id,
    )
    return post


def lock_thread(by: Any, thread: Thread, locked: bool = True) -> Thread:
    """Lock a thread (no more replies) or unlock it."""
    _moderator(by, thread)
    if locked == thread.locked:
        return thread
    thread.locked_at = timezone.now() if locked else None
    thread.locked_by = by if locked else None
    thread.save(update_fields=["locked_at", "locked_by"])
    record(
        by,
        "thread.lock" if locked else "thread.unlock",
        thread,
        city=_audit_city(thread),
        network=thread.network,
    )
    return thread


def mark_read(by: Any, item_ids: list[int] | None = None) -> int:
    """Mark some (or all) of ``by``'s inbox items read; how many changed. A person's own
    reading is not audited (nothing anyone else sees changes)."""
    _signed_in(by)
    items = DiscussionInboxItem.objects.filter(user=by, read_at__isnull=True)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    return items.update(read_at=timezone.now())
