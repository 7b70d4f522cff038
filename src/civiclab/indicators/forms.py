"""The indicator builder: a form whose fields become a spec (or a spec typed as JSON).

The fields say the common specs — a simple measure (optionally per capita), a ratio of two
simple measures with their own filters, up to three breakdown columns — and the JSON box says
the rest. ``engine.builder.initial_from`` reads a saved spec back into the fields, so an edit
round-trips. Problems are attached to the field they come from, in the reader's language where
the form can see them, and otherwise mapped from the spec's path (``measure.numerator.column``).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import display_name
from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Visibility
from civiclab.datasets.filters.language import NUMERIC, TEMPORAL, SpecError, filter_value
from civiclab.datasets.forms import OP_CHOICES, TYPE_LABELS, filter_fields
from civiclab.datasets.queries import owner_candidates
from civiclab.indicators.engine.builder import (
    BREAKDOWNS,
    FILTERS,
    RATIO_PARTS,
    SIDES,
    SIMPLE_MEASURES,
    field_for_path,
)
from civiclab.indicators.engine.compile import compile_spec
from civiclab.indicators.engine.spec import parse_spec
from civiclab.indicators.problems import translated_problems

# The builder's measures. Per capita is not one of them: it is a rate of any simple measure.
BUILDER_MEASURES = [
    ("count", _("Count of rows")),
    ("count_distinct", _("Count of distinct values")),
    ("sum", _("Sum")),
    ("mean", _("Mean")),
    ("median", _("Median")),
    ("percentile", _("Percentile")),
    ("share", _("Share of rows matching a condition")),
    ("duration", _("Duration between two times")),
    ("ratio", _("Ratio of two measures")),
]
# Every measure's name, for the indicator pages.
MEASURE_CHOICES = [*BUILDER_MEASURES, ("per_capita", _("Per capita"))]
# The parts of a ratio: measures of one column (or none).
RATIO_PART_CHOICES = [(k, label) for k, label in BUILDER_MEASURES if k in RATIO_PARTS]
# The column a measure reads, and the column types it accepts (None: any).
COLUMN_KINDS: dict[str, set[str] | None] = {
    "count_distinct": None,
    "sum": NUMERIC,
    "mean": NUMERIC,
    "median": NUMERIC,
    "percentile": NUMERIC,
    "share": None,
    "duration": TEMPORAL,
}
# Which measures each measure-dependent field is shown for (the template hides the others).
SHOWN_FOR: dict[str, list[str]] = {
    "column": list(COLUMN_KINDS),
    "end": ["duration"],
    "stat": ["duration"],
    "unit": ["duration"],
    "p": ["percentile", "duration"],
    "share_op": ["share"],
    "share_value": ["share"],
    **{
        f"{side}{part}": ["ratio"]
        for side in SIDES
        for part in ("", "_column", "_filter_column", "_filter_op", "_filter_value")
    },
    "per_capita": list(SIMPLE_MEASURES),
    "population": list(SIMPLE_MEASURES),
}
STAT_CHOICES = [
    ("median", _("Median")),
    ("mean", _("Mean")),
    ("p90", _("90th percentile")),
    ("percentile", _("Percentile")),
]
UNIT_CHOICES = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]
PERIOD_CHOICES = [
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
]
POLARITY_CHOICES = [
    ("lower_is_better", _("Lower is better")),
    ("higher_is_better", _("Higher is better")),
]
# Where the builder's fields sit on the page, in the order a spec is thought through.
SECTIONS = [
    (_("Indicator"), ["dataset", "name", "description"]),
    (
        _("Measure"),
        ["measure", "column", "end", "stat", "unit", "p", "share_op", "share_value",
         *(f"{side}{part}" for side in SIDES
           for part in ("", "_column", "_filter_column", "_filter_op", "_filter_value")),
         "per_capita", "population"],
    ),
    (_("Filters"), [f"filter{i}_{part}" for i in range(1, FILTERS + 1)
                    for part in ("column", "op", "value")]),
    (_("Period"), ["time_column", "period"]),
    (_("Breakdown and equity"), [*BREAKDOWNS, "breakdown_top", "equity"]),
    (_("Goal"), ["polarity", "target_value", "target_date", "baseline_start", "baseline_end"]),
    (_("Sharing"), ["visibility", "owner"]),
    (_("Advanced"), ["spec_json"]),
]  # fmt: skip


class IndicatorForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Dataset"))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=BUILDER_MEASURES, initial="count")
    column = forms.ChoiceField(
        label=_("Column measured"),
        required=False,
        help_text=_(
            "For distinct counts, sums, means, medians, percentiles and shares; "
            "the start time for durations."
        ),
    )
    end = forms.ChoiceField(label=_("End time (durations)"), required=False)
    stat = forms.ChoiceField(
        label=_("Statistic (durations)"), choices=STAT_CHOICES, initial="median"
    )
    unit = forms.ChoiceField(label=_("Unit (durations)"), choices=UNIT_CHOICES, initial="hours")
    p = forms.FloatField(label=_("Percentile (1–99)"), required=False, min_value=0, max_value=100)
    share_op = forms.ChoiceField(label=_("Share: condition"), choices=OP_CHOICES, required=False)
    share_value = forms.CharField(label=_("Share: value"), required=False, max_length=500)
    numerator = forms.ChoiceField(
        label=_("Numerator"), choices=RATIO_PART_CHOICES, initial="count", required=False
    )
    numerator_column = forms.ChoiceField(
        label=_("Numerator: column"),
        required=False,
        help_text=_("Not needed for a count of rows."),
    )
    denominator = forms.ChoiceField(
        label=_("Denominator"), choices=RATIO_PART_CHOICES, initial="count", required=False
    )
    denominator_column = forms.ChoiceField(
        label=_("Denominator: column"),
        required=False,
        help_text=_("Not needed for a count of rows."),
    )
    per_capita = forms.IntegerField(
        label=_("Per how many residents"),
        required=False,
        min_value=1,
        help_text=_(
            "For a rate such as requests per 1,000 residents (e.g. 1000 or 100000); "
            "leave empty for the measure itself. Not for ratios."
        ),
    )
    population = forms.IntegerField(label=_("Population"), required=False, min_value=1)
    time_column = forms.ChoiceField(label=_("Time column"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="month")
    breakdown = forms.ChoiceField(label=_("Break down by"), required=False)
    breakdown2 = forms.ChoiceField(label=_("…then by"), required=False)
    breakdown3 = forms.ChoiceField(
        label=_("…and by"),
        required=False,
        help_text=_("Groups of several columns are labelled “a / b”."),
    )
    breakdown_top = forms.IntegerField(
        label=_("Keep the largest groups"),
        required=False,
        min_value=1,
        help_text=_(
            "For a breakdown with many values (an address, a request number): keep only this "
            "many groups, those with the most rows over the whole period, and gather the "
            "others into one group, “Other”. Leave empty to keep every group."
        ),
    )
    equity = forms.ChoiceField(
        label=_("Equity dimension"),
        required=False,
        help_text=_(
            "The best and worst group and the gap between them; "
            "without one, the breakdown's groups are compared."
        ),
    )
    polarity = forms.ChoiceField(label=_("Direction"), choices=POLARITY_CHOICES)
    target_value = forms.FloatField(label=_("Target"), required=False)
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    baseline_start = forms.DateField(
        label=_("Baseline from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    baseline_end = forms.DateField(
        label=_("Baseline to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    visibility = forms.ChoiceField(label=_("Visible to"))
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— none —"),
        help_text=_("Reminded when the indicator's data is due an update (default: you)."),
    )
    spec_json = forms.CharField(
        label=_("Specification as JSON (advanced)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("When filled in, it is used instead of the fields above."),
    )

    def __init__(
        self,
        *args: Any,
        datasets: list[tuple[str, str]],
        columns: dict[str, str],
        widest: Visibility,
        population: int | None = None,
        city_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        if city_id is not None:
            owner.queryset = owner_candidates(city_id)
        owner.label_from_instance = display_name  # type: ignore[method-assign,assignment]
        self.columns = columns
        self.city_population = population
        dataset = self.fields["dataset"]
        assert isinstance(dataset, forms.ChoiceField)
        dataset.choices = datasets
        for i in range(1, FILTERS + 1):
            n = {"n": i}
            labels = (_("Filter %(n)s: column") % n, _("Filter %(n)s: condition") % n,
                      _("Filter %(n)s: value") % n)  # fmt: skip
            for part, field in filter_fields(*labels).items():
                self.fields[f"filter{i}_{part}"] = field
        sides = {
            "numerator": (_("Numerator filter: column"), _("Numerator filter: condition"),
                          _("Numerator filter: value")),
            "denominator": (_("Denominator filter: column"), _("Denominator filter: condition"),
                            _("Denominator filter: value")),
        }  # fmt: skip
        for side, side_labels in sides.items():
            for part, field in filter_fields(*side_labels).items():
                if part == "column":
                    field.help_text = _("Only for this side of the ratio; optional.")
                self.fields[f"{side}_filter_{part}"] = field
        column_choices = [("", "—"), *((c, c) for c in columns)]
        for name, field in self.fields.items():
            if name in ("column", "end", "equity", *BREAKDOWNS) or name.endswith("_column"):
                field.choices = column_choices  # type: ignore[attr-defined]
        self.fields["population"].help_text = (
            _("Leave empty to use the city's population, %(n)s.") % {"n": f"{population:,}"}
            if population
            else _("The city has no population on record: give one for a rate per residents.")
        )
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = [
            (value, label)
            for value, label in VISIBILITY_CHOICES
            if Visibility(value).breadth <= widest.breadth
        ]
        visibility.initial = Visibility.CITY.value
        self.order_fields([name for _legend, names in SECTIONS for name in names])

    def sections(self) -> list[dict[str, Any]]:
        """The fields by section, each with the measures it is shown for (empty: always)."""
        return [
            {
                "legend": legend,
                "fields": [
                    {"field": self[name], "measures": " ".join(SHOWN_FOR.get(name, []))}
                    for name in names
                ],
                # A section folded away (the builder's Advanced) opens when it says something.
                "open": any(self[name].value() or self[name].errors for name in names),
            }
            for legend, names in SECTIONS
        ]

    def clean_spec_json(self) -> dict[str, Any] | None:
        text = self.cleaned_data["spec_json"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": exc}
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The specification must be a JSON object."))
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if self.errors:
            return data
        if data.get("spec_json"):
            self._check_spec(data["spec_json"], from_json=True)
            return data
        kind = data.get("measure")
        if kind == "ratio":
            for side in SIDES:
                part = data.get(side) or "count"
                if part != "count":
                    self._check_column(f"{side}_column", COLUMN_KINDS[part])
                self._check_filter(f"{side}_filter")
        else:
            if kind in COLUMN_KINDS:
                self._check_column("column", COLUMN_KINDS[kind])
            if kind == "duration":
                self._check_column("end", TEMPORAL)
            wants_p = kind == "percentile" or (kind == "duration" and data["stat"] == "percentile")
            if wants_p and (data.get("p") is None or not 0 < data["p"] < 100):
                self.add_error("p", _("Give a percentile between 1 and 99."))
            if data.get("per_capita") and not data.get("population") and not self.city_population:
                self.add_error(
                    "population",
                    _("The city has no population on record: give the population here."),
                )
        for i in range(1, FILTERS + 1):
            self._check_filter(f"filter{i}")
        chosen: list[str] = []
        for name in BREAKDOWNS:
            column = data.get(name)
            if column and column in chosen:
                self.add_error(name, _("This column is already in the breakdown."))
            elif column:
                chosen.append(column)
        if not self.errors:
            self._check_spec(self._spec_from_fields(data), from_json=False)
        return data

    def _check_column(self, name: str, kinds: set[str] | None) -> None:
        """The column a measure needs: chosen, and of a type the measure can read."""
        column = self.cleaned_data.get(name)
        if not column:
            self.add_error(name, _("Choose the column this measure reads."))
            return
        kind = self.columns.get(column)
        if kinds is None or kind in kinds:
            return
        type_label = TYPE_LABELS.get(kind, kind)  # type: ignore[call-overload]
        if kinds == TEMPORAL:
            message = _("%(column)s holds values of type “%(type)s”; this needs dates or times.")
        else:
            message = _("%(column)s holds values of type “%(type)s”; this measure needs numbers.")
        self.add_error(name, message % {"column": column, "type": type_label})

    def _check_filter(self, prefix: str) -> None:
        """A filter is a column and a condition: half of one is a mistake, not nothing."""
        column = self.cleaned_data.get(f"{prefix}_column")
        op = self.cleaned_data.get(f"{prefix}_op")
        if column and not op:
            self.add_error(f"{prefix}_op", _("Choose a condition for this column."))
        elif op and not column:
            self.add_error(f"{prefix}_column", _("Choose the column this condition is on."))

    def _check_spec(self, spec: dict[str, Any], from_json: bool) -> None:
        """Validate and compile the spec against the columns; problems go to their field."""
        if not self.columns:  # no data yet: the service says so
            return
        try:
            parsed = parse_spec({**spec, "dataset": self.cleaned_data.get("dataset") or "-"})
            compile_spec(parsed, self.columns, "UTC", population=self.city_population)
        except SpecError as exc:
            for path, message in translated_problems(exc):
                field = "spec_json" if from_json else field_for_path(path)
                if field is None or field not in self.fields:
                    self.add_error(None, f"{path}: {message}")
                else:
                    self.add_error(field, f"{path}: {message}" if from_json else message)

    def spec(self) -> dict[str, Any]:
        """The spec document the fields describe (validated later against the dataset)."""
        data = self.cleaned_data
        if data.get("spec_json"):
            return data["spec_json"]  # type: ignore[no-any-return]
        return self._spec_from_fields(data)

    def _spec_from_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        kind = data["measure"]
        measure: dict[str, Any]
        if kind == "ratio":
            measure = {"type": "ratio"}
            for side in SIDES:
                part = data.get(side) or "count"
                measure[side] = {"type": part}
                if part != "count":
                    measure[side]["column"] = data.get(f"{side}_column") or ""
                col, op = data.get(f"{side}_filter_column"), data.get(f"{side}_filter_op")
                if col and op:
                    text = data.get(f"{side}_filter_value") or ""
                    measure[f"{side}_filters"] = [self._filter(col, op, text)]
        else:
            measure = self._simple_measure(kind, data)
            if data.get("per_capita"):
                measure = {"type": "per_capita", "of": measure, "per": data["per_capita"]}
                if data.get("population"):
                    measure["population"] = data["population"]
        spec: dict[str, Any] = {"measure": measure, "polarity": data["polarity"]}
        if data.get("time_column"):
            spec["time"] = {"column": data["time_column"], "period": data["period"]}
        filters = []
        for i in range(1, FILTERS + 1):
            col, op = data.get(f"filter{i}_column"), data.get(f"filter{i}_op")
            if col and op:
                filters.append(self._filter(col, op, data.get(f"filter{i}_value") or ""))
        if filters:
            spec["filters"] = filters
        breakdown = [data[name] for name in BREAKDOWNS if data.get(name)]
        if breakdown:
            spec["breakdown"] = breakdown[0] if len(breakdown) == 1 else breakdown
        if data.get("breakdown_top"):
            spec["breakdown_top"] = data["breakdown_top"]
        if data.get("equity"):
            spec["equity"] = data["equity"]
        return spec

    def _simple_measure(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        column = data.get("column") or ""
        measure: dict[str, Any] = {"type": kind}
        if kind in ("count_distinct", "sum", "mean", "median", "percentile"):
            measure["column"] = column
        if kind == "percentile":
            measure["p"] = data.get("p")
        if kind == "duration":
            measure.update(start=column, end=data.get("end") or "", stat=data["stat"],
                           unit=data["unit"])  # fmt: skip
            if data["stat"] == "percentile":
                measure["p"] = data.get("p")
        if kind == "share":
            op = data.get("share_op") or "="
            measure["where"] = [self._filter(column, op, data.get("share_value") or "")]
        return measure

    def _filter(self, column: str, op: str, text: str) -> dict[str, Any]:
        item: dict[str, Any] = {"column": column, "op": op}
        value = filter_value(op, text, self.columns.get(column))
        if value is not None:
            item["value"] = value
        return item

    def goal_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("description", "target_value", "target_date", "baseline_start",
                         "baseline_end")
        }  # fmt: skip
