"""City datasets: a catalogue entry, its immutable versions, and the jobs that import them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import CityOwnedContent

UPDATE_FREQUENCIES = [
    ("", _("Unknown")),
    ("daily", _("Daily")),
    ("weekly", _("Weekly")),
    ("monthly", _("Monthly")),
    ("quarterly", _("Quarterly")),
    ("yearly", _("Yearly")),
    ("once", _("Once")),
]


# The catalogue's themes: a fixed list (as Socrata's categories), so they translate and facet.
THEMES = [
    ("transport", _("Transport and mobility")),
    ("environment", _("Environment and climate")),
    ("housing", _("Housing")),
    ("health", _("Health")),
    ("safety", _("Public safety")),
    ("economy", _("Economy and jobs")),
    ("education", _("Education")),
    ("population", _("Population")),
    ("governance", _("Governance and finance")),
    ("planning", _("Urban planning and land")),
    ("infrastructure", _("Infrastructure and services")),
    ("culture", _("Culture and leisure")),
]
MAX_TAGS = 20
TAG_MAX = 40
DICTIONARY_DESCRIPTION_MAX = 1000
DICTIONARY_UNIT_MAX = 50


class Dataset(CityOwnedContent):
    """A table of city data (311 requests, parcels…) that is imported in versions."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    update_frequency = models.CharField(
        _("update frequency"), max_length=16, choices=UPDATE_FREQUENCIES, blank=True
    )
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_version = models.ForeignKey(
        "DatasetVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Lineage: the datasets whose rows this one's were derived from (a saved proximity result
    # from its two datasets), with their own sources, so one level holds every ancestor. A
    # dataset is seen only by those who may see all its sources now (queries.visible_datasets).
    sources = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="derived", verbose_name=_("sources")
    )
    # The data dictionary: {column name: {"description": …, "unit": …}}, written only by
    # services.update_dictionary (checked against the current version's columns, bounded by
    # DICTIONARY_DESCRIPTION_MAX / DICTIONARY_UNIT_MAX). Entries of columns a later version
    # dropped are kept (a rollback brings them back) but shown only for current columns.
    dictionary = models.JSONField(_("data dictionary"), default=dict, blank=True)
    # Themes (codes of THEMES) and free tags (folded, at most MAX_TAGS of TAG_MAX characters),
    # each a list written by services.update_dataset, which cleans them (services.clean_tags).
    themes = models.JSONField(_("themes"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="dataset_slug_per_city"),
        ]

    def __str__(self) -> str:
        return self.name


class DatasetVersion(models.Model):
    """One complete import: a Parquet file that never changes once written."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.CharField(max_length=500, help_text="Path relative to the data directory")
    rows = models.BigIntegerField()
    size_bytes = models.BigIntegerField(default=0)
    columns = models.JSONField(default=list)
    profile = models.JSONField(default=dict)
    report = models.JSONField(default=dict, help_text="Rows refused and accepted as bad")
    details = models.JSONField(default=dict, help_text="Format, encoding, delimiter, CRS…")
    mode = models.CharField(max_length=16, default="replace")
    source_name = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.number}"


class ImportJob(models.Model):
    """An import running in the background; its state is what the upload page shows."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    dataset_name = models.CharField(max_length=200)
    dataset = models.ForeignKey(
        Dataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    upload = models.CharField(max_length=500, help_text="Uploaded file, relative to data dir")
    source_name = models.CharField(max_length=300, blank=True)
    options = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=100, blank=True)
    progress = models.FloatField(default=0.0)
    error = models.JSONField(default=dict, blank=True)
    version = models.ForeignKey(
        DatasetVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A refresh: the job downloads its file from this source before importing it.
    source = models.ForeignKey(
        "DataSource", on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import of {self.dataset_name} ({self.state})"


class DataSource(models.Model):
    """Where a dataset refreshes itself from: an address, how to read it, how to add its rows
    and how often. Written only by ``datasets.sources`` (checked, audited); each refresh is an
    ``ImportJob`` with this source, through the same import as an upload."""

    class Kind(models.TextChoices):
        SOCRATA = "socrata", _("Socrata (SODA endpoint or export)")
        OPEN311 = "open311", _("Open311 GeoReport v2 requests")
        CSV = "csv", _("CSV file")
        GEOJSON = "geojson", _("GeoJSON file")

    class Schedule(models.TextChoices):
        OFF = "off", _("Off (refresh by hand)")
        HOURLY = "hourly", _("Hourly")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="remote")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    url = models.URLField(_("address"), max_length=2000)
    mode = models.CharField(_("mode"), max_length=16, default="replace")
    key = models.CharField(_("key columns"), max_length=500, blank=True)
    max_bad_rows = models.PositiveIntegerField(_("bad rows allowed"), default=0)
    schedule = models.CharField(
        _("schedule"), max_length=16, choices=Schedule.choices, default=Schedule.OFF
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Open311: the first refresh reads requests made since this date (later ones start at
    # ``high_water`` less an overlap).
    start_from = models.DateTimeField(_("first refresh from"), null=True, blank=True)
    high_water = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # A refresh acts for the person who bound the source (or asked for it): their right to
    # edit the dataset is checked again each time.
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.dataset} ← {self.url}"
