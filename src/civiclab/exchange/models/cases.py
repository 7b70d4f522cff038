"""Case studies: what a city did about a challenge, written up for other cities.

A case is generated from a solution and its challenge (``services.cases.generate_case``) and
then edited by the solution's team. Its text is held in **paired columns**, ``<field>_en`` and
``<field>_fr``: the issue names two languages and a case may carry both, so each language of
each field is one column — one form field, one full-text column, no join to read a case or
to index it. (A per-field language table would be the way to more languages; two do not need
it.) What the team may not type — the frozen indicator charts, the evaluation's result and
its evidence strength, the funding leveraged, the timeline, the facets — is copied from the
apps that own it, at generation and again at publication, and then stays as published.

A case is shared with the network or the public (nothing narrower: a case is for sharing);
a draft is seen only by its city's people (``queries.cases.visible_cases``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Visibility

__all__ = ["CaseStudy"]

# Every text field of a case holds at most this many characters (docs/exchange/cases.md).
CASE_TEXT_LIMIT = 10_000
TITLE_LIMIT = 200
CONTACTS_LIMIT = 1_000

CASE_VISIBILITIES = [
    (Visibility.NETWORK.value, _("Network")),
    (Visibility.PUBLIC.value, _("Public")),
]
CASE_STATES = [("draft", _("Draft")), ("published", _("Published"))]
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# A city's size band, from its population (network.City.population).
SIZE_BANDS = [
    ("small", _("Under 50,000 people")),
    ("medium", _("50,000 to 250,000 people")),
    ("large", _("250,000 to 1 million people")),
    ("very_large", _("Over 1 million people")),
    ("unknown", _("Population not recorded")),
]
# The evidence strength an evaluation found (evaluation.models.STRENGTH_CHOICES), or none.
STRENGTH_NONE = "none"
# The main source of the funding leveraged (funding.models.FUNDER_TYPES), or none.
FUNDING_NONE = "none"
# The text fields a team edits, each in both languages.
BILINGUAL_FIELDS = ("title", "problem", "approach", "lessons")


def _text(verbose_name: str | object, limit: int = CASE_TEXT_LIMIT) -> models.TextField:  # type: ignore[type-arg]
    return models.TextField(verbose_name, blank=True, validators=[MaxLengthValidator(limit)])  # type: ignore[arg-type]


class CaseStudy(models.Model):
    solution = models.ForeignKey(
        "portfolio.Solution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "network.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=CASE_VISIBILITIES, default=Visibility.NETWORK
    )
    state = models.CharField(_("state"), max_length=10, choices=CASE_STATES, default="draft")

    # Facets (copied, so that counting them reads short rows). They come before the long
    # texts: SQLite reads a row's columns in order, so the facets are read without them.
    priority_area = models.CharField(max_length=32, blank=True)
    size_band = models.CharField(max_length=12, choices=SIZE_BANDS, default="unknown")
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True)
    strength = models.CharField(max_length=12, default=STRENGTH_NONE)
    stage = models.CharField(max_length=16, blank=True)
    funding_source = models.CharField(max_length=16, default=FUNDING_NONE)
    has_en = models.BooleanField(default=False)
    has_fr = models.BooleanField(default=False)

    title_en = models.CharField(_("title (English)"), max_length=TITLE_LIMIT, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=TITLE_LIMIT, blank=True)
    problem_en = _text(_("problem (English)"))
    problem_fr = _text(_("problem (French)"))
    approach_en = _text(_("approach (English)"))
    approach_fr = _text(_("approach (French)"))
    lessons_en = _text(_("lessons (English)"))
    lessons_fr = _text(_("lessons (French)"))
    contacts = _text(_("contacts"), CONTACTS_LIMIT)

    # Copied from the apps that own them (never typed): see services.cases.
    evidence = models.JSONField(default=list, blank=True)  # the challenge's evidence items
    indicators = models.JSONField(default=list, blank=True)  # frozen series and goals
    evaluation = models.JSONField(default=dict, blank=True)  # the result's sentences, design
    funding = models.JSONField(default=list, blank=True)  # leveraged totals per currency
    timeline = models.JSONField(default=list, blank=True)  # milestones
    withheld = models.JSONField(default=list, blank=True)  # what was kept out, and why
    cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    # The full-text columns as indexed (core.textprep), and how many terms they hold: the
    # library re-ranks its candidates by BM25 from them, the same on both databases.
    # The columns joined by new lines (prepared text holds none): read as text, not JSON.
    index_columns = models.TextField(blank=True, default="")
    index_length = models.PositiveIntegerField(default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "visibility"], name="exchange_case_state_vis"),
            # The library's average length of a case (BM25) is read from this index alone.
            models.Index(fields=["state", "index_length"], name="exchange_case_length"),
            # The library's facets are counted from this index alone (no row read).
            models.Index(
                fields=[
                    "state",
                    "visibility",
                    "city",
                    "team",
                    "priority_area",
                    "size_band",
                    "country",
                    "region",
                    "strength",
                    "stage",
                    "funding_source",
                    "has_en",
                    "has_fr",
                ],
                name="exchange_case_facets",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en or self.title_fr or f"#{self.pk}"

    def title_in(self, language: str) -> str:
        """The title in ``language`` when the case has it, else in the other."""
        if language.startswith("fr"):
            return self.title_fr or self.title_en
        return self.title_en or self.title_fr

    def text_in(self, field: str, language: str) -> tuple[str, str]:
        """A bilingual field in ``language`` when written, else the other: (text, its language)."""
        first, second = ("fr", "en") if language.startswith("fr") else ("en", "fr")
        for lang in (first, second):
            value = getattr(self, f"{field}_{lang}")
            if value:
                return value, lang
        return "", first

    @property
    def languages(self) -> list[str]:
        return [lang for lang, flag in (("en", self.has_en), ("fr", self.has_fr)) if flag]

    @property
    def published(self) -> bool:
        return self.state == "published"
