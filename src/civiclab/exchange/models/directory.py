"""The directory: who works on what. Each person chooses who finds them (nobody, the people
of their own cities, the whole network) and which fields show; their topics and skills are
tags they pick. Their name, cities, teams and roles are read live from their memberships."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["DirectoryEntry", "DirectoryTag"]

HIDDEN, MY_CITY, NETWORK = "hidden", "city", "network"
DIRECTORY_VISIBILITY = [
    (HIDDEN, _("Hidden: nobody finds me")),
    (MY_CITY, _("My city: the people of my cities")),
    (NETWORK, _("The network: everyone in my networks")),
]
# Limits (docs/exchange/directory.md, "Limits").
HEADLINE_LIMIT = 300
TAG_LIMIT = 80
MAX_TAGS = 30

TOPIC, SKILL = "topic", "skill"
TAG_KINDS = [(TOPIC, _("Topic")), (SKILL, _("Skill"))]


class DirectoryEntry(models.Model):
    """A person's own directory settings (no entry: found by their cities only)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_entry"
    )
    visibility = models.CharField(
        _("who finds me"), max_length=8, choices=DIRECTORY_VISIBILITY, default=MY_CITY
    )
    headline = models.CharField(
        _("what I work on"),
        max_length=HEADLINE_LIMIT,
        blank=True,
        validators=[MaxLengthValidator(HEADLINE_LIMIT)],
    )
    show_team = models.BooleanField(_("show my team"), default=True)
    show_role = models.BooleanField(_("show my role"), default=True)
    show_email = models.BooleanField(_("show my email address"), default=False)
    show_work = models.BooleanField(_("show the challenges and solutions I own"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")

    def __str__(self) -> str:
        return str(self.user)


class DirectoryTag(models.Model):
    """A topic or skill of an entry; ``key`` is the label folded (lower case, no accents)
    for filtering, ``label`` as the person wrote it."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(max_length=8, choices=TAG_KINDS)
    label = models.CharField(max_length=TAG_LIMIT)
    key = models.CharField(max_length=TAG_LIMIT, db_index=True)

    class Meta:
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind", "key"], name="one_tag_per_entry")
        ]

    def __str__(self) -> str:
        return self.label
