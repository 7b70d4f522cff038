"""The innovation portfolio: challenges and their investigation, ideas and solutions.

Who may see what: a challenge, its evidence and its solutions each carry a city, a team and a
visibility (evidence and solutions never wider than their challenge, see services); every
other object (causes, opportunity areas, ideas, scores, milestones, risks, decisions,
updates) is seen and changed with the object it belongs to. ``scope`` below names, per model,
where the rules read those fields.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import CityOwnedContent
from civiclab.core.scoping import CONTENT_FIELDS, ScopeFields
from civiclab.portfolio.rules import structured

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

USER = settings.AUTH_USER_MODEL

PRIORITY_AREAS = [
    ("housing", _("Housing")),
    ("public_safety", _("Public safety")),
    ("economic_opportunity", _("Economic opportunity")),
    ("health", _("Health")),
    ("environment", _("Environment")),
    ("mobility", _("Mobility")),
    ("resident_engagement", _("Resident engagement")),
    ("government_operations", _("Government operations")),
    ("education", _("Education")),
    ("other", _("Other")),
]
PHASES = [
    ("investigate", _("Investigate")),
    ("generate", _("Generate")),
    ("prepare", _("Prepare")),
    ("deliver", _("Deliver")),
    ("sustain", _("Sustain")),
    ("closed", _("Closed")),
]
PHASE_ORDER = [key for key, _label in PHASES]
EVIDENCE_KINDS = [
    ("data", _("Data finding")),
    ("insight", _("Resident or stakeholder insight")),
    ("document", _("Document or link")),
]
INSIGHT_METHODS = [
    ("interview", _("Interview")),
    ("ride_along", _("Ride-along")),
    ("survey", _("Survey")),
    ("workshop", _("Workshop")),
    ("observation", _("Observation")),
    ("other", _("Other")),
]
IDEA_ORIGINS = [
    ("team", _("The team")),
    ("residents", _("Residents")),
    ("staff", _("Front-line staff")),
    ("other_city", _("Another city")),
    ("partner", _("A partner")),
]
IDEA_STATUSES = [
    ("open", _("Open")),
    ("advanced", _("Advanced")),
    ("parked", _("Parked")),
    ("dropped", _("Dropped")),
]
DEFAULT_RUBRIC = [
    {"key": "impact", "label": "Impact"},
    {"key": "feasibility", "label": "Feasibility"},
    {"key": "cost", "label": "Cost (5: cheapest)"},
    {"key": "equity", "label": "Equity"},
    {"key": "evidence", "label": "Strength of evidence"},
]
SOLUTION_STATUSES = [
    ("on_track", _("On track")),
    ("at_risk", _("At risk")),
    ("off_track", _("Off track")),
]
SOLUTION_STAGES = [
    ("prepare", _("Prepare")),
    ("deliver", _("Deliver")),
    ("sustain", _("Sustain")),
    ("stopped", _("Stopped")),
]
RISK_STATUSES = [("open", _("Open")), ("mitigating", _("Mitigating")), ("closed", _("Closed"))]
GATE_OUTCOMES = [("go", _("Go")), ("hold", _("Hold")), ("pivot", _("Pivot")), ("stop", _("Stop"))]
ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


# Every free-text field of the portfolio holds at most this many characters (docs/portfolio.md):
# a problem statement or a quote fits many times over; a pasted book does not.
LONG_TEXT_LIMIT = 10_000


def long_text(verbose_name: StrOrPromise | None = None, **kwargs: Any) -> models.TextField:  # type: ignore[type-arg]
    """A free-text field, bounded: the forms (through ``max_length``), the services and imports
    (through the validator, which ``full_clean`` runs) refuse longer text."""
    return models.TextField(
        verbose_name,
        max_length=LONG_TEXT_LIMIT,
        validators=[MaxLengthValidator(LONG_TEXT_LIMIT)],
        **kwargs,
    )


def default_rubric() -> list[dict[str, str]]:
    return [dict(item) for item in DEFAULT_RUBRIC]


def _refuse(wrong: list[str]) -> None:
    if wrong:
        raise ValidationError(wrong)


# The JSON fields are checked with the schemas their readers use (``structured``).
def validate_rubric(value: Any) -> None:
    _refuse(structured.check(structured.RUBRIC, value))


def validate_tags(value: Any) -> None:
    _refuse(structured.check(structured.TAGS, value))


def validate_snapshot(value: Any) -> None:
    if value != {}:  # {}: no number was recorded
        _refuse(structured.check(structured.SNAPSHOT, value))


class Challenge(CityOwnedContent):
    title = models.CharField(_("title"), max_length=200)
    problem_statement = long_text(_("problem statement"), blank=True)
    priority_area = models.CharField(
        _("priority area"), max_length=32, choices=PRIORITY_AREAS, default="other"
    )
    target_population = models.CharField(_("target population"), max_length=300, blank=True)
    phase = models.CharField(_("phase"), max_length=16, choices=PHASES, default="investigate")
    rubric = models.JSONField(
        _("scoring rubric"),
        default=default_rubric,
        validators=[validate_rubric],
        help_text="Criteria ideas are scored on, 1–5",
    )
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def criteria(self) -> structured.RubricReading:
        """The rubric as read: its valid criteria, and its problem if it was stored invalid."""
        return structured.read_rubric(self.rubric)


class PhaseChange(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=16, choices=PHASES, blank=True)
    to_phase = models.CharField(max_length=16, choices=PHASES)
    note = long_text(blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_phase or '—'} → {self.to_phase}"


class Evidence(CityOwnedContent):
    """A data finding (with a frozen snapshot of its number), an insight, or a document."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=16, choices=EVIDENCE_KINDS)
    title = models.CharField(_("title"), max_length=200)
    body = long_text(_("finding, quote or observation"), blank=True)
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_snapshot],
        help_text="The number as it was when the finding was recorded",
    )
    method = models.CharField(_("method"), max_length=16, choices=INSIGHT_METHODS, blank=True)
    observed_on = models.DateField(_("date"), null=True, blank=True)
    consent = models.BooleanField(_("consent to share was given"), default=False)
    tags = models.JSONField(_("tags"), default=list, blank=True, validators=[validate_tags])
    url = models.URLField(_("link"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_tags(self) -> list[str]:
        return structured.read_tags(self.tags)

    @property
    def shown_snapshot(self) -> structured.Snapshot | None:
        """The recorded number, or None (none recorded, or stored in a shape not read)."""
        return structured.read_snapshot(self.snapshot)


class Cause(models.Model):
    """A node of the challenge's root-cause tree."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="causes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    text = models.CharField(_("cause"), max_length=300)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="causes")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class OpportunityArea(models.Model):
    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="opportunity_areas"
    )
    title = models.CharField(_("title"), max_length=200)
    description = long_text(_("description"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Idea(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="ideas")
    opportunity_area = models.ForeignKey(
        OpportunityArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    title = models.CharField(_("title"), max_length=200)
    description = long_text(_("description"), blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=IDEA_ORIGINS, default="team")
    origin_detail = models.CharField(
        _("origin detail"), max_length=200, blank=True, help_text=_("e.g. which city")
    )
    status = models.CharField(_("status"), max_length=16, choices=IDEA_STATUSES, default="open")
    decision_reason = long_text(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Score(models.Model):
    """One reviewer's 1–5 score of an idea on one criterion of the challenge's rubric."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="scores")
    # Scores imported from another installation have no account here, only a label.
    reviewer = models.ForeignKey(
        USER, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reviewer_label = models.CharField(_("reviewer"), max_length=60, blank=True)
    criterion = models.CharField(_("criterion"), max_length=50)
    value = models.PositiveSmallIntegerField(_("score"), validators=ONE_TO_FIVE)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["criterion", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "reviewer", "criterion"], name="one_score_per_reviewer_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.value}"

    @property
    def reviewer_key(self) -> int | str:
        """Who scored: the account, or the label of an imported reviewer."""
        return self.reviewer_id or f"label:{self.reviewer_label}"


class Solution(CityOwnedContent):
    """An initiative prepared from an idea and delivered with goals, milestones and risks."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="solutions")
    idea = models.ForeignKey(
        Idea, on_delete=models.SET_NULL, null=True, blank=True, related_name="solutions"
    )
    title = models.CharField(_("title"), max_length=200)
    description = long_text(_("description"), blank=True)
    goal_statement = long_text(_("goal"), blank=True, help_text=_("Reduce X from A to B by DATE"))
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partners = long_text(_("partners"), blank=True)
    budget_planned = models.DecimalField(
        _("budget planned"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_spent = models.DecimalField(
        _("budget spent"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=SOLUTION_STAGES, default="prepare")
    status = models.CharField(
        _("status"), max_length=16, choices=SOLUTION_STATUSES, default="on_track"
    )
    status_justification = long_text(_("why this status"), blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    indicators = models.ManyToManyField(
        "indicators.Indicator", through="SolutionIndicator", blank=True, related_name="solutions"
    )

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class SolutionIndicator(models.Model):
    """An indicator a solution is measured by, with the solution's own target."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.CASCADE, related_name="solution_targets"
    )
    target_value = models.FloatField(_("target"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "indicator"], name="one_target_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.solution} · {self.indicator}"


class Milestone(models.Model):
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    notes = long_text(_("notes"), blank=True)
    # Who is nudged when it comes due (a member of the solution's city: services check it).
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def state(self, today: dt.date | None = None) -> str:
        """done, slipping (past due and not done) or upcoming."""
        if self.done_on is not None:
            return "done"
        return "slipping" if self.due_on < (today or timezone.localdate()) else "upcoming"


class Risk(models.Model):
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(_("risk"), max_length=200)
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1–5)"), validators=ONE_TO_FIVE)
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"), validators=ONE_TO_FIVE)
    mitigation = long_text(_("mitigation"), blank=True)
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=RISK_STATUSES, default="open")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def severity(self) -> int:
        return self.likelihood * self.impact


class Decision(models.Model):
    """A stage-gate decision on a solution."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="decisions")
    gate = models.CharField(_("gate"), max_length=100)
    outcome = models.CharField(_("decision"), max_length=8, choices=GATE_OUTCOMES)
    reason = long_text(_("reason"))
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_on = models.DateField(_("date"), default=timezone.localdate)

    class Meta:
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.gate}: {self.outcome}"


class Update(models.Model):
    """A dated progress update on a solution."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="updates")
    body = long_text(_("update"))
    status = models.CharField(_("status"), max_length=16, choices=SOLUTION_STATUSES, blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.body[:50]


class Attachment(models.Model):
    """A file (PDF, image, spreadsheet, document, text) attached to one evidence or one
    decision, stored in the city's folder under a random name (services)."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    stored_name = models.CharField(max_length=64, unique=True)
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(evidence__isnull=False, decision__isnull=True)
                    | models.Q(evidence__isnull=True, decision__isnull=False)
                ),
                name="attachment_on_evidence_or_decision",
            )
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def parent(self) -> models.Model:
        return self.evidence if self.evidence_id is not None else self.decision  # type: ignore[return-value]


def _via(prefix: str) -> ScopeFields:
    return ScopeFields(
        network=f"{prefix}__city__network_id",
        city=f"{prefix}__city_id",
        team=f"{prefix}__team_id",
        visibility=f"{prefix}__visibility",
    )


# Where the permission rules read each model's city, team and visibility.
SCOPE: dict[type[models.Model], ScopeFields] = {
    Challenge: CONTENT_FIELDS,
    Evidence: CONTENT_FIELDS,
    Solution: CONTENT_FIELDS,
    PhaseChange: _via("challenge"),
    Cause: _via("challenge"),
    OpportunityArea: _via("challenge"),
    Idea: _via("challenge"),
    Score: _via("idea__challenge"),
    SolutionIndicator: _via("solution"),
    Milestone: _via("solution"),
    Risk: _via("solution"),
    Decision: _via("solution"),
    Update: _via("solution"),
}


def scope(model: type[models.Model]) -> ScopeFields:
    return SCOPE[model]
