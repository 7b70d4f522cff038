"""Publishing an indicator's definition to the registry; adopting a shared metric."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Visibility
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import visible_datasets
from civiclab.exchange.forms.forks import working_cities
from civiclab.exchange.models.metrics import DENOMINATORS, MAX_DESCRIPTION


class PublishForm(forms.Form):
    name = forms.CharField(label=_("Name in the registry"), max_length=200)
    description = forms.CharField(
        label=_("What it measures, and how"),
        widget=forms.Textarea,
        required=False,
        max_length=MAX_DESCRIPTION,
    )
    denominator = forms.ChoiceField(label=_("Compare cities"), choices=DENOMINATORS)
    per = forms.IntegerField(
        label=_("Per"),
        min_value=1,
        max_value=10_000_000,
        initial=1000,
        help_text=_("e.g. per 1,000 residents"),
    )
    denominator_label = forms.CharField(
        label=_("Denominator's name"),
        max_length=100,
        required=False,
        help_text=_("Only for another denominator: e.g. km of streets"),
    )


class AdoptForm(forms.Form):
    dataset = forms.ModelChoiceField(label=_("Your dataset"), queryset=Dataset.objects.none())
    name = forms.CharField(label=_("Your indicator's name"), max_length=200)
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[(v, lbl) for v, lbl in VISIBILITY_CHOICES if v != Visibility.TEAM],
        initial=Visibility.CITY,
    )
    denominator_value = forms.FloatField(label=_("Your city's denominator"), required=False)

    def __init__(self, *args: Any, user: Any, metric: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cities = working_cities(user).filter(network_id=metric.network_id)
        self.fields["dataset"].queryset = (  # type: ignore[attr-defined]
            visible_datasets(user)
            .filter(city__in=cities, current_version__isnull=False)
            .order_by("city__name", "name")
        )
        self.fields["dataset"].label_from_instance = lambda d: f"{d.city.name} — {d.name}"  # type: ignore[attr-defined]
        self.fields["name"].initial = metric.name
        if metric.denominator != "custom":
            del self.fields["denominator_value"]
        elif metric.denominator_label:
            self.fields["denominator_value"].label = metric.denominator_label
