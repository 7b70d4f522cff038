"""nudges: who was told that what they own needs updating, and what state it was in.

``NudgeState`` remembers, per tracked object (a dataset that promises updates, an indicator,
a milestone), the state the last sweep saw, so that an owner is told once per change of
state — never every day. ``Nudge`` is one in-app notice (and one line of a digest email) for
one person. ``NudgeSettings`` holds a person's choice to receive the digest email or not.

The objects are named by kind and id, not by foreign keys: they live in three apps below, and
who may read a nudge is decided from the object at read time (``queries.nudges``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Nudge", "NudgeSettings", "NudgeState"]

USER = settings.AUTH_USER_MODEL

NUDGE_KINDS = [
    ("dataset", _("Dataset")),
    ("indicator", _("Indicator")),
    ("milestone", _("Milestone")),
]
# "fresh" also stands for a done milestone; an object with no state to keep has no row.
NUDGE_STATES = [
    ("fresh", _("Up to date")),
    ("due", _("Due")),
    ("overdue", _("Overdue")),
]


class NudgeState(models.Model):
    """The state of one tracked object as the last sweep saw it."""

    kind = models.CharField(max_length=16, choices=NUDGE_KINDS)
    object_id = models.BigIntegerField()
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    state = models.CharField(max_length=8, choices=NUDGE_STATES)
    changed_at = models.DateTimeField(help_text="When the sweep saw it take this state")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_nudge_state_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}: {self.state}"


class Nudge(models.Model):
    """One notice to one person: an object they own (or, owner-less, of a city they
    administer) became due or overdue. ``params`` are what the message is written from, in
    the reader's language when it is read: the object's name, where it is, since when."""

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=NUDGE_KINDS)
    object_id = models.BigIntegerField()
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=NUDGE_STATES)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="nudge_recipient_unread")]

    def __str__(self) -> str:
        # The id only: the object's name is as private as the object.
        return f"Nudge #{self.pk}"


class NudgeSettings(models.Model):
    """A person's choice about the digest email (the in-app list is always kept)."""

    user = models.OneToOneField(
        USER, on_delete=models.CASCADE, primary_key=True, related_name="nudge_settings"
    )
    email = models.BooleanField(_("email me a digest of new reminders"), default=True)

    def __str__(self) -> str:
        return f"nudge settings of user {self.user_id}"
