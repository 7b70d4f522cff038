"""Evaluations of solutions: a pre-registered plan, its amendments, the assignment of units to
arms, and the results computed (cached per plan content and data version).

A plan is city-owned content, never visible to more people than its solution; its amendments,
assignments and results are read through it (``SCOPE``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import CityOwnedContent
from civiclab.core.scoping import CONTENT_FIELDS, ScopeFields
from civiclab.evaluation.stats.types import Design, OutcomeKind, Strength

USER = settings.AUTH_USER_MODEL

DESIGN_CHOICES = [
    (Design.RCT.value, _("Randomised controlled trial")),
    (Design.CLUSTER_RCT.value, _("Cluster-randomised trial")),
    (Design.STEPPED_WEDGE.value, _("Stepped wedge")),
    (Design.DID.value, _("Difference in differences")),
    (Design.STAGGERED_DID.value, _("Staggered adoption (difference in differences)")),
    (Design.ITS.value, _("Interrupted time series")),
    (Design.SYNTHETIC_CONTROL.value, _("Synthetic control (peer cities)")),
    (Design.PRE_POST.value, _("Before and after (weak evidence)")),
]

OUTCOME_KIND_CHOICES = [
    (OutcomeKind.CONTINUOUS.value, _("A measurement (continuous)")),
    (OutcomeKind.BINARY.value, _("Yes or no (binary, 0/1)")),
    (OutcomeKind.COUNT.value, _("A count of events")),
]

STRENGTH_CHOICES = [
    (Strength.STRONG.value, _("Strong evidence")),
    (Strength.MODERATE.value, _("Moderate evidence")),
    (Strength.SUGGESTIVE.value, _("Suggestive evidence")),
    (Strength.WEAK.value, _("Weak evidence")),
]

# Units a plan usually counts; the field is free text, these are the form's suggestions.
UNIT_SUGGESTIONS = [
    "resident", "household", "property", "block", "street segment", "school", "business",
    "district", "city",
]  # fmt: skip

# The keys of ``EvaluationPlan.columns``: which column of the analysis table plays which part
# (``stats.types.Columns`` less the outcome, unit and time, which have fields of their own).
COLUMN_KEYS = ("treated", "arm", "cohort", "cluster", "weight", "exposure")
COLUMN_LIST_KEYS = ("covariates", "strata")

ASSIGNMENT_METHODS = [
    ("simple", _("Simple (each unit drawn on its own)")),
    ("complete", _("Complete (fixed share per arm)")),
    ("blocked", _("Blocked")),
    ("stratified", _("Stratified")),
    ("cluster", _("Cluster")),
    ("stepped_wedge", _("Stepped-wedge schedule")),
]


class EvaluationPlan(CityOwnedContent):
    """The pre-registration of a solution's evaluation. Locked (``locked_at``), it no longer
    changes: later changes are ``PlanAmendment``s, each with its reason."""

    solution = models.ForeignKey(
        "portfolio.Solution", on_delete=models.CASCADE, related_name="evaluations"
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"), blank=True)
    hypothesis = models.TextField(_("hypothesis"), blank=True)
    # The primary outcome: an indicator, or a column of a dataset at the unit's level.
    outcome_indicator = models.ForeignKey(
        "indicators.Indicator",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome indicator"),
    )
    outcome_dataset = models.ForeignKey(
        "datasets.Dataset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome dataset"),
    )
    outcome_column = models.CharField(_("outcome column"), max_length=200, blank=True)
    unit_column = models.CharField(_("unit column"), max_length=200, blank=True)
    time_column = models.CharField(_("time column"), max_length=200, blank=True)
    outcome_kind = models.CharField(
        _("outcome kind"),
        max_length=16,
        choices=OUTCOME_KIND_CHOICES,
        default=OutcomeKind.CONTINUOUS.value,
    )
    outcome_label = models.CharField(
        _("outcome, in words"),
        max_length=200,
        blank=True,
        help_text=_("How the result names it, e.g. median days to close"),
    )
    outcome_unit = models.CharField(
        _("outcome's unit"), max_length=60, blank=True, help_text=_("e.g. days, requests")
    )
    lower_is_better = models.BooleanField(_("lower is better"), default=False)
    secondary_outcomes = models.JSONField(_("secondary outcomes"), default=list, blank=True)
    unit_label = models.CharField(_("unit"), max_length=60, blank=True)
    design = models.CharField(_("design"), max_length=20, choices=DESIGN_CHOICES)
    comparison_group = models.TextField(_("comparison group"), blank=True)
    exclusions = models.TextField(_("exclusions"), blank=True)
    intervention_date = models.DateField(
        _("intervention starts"),
        null=True,
        blank=True,
        help_text=_("The first day of the pilot: the analysis window starts here."),
    )
    analysis_date = models.DateField(_("analysis date"), null=True, blank=True)
    minimum_detectable_effect = models.FloatField(
        _("minimum detectable effect"), null=True, blank=True
    )
    alpha = models.FloatField(_("significance level"), default=0.05)
    power_target = models.FloatField(_("power"), default=0.8)
    # Assignment and analysis columns: {"treated": …, "arm": …, "cohort": …, "cluster": …,
    # "weight": …, "exposure": …, "covariates": [...], "strata": [...]}.
    columns = models.JSONField(_("analysis columns"), default=dict, blank=True)
    control_arm = models.CharField(_("control arm"), max_length=100, blank=True)
    season_period = models.PositiveSmallIntegerField(_("periods per season"), null=True, blank=True)
    # Synthetic control: peer cities (slugs) whose indicator of the same name is the donor pool;
    # empty: every peer city that shares it with the network.
    donors = models.JSONField(_("donor cities"), default=list, blank=True)
    registered_after_data = models.BooleanField(
        _("registered after the data"),
        default=False,
        help_text=_("Outcome data for the analysis window already exist."),
    )
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    locked_content = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class PlanAmendment(models.Model):
    """A change to a locked plan: which field, from what to what, and why."""

    plan = models.ForeignKey(EvaluationPlan, on_delete=models.CASCADE, related_name="amendments")
    field = models.CharField(_("field"), max_length=60)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64, blank=True)  # the plan's hash after it

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.field}"


class Assignment(models.Model):
    """Units of a dataset assigned to arms, reproducible from the seed; saved as a dataset."""

    plan = models.ForeignKey(EvaluationPlan, on_delete=models.CASCADE, related_name="assignments")
    method = models.CharField(_("method"), max_length=16, choices=ASSIGNMENT_METHODS)
    seed = models.BigIntegerField(_("seed"))
    arms = models.JSONField(_("arms"), default=list)
    unit_column = models.CharField(max_length=200)
    strata = models.JSONField(default=list, blank=True)
    cluster_column = models.CharField(max_length=200, blank=True)
    source_version = models.ForeignKey(
        "datasets.DatasetVersion", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_version = models.ForeignKey(
        "datasets.DatasetVersion", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assignment_hash = models.CharField(max_length=64)
    counts = models.JSONField(default=dict, blank=True)  # units per arm
    balance = models.JSONField(default=list, blank=True)  # standardised differences
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.method} · {self.seed}"


class EvaluationResult(models.Model):
    """An analysis of a plan, cached per (plan content hash, data version): the worker fills
    it in; the page shows its state and progress meanwhile."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey(EvaluationPlan, on_delete=models.CASCADE, related_name="results")
    plan_hash = models.CharField(max_length=64)
    data_version = models.CharField(max_length=200)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=100, blank=True)
    progress = models.FloatField(default=0.0)
    pre_registered = models.BooleanField(default=False)
    registered_after_data = models.BooleanField(default=False)
    estimate = models.JSONField(default=dict, blank=True)
    strength = models.CharField(max_length=12, choices=STRENGTH_CHOICES, blank=True)
    sentences = models.JSONField(default=list, blank=True)  # [{code, template, params}]
    deviations = models.JSONField(default=list, blank=True)  # amendments since the lock
    error = models.JSONField(default=dict, blank=True)  # {code, template, params, text}
    requested_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "plan_hash", "data_version"], name="one_result_per_plan_and_data"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} @ {self.data_version}"

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def _via_plan() -> ScopeFields:
    return ScopeFields(
        network="plan__city__network_id",
        city="plan__city_id",
        team="plan__team_id",
        visibility="plan__visibility",
    )


# Where the permission rules read each model's city, team and visibility.
SCOPE: dict[type[models.Model], ScopeFields] = {
    EvaluationPlan: CONTENT_FIELDS,
    PlanAmendment: _via_plan(),
    Assignment: _via_plan(),
    EvaluationResult: _via_plan(),
}
