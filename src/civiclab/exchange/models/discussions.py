"""Discussions: threads on a topic, a cohort or any object kind of ``exchange.kinds``, their
posts, reports, subscriptions and each person's inbox.

A thread points at its target by kind and id (``target_kind``, ``target_id``); who may read it
is read from the target at query time (``queries.discussions``), never copied here. The
network is stored because it never changes for a target and says who moderates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["DiscussionInboxItem", "DiscussionPost", "DiscussionReport", "Subscription", "Thread"]

USER = settings.AUTH_USER_MODEL

# The targets that are not object kinds of exchange.kinds (their readers are checked here).
TOPIC = "topic"
COHORT = "cohort"

# Limits (docs/exchange/discussions.md): the database holds the title's; the services check
# the others with a clear message.
TITLE_LIMIT = 200
KIND_LIMIT = 32


class Thread(models.Model):
    """A conversation on one target: a free-standing topic of a network, a cohort, or an
    object of a registered kind (challenge, solution, case…)."""

    network = models.ForeignKey(
        "network.Network", on_delete=models.CASCADE, related_name="discussion_threads"
    )
    target_kind = models.CharField(_("about"), max_length=KIND_LIMIT)
    # A topic's target is the network itself (its id here).
    target_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_post_at = models.DateTimeField(db_index=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-last_post_at", "-pk"]
        indexes = [models.Index(fields=["target_kind", "target_id"], name="thread_target")]

    def __str__(self) -> str:
        # What the audit log keeps: the id, not the words (a thread's title is as private as
        # its target, and the log outlives a narrowing of it).
        return f"Thread #{self.pk}"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class DiscussionPost(models.Model):
    """One message of a thread, in Markdown (rendered safely when read)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Post #{self.pk}"

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class DiscussionReport(models.Model):
    """A reader's report of a post to the network's moderators (once per reader and post)."""

    post = models.ForeignKey(DiscussionPost, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="one_report_per_reader")
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk}"


class Subscription(models.Model):
    """A person follows a thread: its new posts come to their inbox (and digest)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_subscription_per_thread")
        ]

    def __str__(self) -> str:
        return f"Subscription #{self.pk}"


INBOX_REASONS = [("reply", _("New post")), ("mention", _("Mention"))]


class DiscussionInboxItem(models.Model):
    """A post someone should read: in a thread they follow, or mentioning them. Shown only
    while they may still read the thread (checked when read, not when written)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(DiscussionPost, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=INBOX_REASONS)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="one_inbox_item_per_post")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return f"Inbox item #{self.pk}"
