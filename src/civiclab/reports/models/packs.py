"""packs: delivery routines (recurring reviews), their meetings with the pack frozen as it was
shown, the decisions and actions a meeting records, and the PDF renderings the worker makes.

Who reads a review is decided from its scope (``queries.packs``): a team's review by the
team's members and the city's admins, a city's portfolio review by the city's members, a
cohort's review by the network's admins and the cohort's cities' members. The pack itself is
assembled for that audience, never for whoever opens it, so a frozen pack is the same for
every reader and holds nothing a reader of the review may not see.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civiclab.network.models import City, Cohort, Network, Team

__all__ = ["PackPdf", "Review", "ReviewAction", "ReviewDecision", "ReviewMeeting"]

USER = settings.AUTH_USER_MODEL
# Limits of every user-controlled size (docs/reports/packs.md, "Limits").
TITLE_LIMIT = 200
ITEM_TEXT_LIMIT = 2_000
NOTES_LIMIT = 10_000
ITEMS_PER_MEETING = 50
# A PDF larger than this is refused (a pack of a few hundred indicators is far below it).
PDF_LIMIT_BYTES = 20 * 1024 * 1024
# PDFs kept per review (older renderings are deleted when a new one is asked for).
PDFS_KEPT = 5

TEAM, CITY, COHORT = "team", "city", "cohort"
SCOPES = [
    (TEAM, _("A team")),
    (CITY, _("A city's portfolio")),
    (COHORT, _("A cohort")),
]
WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"
CADENCES = [
    (WEEKLY, _("Weekly")),
    (MONTHLY, _("Monthly")),
    (QUARTERLY, _("Quarterly")),
]


class Review(models.Model):
    """A recurring review of a team's, a city's or a cohort's work."""

    scope = models.CharField(_("scope"), max_length=8, choices=SCOPES)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    cadence = models.CharField(_("cadence"), max_length=10, choices=CADENCES, default=MONTHLY)
    next_meeting_on = models.DateField(_("next meeting"))
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_meeting_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope=TEAM, city__isnull=False, team__isnull=False, cohort__isnull=True)
                | Q(scope=CITY, city__isnull=False, team__isnull=True, cohort__isnull=True)
                | Q(scope=COHORT, city__isnull=True, team__isnull=True, cohort__isnull=False),
                name="review_scope_fields",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewMeeting(models.Model):
    """One occurrence of a review: the pack as it was shown, frozen when it was held."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTES_LIMIT, validators=[MaxLengthValidator(NOTES_LIMIT)]
    )
    pack = models.JSONField(default=dict)
    held_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.review} · {self.held_on}"


class ReviewItem(models.Model):
    """What a meeting recorded: carried into the next packs until it is done."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(
        _("text"), max_length=ITEM_TEXT_LIMIT, validators=[MaxLengthValidator(ITEM_TEXT_LIMIT)]
    )
    solution = models.ForeignKey(
        "portfolio.Solution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def done(self) -> bool:
        return self.done_on is not None


class ReviewDecision(ReviewItem):
    """A decision the meeting took (carried until it is carried out)."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="decisions")


class ReviewAction(ReviewItem):
    """An action the meeting gave someone, with a due date."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="actions")


PDF_STATES = [
    ("queued", _("Queued")),
    ("running", _("Rendering")),
    ("done", _("Ready")),
    ("failed", _("Failed")),
]


class PackPdf(models.Model):
    """A PDF of a pack (the current one, or a meeting's frozen one), rendered by the worker in
    the requester's language; the bytes are kept here (bounded by ``PDF_LIMIT_BYTES``)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pdfs")
    meeting = models.ForeignKey(
        ReviewMeeting, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    state = models.CharField(max_length=8, choices=PDF_STATES, default="queued")
    error = models.CharField(max_length=500, blank=True)
    content = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.review} · PDF {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
