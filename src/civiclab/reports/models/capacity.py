"""capacity: a city's yearly self-assessment of its innovation capacity, scored per element.

An assessment is city-owned content kept at the city's visibility (its people and the
network's admins read it); other cities only ever see aggregates over at least
``rules.capacity.MIN_CITIES`` cities (``queries.capacity``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import CityOwnedContent
from civiclab.reports.rules.capacity import ELEMENTS, SCORE_MAX, SCORE_MIN

__all__ = ["CapacityAssessment", "CapacityScore"]

NOTES_LIMIT = 2_000
LINKS_LIMIT = 5
LINK_LENGTH = 300
ELEMENT_CHOICES = [
    ("dynamically_planned", _("Dynamically planned")),
    ("broadly_partnered", _("Broadly partnered")),
    ("resident_involved", _("Resident-involved")),
    ("race_informed", _("Race-informed")),
    ("smartly_resourced", _("Smartly resourced")),
    ("employee_engaged", _("Employee-engaged")),
    ("data_driven", _("Data-driven")),
]
assert tuple(code for code, _label in ELEMENT_CHOICES) == ELEMENTS
# What each score means, per element: the form shows these beside its choices.
LEVEL_NAMES = {
    1: _("Not yet"),
    2: _("Starting"),
    3: _("Developing"),
    4: _("Established"),
    5: _("Leading"),
}
ELEMENT_HELP = {
    "dynamically_planned": _(
        "Priorities are set from evidence and plans change as results come in."
    ),
    "broadly_partnered": _("Work is done with partners beyond city hall."),
    "resident_involved": _("Residents shape problems and solutions, not only react to them."),
    "race_informed": _("Work is designed and judged by who it reaches and who it leaves out."),
    "smartly_resourced": _("Money and staff follow what works."),
    "employee_engaged": _("Staff across departments bring ideas and test them."),
    "data_driven": _("Data is used to find problems, manage delivery and learn."),
}
LEVELS = {
    "dynamically_planned": {
        1: _("No shared priorities; plans are written once and left alone."),
        2: _("Priorities are named, but rarely revisited."),
        3: _("Priorities are reviewed yearly against some evidence."),
        4: _("Regular reviews change plans when the data say so."),
        5: _("Stocktakes steer every priority; stopping what fails is routine."),
    },
    "broadly_partnered": {
        1: _("The city works alone."),
        2: _("Partners are consulted now and then."),
        3: _("Some projects have partners with a real role."),
        4: _("Most priorities have partners sharing the work and the results."),
        5: _("Partners co-own goals, data and funding across the portfolio."),
    },
    "resident_involved": {
        1: _("Residents are informed after decisions."),
        2: _("Residents are consulted on finished plans."),
        3: _("Residents are heard while problems are investigated."),
        4: _("Residents help design and test solutions."),
        5: _("Residents share decisions and judge the results."),
    },
    "race_informed": {
        1: _("Results are not looked at by group."),
        2: _("Some data are split by race or neighbourhood."),
        3: _("Gaps between groups are measured for key priorities."),
        4: _("Solutions are designed to close measured gaps."),
        5: _("Every priority is judged by the gaps it closes."),
    },
    "smartly_resourced": {
        1: _("Budgets repeat last year's."),
        2: _("Some new money is found for pilots."),
        3: _("Outside funding is pursued for priorities."),
        4: _("Budgets move towards what evaluations show works."),
        5: _("Funding follows evidence across the whole budget."),
    },
    "employee_engaged": {
        1: _("Staff are not asked for ideas."),
        2: _("A few staff take part in innovation projects."),
        3: _("Staff are trained and invited to propose ideas."),
        4: _("Teams across departments test their own ideas."),
        5: _("Innovation is part of everyone's job and recognised."),
    },
    "data_driven": {
        1: _("Data are hard to find and rarely used."),
        2: _("Some indicators are reported, after the fact."),
        3: _("Indicators track the main priorities."),
        4: _("Data steer delivery and evaluations test what works."),
        5: _("Open, timely data and evaluation shape every decision."),
    },
}


class CapacityAssessment(CityOwnedContent):
    """One city's self-assessment for one year (its visibility stays "city")."""

    year = models.PositiveSmallIntegerField(_("year"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="one_capacity_assessment_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}"


class CapacityScore(models.Model):
    """One element's score (1–5), the evidence notes and links to what in civiclab shows it."""

    assessment = models.ForeignKey(
        CapacityAssessment, on_delete=models.CASCADE, related_name="scores"
    )
    element = models.CharField(_("element"), max_length=32, choices=ELEMENT_CHOICES)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    notes = models.TextField(
        _("evidence notes"),
        blank=True,
        max_length=NOTES_LIMIT,
        validators=[MaxLengthValidator(NOTES_LIMIT)],
    )
    links = models.JSONField(_("evidence links"), default=list, blank=True)

    class Meta:
        ordering = ["assessment", "element"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "element"], name="one_capacity_score_per_element"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="capacity_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element}={self.score}"
