"""Indicators: a named spec over a city dataset, with goals, and its cached results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import CityOwnedContent


class Indicator(CityOwnedContent):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="indicators"
    )
    spec = models.JSONField(help_text="The indicator specification (see the JSON Schema)")
    baseline_start = models.DateField(_("baseline from"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline to"), null=True, blank=True)
    target_value = models.FloatField(_("target"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="indicator_slug_per_city"),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorResult(models.Model):
    """A computed series, valid for one dataset version and one version of the spec."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="results")
    version = models.ForeignKey(
        "datasets.DatasetVersion", on_delete=models.CASCADE, related_name="+"
    )
    spec_hash = models.CharField(max_length=64)
    series = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "version", "spec_hash"], name="one_result_per_input"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} @ v{self.version_id}"
