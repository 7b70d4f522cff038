"""The funding navigator: the shared catalogue of opportunities, a city's eligibility profile,
match dismissals, saved searches and their digests, and the application pipeline.

Who may see what: the catalogue is shared (Grants.gov opportunities with every network; a fund
entered by hand with the network it was entered for, or every network when ``network`` is
empty). A city's profile, dismissals and applications are the city's (an application carries
its own visibility: private to the city unless shared); saved searches and digests are their
owner's alone. ``SCOPE`` names where the rules read each model's city, team and visibility.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import CityOwnedContent
from civiclab.core.scoping import CONTENT_FIELDS, ScopeFields
from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, CATEGORIES

USER = settings.AUTH_USER_MODEL

# Free text typed into the navigator's forms holds at most this many characters (docs/funding.md).
TEXT_LIMIT = 10_000
# An opportunity's description and eligibility text as imported (Grants.gov allows 18,000
# characters for a description; longer text is cut at this limit with an ellipsis).
DESCRIPTION_LIMIT = 20_000

SOURCES = [
    ("grants.gov", _("Grants.gov")),
    ("manual", _("Entered by hand")),
]
DOC_TYPES = [("forecast", _("Forecast")), ("synopsis", _("Posted"))]
FUNDER_TYPES = [
    ("federal", _("Federal (US)")),
    ("state", _("State or province")),
    ("regional", _("Region or department")),
    ("national", _("National government (outside the US)")),
    ("european", _("European Union")),
    ("philanthropic", _("Philanthropy")),
    ("corporate", _("Company")),
    ("other", _("Other")),
]


def bounded_text(
    verbose_name: object = None, limit: int = TEXT_LIMIT, **kwargs: object
) -> models.TextField:  # type: ignore[type-arg]
    return models.TextField(
        verbose_name,  # type: ignore[arg-type]
        max_length=limit,
        validators=[MaxLengthValidator(limit)],
        **kwargs,  # type: ignore[arg-type]
    )


# Every column the search's filters and facets read: one index holds them all, so that they
# scan it rather than the rows (whose descriptions make a table scan slow at 80,000 rows).
SEARCH_FILTER_COLUMNS = [
    "open_until",
    "doc_type",
    "network",
    "applicant_mask",
    "activity_mask",
    "instrument_mask",
    "agency_code",
    "funder_type",
    "award_ceiling",
    "cost_sharing",
    # Read by every search for a city (a fund for another country's applicants is not
    # eligible): outside the index, the rows themselves are read (six times slower).
    "country",
    # The search's result is ids: with the id in the index, it is read alone (PostgreSQL's
    # index-only scan); SQLite's indexes carry the rowid anyway.
    "id",
]
# Opportunity.open_until of one without a deadline.
NO_DEADLINE = dt.date(9999, 12, 31)


class Opportunity(models.Model):
    """A funding opportunity of the shared catalogue (one row per Grants.gov OpportunityID;
    a forecast becomes the synopsis when it is posted, keeping its row and its history)."""

    source = models.CharField(_("source"), max_length=16, choices=SOURCES, default="grants.gov")
    # Grants.gov's OpportunityID; for a fund entered by hand, "manual-<pk>".
    external_id = models.CharField(_("opportunity ID"), max_length=64)
    number = models.CharField(_("opportunity number"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=500)
    doc_type = models.CharField(_("stage"), max_length=16, choices=DOC_TYPES, default="synopsis")
    category = models.CharField(
        _("category"), max_length=2, blank=True, choices=list(CATEGORIES.items())
    )
    instruments = models.JSONField(_("funding instruments"), default=list, blank=True)
    activity_categories = models.JSONField(_("categories of activity"), default=list, blank=True)
    assistance_listings = models.JSONField(_("assistance listings"), default=list, blank=True)
    applicant_codes = models.JSONField(_("eligible applicants"), default=list, blank=True)
    # applicants.mask_of(applicant_codes): "is any of these codes eligible" as one SQL test.
    applicant_mask = models.BigIntegerField(default=0)
    # The JSON lists as bit masks (catalogue.search_terms), kept by search_index.reindex: the
    # category and instrument filters and facets are then integer tests on both databases.
    activity_mask = models.BigIntegerField(default=0)
    instrument_mask = models.BigIntegerField(default=0)
    eligibility_text = bounded_text(
        _("additional information on eligibility"), DESCRIPTION_LIMIT, blank=True
    )
    agency_code = models.CharField(_("agency code"), max_length=100, blank=True)
    agency_name = models.CharField(_("agency"), max_length=300, blank=True)
    funder_type = models.CharField(
        _("funder"), max_length=16, choices=FUNDER_TYPES, default="federal"
    )
    country = models.CharField(_("country"), max_length=2, default="US")
    post_date = models.DateField(_("posted"), null=True, blank=True)
    close_date = models.DateField(_("closes"), null=True, blank=True)
    # The deadline, or a far future for none: "open or forecast" (no deadline, or one still
    # ahead) is then one range of the search's covering index, read alone, rather than an
    # OR that scans all of it (26 ms → 4 ms for a common word on PostgreSQL at 80,000).
    open_until = models.GeneratedField(
        expression=Coalesce("close_date", Value(NO_DEADLINE)),
        output_field=models.DateField(),
        db_persist=True,
    )
    close_date_explanation = bounded_text(_("about the deadline"), 4_000, blank=True)
    archive_date = models.DateField(_("archived"), null=True, blank=True)
    last_updated = models.DateField(_("last updated"), null=True, blank=True)
    estimated_post_date = models.DateField(_("expected posting"), null=True, blank=True)
    estimated_close_date = models.DateField(_("expected deadline"), null=True, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), null=True, blank=True)
    award_ceiling = models.BigIntegerField(_("award ceiling"), null=True, blank=True)
    award_floor = models.BigIntegerField(_("award floor"), null=True, blank=True)
    total_funding = models.BigIntegerField(_("estimated total funding"), null=True, blank=True)
    expected_awards = models.PositiveIntegerField(_("expected awards"), null=True, blank=True)
    cost_sharing = models.BooleanField(_("cost sharing or match required"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    description = bounded_text(_("description"), DESCRIPTION_LIMIT, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    # A fund entered by hand is seen by one network (None: every network).
    network = models.ForeignKey(
        "network.Network", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the record's fields as read: a re-import that changes nothing writes nothing.
    content_hash = models.CharField(max_length=64, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["close_date", "pk"]
        verbose_name_plural = _("opportunities")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="one_opportunity_per_id"
            ),
            models.CheckConstraint(
                condition=models.Q(award_ceiling__isnull=True) | models.Q(award_ceiling__gte=0),
                name="opportunity_ceiling_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(award_floor__isnull=True) | models.Q(award_floor__gte=0),
                name="opportunity_floor_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["close_date"]),
            models.Index(fields=["post_date"]),
            models.Index(fields=["agency_code"]),
            models.Index(fields=["number"]),
            models.Index(fields=SEARCH_FILTER_COLUMNS, name="opportunity_search_filters"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def activity_labels(self) -> list[str]:
        return [ACTIVITY_CATEGORIES.get(code, code) for code in self.activity_categories]


CHANGE_KINDS = [
    ("created", _("Added to the catalogue")),
    ("posted", _("Forecast posted")),
    ("deadline_extended", _("Deadline extended")),
    ("deadline_moved_earlier", _("Deadline moved earlier")),
    ("deadline_set", _("Deadline set")),
    ("ceiling_changed", _("Award ceiling changed")),
    ("floor_changed", _("Award floor changed")),
    ("funding_changed", _("Total funding changed")),
    ("eligibility_changed", _("Eligibility changed")),
    ("closed", _("Closed")),
    ("archived", _("Archived")),
    ("reopened", _("Reopened")),
    ("changed", _("Details changed")),
]


class OpportunityChange(models.Model):
    """One change an import saw: what it was (``kind``), the field, before and after."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=32, choices=CHANGE_KINDS)
    field = models.CharField(max_length=64, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    catalogue_import = models.ForeignKey(
        "CatalogueImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.kind}"


IMPORT_STATUSES = [
    ("running", _("Running")),
    ("succeeded", _("Succeeded")),
    ("failed", _("Failed")),
]


class CatalogueImport(models.Model):
    """One import of a catalogue file: what it read, what it changed, or why it failed."""

    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=IMPORT_STATUSES, default="running")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class FundingProfile(models.Model):
    """How a city applies for funding: its own applicant types (a city or township government,
    ``02``, by default) and the partners the team works with (name and applicant type)."""

    city = models.OneToOneField(
        "network.City", on_delete=models.CASCADE, related_name="funding_profile"
    )
    applicant_codes = models.JSONField(_("the city applies as"), default=list)
    # [{"name": "Detroit Land Bank Authority", "code": "12"}, …]
    partners = models.JSONField(_("partners"), default=list, blank=True)
    registration_expires = models.DateField(
        _("SAM.gov registration expires"), null=True, blank=True
    )
    updated_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.city}: {', '.join(self.applicant_codes)}"


DISMISS_REASONS = [
    ("not_relevant", _("Not relevant")),
    ("not_eligible", _("Not eligible")),
    ("too_small", _("Too small")),
    ("too_large", _("Too large to manage")),
    ("deadline", _("Deadline too close")),
    ("applied", _("Already applied")),
    ("other", _("Other")),
]


class MatchDismissal(models.Model):
    """A team's "not for us" on an opportunity matched to one of its challenges or solutions."""

    challenge = models.ForeignKey(
        "portfolio.Challenge", on_delete=models.CASCADE, related_name="funding_dismissals"
    )
    solution = models.ForeignKey(
        "portfolio.Solution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funding_dismissals",
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=16, choices=DISMISS_REASONS)
    note = bounded_text(_("note"), 2_000, blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "opportunity"],
                condition=models.Q(solution__isnull=True),
                name="one_dismissal_per_challenge",
            ),
            models.UniqueConstraint(
                fields=["solution", "opportunity"],
                condition=models.Q(solution__isnull=False),
                name="one_dismissal_per_solution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} dismissed: {self.reason}"


class SavedSearch(models.Model):
    """A person's saved search (query and filters), or a challenge whose matches they follow;
    with ``alerts`` on, new and changed opportunities it finds come in their digest."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="funding_searches")
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    query = models.CharField(_("search"), max_length=500, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    challenge = models.ForeignKey(
        "portfolio.Challenge",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funding_followers",
    )
    alerts = models.BooleanField(_("send me new and changed opportunities"), default=True)
    email = models.BooleanField(_("by email too"), default=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DigestItem(models.Model):
    """One opportunity a saved search or a followed challenge brought to its owner's digest."""

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="items")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=[("new", _("New")), ("changed", _("Changed"))])
    summary = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["search", "opportunity"])]

    def __str__(self) -> str:
        return f"{self.search_id}: {self.opportunity_id} ({self.kind})"


APPLICATION_STATUSES = [
    ("prospect", _("Prospect")),
    ("drafting", _("Drafting")),
    ("submitted", _("Submitted")),
    ("awarded", _("Awarded")),
    ("declined", _("Declined")),
    ("withdrawn", _("Withdrawn")),
]
CLOSED_STATUSES = frozenset({"awarded", "declined", "withdrawn"})
# Which status may follow which (a decision can be corrected; a withdrawal can be resumed).
TRANSITIONS: dict[str, frozenset[str]] = {
    "prospect": frozenset({"drafting", "submitted", "withdrawn"}),
    "drafting": frozenset({"prospect", "submitted", "withdrawn"}),
    "submitted": frozenset({"awarded", "declined", "withdrawn", "drafting"}),
    "awarded": frozenset({"submitted", "declined"}),
    "declined": frozenset({"submitted", "awarded"}),
    "withdrawn": frozenset({"prospect", "drafting"}),
}
CHECKLIST = [
    ("registration", _("Registration active (SAM.gov, Grants.gov)")),
    ("match", _("Match funds secured")),
    ("letters", _("Letters of support")),
    ("narrative", _("Project narrative")),
    ("budget", _("Budget and justification")),
]
MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Application(CityOwnedContent):
    """A city's application for an opportunity (or a fund outside the catalogue), from
    prospect to award, linked to the challenge and solution it would pay for."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    title = models.CharField(_("title"), max_length=300)
    funder = models.CharField(
        _("funder"),
        max_length=300,
        blank=True,
        help_text=_("When the fund is not in the catalogue"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=APPLICATION_STATUSES, default="prospect"
    )
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    challenge = models.ForeignKey(
        "portfolio.Challenge",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funding_applications",
    )
    solution = models.ForeignKey(
        "portfolio.Solution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funding_applications",
    )
    milestones = models.ManyToManyField("portfolio.Milestone", blank=True, related_name="+")
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    amount_requested = models.DecimalField(_("amount requested"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    amount_awarded = models.DecimalField(_("amount awarded"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    match_amount = models.DecimalField(_("match funds"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    match_source = models.CharField(_("source of the match"), max_length=300, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    checklist = models.JSONField(_("readiness"), default=dict, blank=True)
    notes = bounded_text(_("notes"), blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.title


class ApplicationStatusChange(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=APPLICATION_STATUSES, blank=True)
    to_status = models.CharField(max_length=16, choices=APPLICATION_STATUSES)
    note = bounded_text(blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


def _via(prefix: str) -> ScopeFields:
    return ScopeFields(
        network=f"{prefix}__city__network_id",
        city=f"{prefix}__city_id",
        team=f"{prefix}__team_id",
        visibility=f"{prefix}__visibility",
    )


# Where the permission rules read each city-owned model's city, team and visibility.
SCOPE: dict[type[models.Model], ScopeFields] = {
    Application: CONTENT_FIELDS,
    ApplicationStatusChange: _via("application"),
    MatchDismissal: _via("challenge"),
}
