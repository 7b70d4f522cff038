"""Shared metric definitions: an indicator's definition published to the network's registry,
and the cities' indicators that adopted it.

A ``SharedMetric`` copies the definition (the measure, the period it is aggregated by, the
filters, the polarity, the unit, the columns it reads with their types) — never the data. A
``MetricAdoption`` says that one city's indicator measures it: the publisher's own indicator is
the first; another city adopts by creating an indicator with the same definition over its own
dataset (``services.metrics.adopt``). The cross-city comparison and the evaluation's synthetic
control (its donors) read the adoptions, each indicator only for who may see it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["MetricAdoption", "SharedMetric"]

DENOMINATORS = [
    ("population", _("Per capita (the city's population)")),
    ("custom", _("Per another denominator each city gives")),
    ("none", _("As measured (no denominator)")),
]
MAX_DESCRIPTION = 5_000


class SharedMetric(models.Model):
    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    publisher_city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    source_indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), max_length=MAX_DESCRIPTION, blank=True)
    # The definition, as the indicator's spec says it (measure and filters: spec JSON).
    measure = models.JSONField(_("measure"))
    aggregation = models.CharField(_("aggregated by"), max_length=16, blank=True)
    time_column = models.CharField(_("time column"), max_length=200, blank=True)
    filters = models.JSONField(_("filters"), default=list, blank=True)
    polarity = models.CharField(_("polarity"), max_length=20, default="lower_is_better")
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    columns = models.JSONField(_("columns read"), default=dict, blank=True)
    denominator = models.CharField(
        _("denominator"), max_length=16, choices=DENOMINATORS, default="population"
    )
    denominator_label = models.CharField(
        _("denominator's name"), max_length=100, blank=True, help_text=_("e.g. km of streets")
    )
    per = models.PositiveIntegerField(
        _("per"), default=1000, validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="shared_metric_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class MetricAdoption(models.Model):
    metric = models.ForeignKey(SharedMetric, on_delete=models.CASCADE, related_name="adoptions")
    indicator = models.OneToOneField(
        "indicators.Indicator", on_delete=models.CASCADE, related_name="+"
    )
    city = models.ForeignKey("network.City", on_delete=models.CASCADE, related_name="+")
    denominator_value = models.FloatField(
        _("denominator"), null=True, blank=True, validators=[MinValueValidator(0.000001)]
    )
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "city"], name="one_adoption_per_city"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} · {self.indicator_id}"
