"""Convenings: forums, webinars and cohort meetings of a network or of one of its cohorts,
with their agenda, the RSVPs of the people invited and the notes attached afterwards.

Who sees one is decided at read time by ``queries.convenings.visible_convenings`` (a network's
members; a cohort meeting: the cohort's cities' members and the network's admins): nothing is
copied here about who may see it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civiclab.network.models import Cohort, Network, validate_timezone

__all__ = ["AgendaItem", "Convening", "Rsvp"]

# Limits of every user-controlled size (docs/exchange/convenings.md, "Limits").
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 10_000
NOTES_LIMIT = 50_000
PLACE_LIMIT = 300
LINK_LIMIT = 500
CAPACITY_LIMIT = 100_000
AGENDA_LIMIT = 50
AGENDA_TITLE_LIMIT = 200
SPEAKER_LIMIT = 200

KINDS = [
    ("forum", _("Forum")),
    ("webinar", _("Webinar")),
    ("cohort_meeting", _("Cohort meeting")),
]

GOING, MAYBE, NOT_GOING, WAITLIST = "going", "maybe", "not_going", "waitlist"
RESPONSES = [
    (GOING, _("Going")),
    (MAYBE, _("Maybe")),
    (NOT_GOING, _("Not going")),
    (WAITLIST, _("On the waiting list")),
]


class Convening(models.Model):
    """One event. ``cohort`` set: a meeting of that cohort (its network is the cohort's)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="convenings")
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="convenings", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=KINDS, default="forum")
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=DESCRIPTION_LIMIT,
        validators=[MaxLengthValidator(DESCRIPTION_LIMIT)],
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The zone the organisers think in: the page shows the times in it (stored in UTC).
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    place = models.CharField(_("place"), max_length=PLACE_LIMIT, blank=True)
    online_url = models.CharField(
        _("online link"),
        max_length=LINK_LIMIT,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CAPACITY_LIMIT)],
        help_text=_("How many may say they are going; empty: no limit."),
    )
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTES_LIMIT, validators=[MaxLengthValidator(NOTES_LIMIT)]
    )
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=PLACE_LIMIT, blank=True)
    # Raised at each change, so calendar apps replace their copy (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="convening_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cohort_meeting") | Q(cohort__isnull=False),
                name="convening_cohort_meeting_has_cohort",
            ),
        ]
        indexes = [models.Index(fields=["network", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class AgendaItem(models.Model):
    """One line of the agenda, in ``position`` order; ``at`` in the convening's time zone."""

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    at = models.TimeField(_("time"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=AGENDA_TITLE_LIMIT)
    speaker = models.CharField(_("speaker"), max_length=SPEAKER_LIMIT, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["convening", "position"], name="agenda_position_per_convening"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Rsvp(models.Model):
    """A person's answer. ``waitlist``: asked to go when the convening was full, in
    ``requested_at`` order; the first is moved to ``going`` when a place frees up."""

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="convening_rsvps"
    )
    response = models.CharField(_("response"), max_length=16, choices=RESPONSES)
    requested_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "user"], name="one_rsvp_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.response} — {self.convening}"
