"""Notifications: what a person is told, what they asked to be told, what they follow.

A notification points at the object it is about through one of its nullable foreign keys
(the import job and its dataset, the milestone, the score request, the evidence, the
discussion post): the list reads each through that object's own scoped query, so a person who
can no longer see the object no longer sees the notification. Deleting the object deletes its
notifications.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    IMPORT_FINISHED = "import_finished", _("An import or refresh of mine finished")
    IMPORT_FAILED = "import_failed", _("An import or refresh of mine failed")
    CITY_REFRESH = "city_refresh", _("A refresh nobody owns finished or failed in my city")
    MILESTONE_SLIPPING = "milestone_slipping", _("A milestone I own or lead is slipping")
    SCORES_REQUESTED = "scores_requested", _("Someone asked me to score ideas")
    EVIDENCE_ADDED = "evidence_added", _("New evidence on a challenge I follow")
    MENTIONED = "mentioned", _("Someone mentioned me in a discussion")


# (in-app, digest e-mail) when a person has not chosen: told in the app about what is theirs
# or asked of them; no e-mail until they ask for it; nothing about others' refreshes.
DEFAULTS: dict[str, tuple[bool, bool]] = {
    Kind.IMPORT_FINISHED: (True, False),
    Kind.IMPORT_FAILED: (True, False),
    Kind.CITY_REFRESH: (False, False),
    Kind.MILESTONE_SLIPPING: (True, False),
    Kind.SCORES_REQUESTED: (True, False),
    Kind.EVIDENCE_ADDED: (True, False),
    Kind.MENTIONED: (True, False),
}


class Preference(models.Model):
    """A person's choice for one kind; without a row, ``DEFAULTS`` apply."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: app={self.in_app} email={self.email}"


class ScoreRequest(models.Model):
    """A request that chosen people score a challenge's ideas (one idea, or all of them)."""

    challenge = models.ForeignKey("portfolio.Challenge", on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(
        "portfolio.Idea", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    asked: models.ManyToManyField[Any, Any] = models.ManyToManyField(USER, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Score request #{self.pk}"


class Follow(models.Model):
    """A person follows a challenge: told of new evidence on it."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    challenge = models.ForeignKey("portfolio.Challenge", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "challenge"], name="one_follow_per_challenge")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.challenge_id}"


class MilestoneWatch(models.Model):
    """The state of a milestone the sweep last told its people about: it tells them again only
    when the state changes (slipping → back on time → slipping), never daily."""

    milestone = models.OneToOneField(
        "portfolio.Milestone", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=16)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"milestone {self.milestone_id}: {self.state}"


class Notification(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What it is about: exactly the keys its kind needs (see services.KIND_TARGET).
    job = models.ForeignKey(
        "datasets.ImportJob", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    city = models.ForeignKey(
        "network.City", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        "portfolio.Milestone", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    score_request = models.ForeignKey(
        ScoreRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    evidence = models.ForeignKey(
        "portfolio.Evidence", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "exchange.DiscussionPost",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} ({self.kind})"
