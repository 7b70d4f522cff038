"""Forms of the evaluation pages: a plan, an amendment, the power calculator, randomisation.

The forms only parse what a person typed (lists as comma-separated names, the analysis columns
as fields of their own); the services decide who may save what and check it again."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civiclab.core.permissions import Visibility
from civiclab.core.schemas import FIELD_INT_MAX
from civiclab.evaluation.models import (
    ASSIGNMENT_METHODS,
    COLUMN_KEYS,
    COLUMN_LIST_KEYS,
    DESIGN_CHOICES,
    OUTCOME_KIND_CHOICES,
    EvaluationPlan,
)
from civiclab.portfolio.forms.challenges import visibility_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NO_CHOICE = _("— none —")

# The plan's own fields the form edits (the pre-registered content, less the solution, and
# the analysis columns and lists, which have fields of their own below).
PLAN_FORM_FIELDS = [
    "title", "question", "hypothesis", "design", "outcome_indicator", "outcome_dataset",
    "outcome_column", "unit_column", "time_column", "outcome_kind", "lower_is_better",
    "unit_label", "comparison_group", "exclusions", "intervention_date", "analysis_date",
    "minimum_detectable_effect", "alpha", "power_target", "control_arm", "season_period",
    "registered_after_data",
]  # fmt: skip
# The outcome in words and its unit, for the result's sentence (when the model has them).
_WORDED = [
    name
    for name in ("outcome_label", "outcome_unit")
    if any(f.name == name for f in EvaluationPlan._meta.get_fields())
]
PLAN_FORM_FIELDS[
    PLAN_FORM_FIELDS.index("lower_is_better") : PLAN_FORM_FIELDS.index("lower_is_better")
] = _WORDED
COLUMN_LABELS = {
    "treated": _("Treated column (0/1)"),
    "arm": _("Arm column"),
    "cohort": _("Cohort column (first treated period)"),
    "cluster": _("Cluster column"),
    "weight": _("Weight column"),
    "exposure": _("Exposure column (counts)"),
    "covariates": _("Covariates (columns, comma-separated)"),
    "strata": _("Strata (columns, comma-separated)"),
}


def split_names(text: str) -> list[str]:
    """``"a, b ,c"`` → ``["a", "b", "c"]`` (empty parts dropped)."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


# The longest text a page accepts, as the API does (schemas: max_length=5000).
TEXT_MAX = 5000
LONG_TEXTS = ("question", "hypothesis", "comparison_group", "exclusions")


class PlanForm(forms.ModelForm):
    """Draft or edit a plan (while it is unlocked)."""

    secondary = forms.CharField(
        label=_("Secondary outcomes (comma-separated)"), required=False, max_length=1000
    )
    donor_cities = forms.CharField(
        label=_("Donor cities (city slugs, comma-separated; empty: every peer city)"),
        required=False,
        max_length=1000,
    )
    visibility = forms.ChoiceField(label=_("Visible to"))

    class Meta:
        model = EvaluationPlan
        fields = PLAN_FORM_FIELDS
        widgets = {
            "intervention_date": DATE,
            "analysis_date": DATE,
            "question": forms.Textarea(attrs={"rows": 2}),
            "hypothesis": forms.Textarea(attrs={"rows": 2}),
            "comparison_group": forms.Textarea(attrs={"rows": 2}),
            "exclusions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        indicators: models.QuerySet[Any],
        datasets: models.QuerySet[Any],
        widest: Visibility,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        plan: EvaluationPlan = self.instance
        for name in LONG_TEXTS:  # text fields of the model have no length of their own
            if name in self.fields:
                text = self.fields[name]
                assert isinstance(text, forms.CharField)
                text.max_length = TEXT_MAX
                text.validators.append(MaxLengthValidator(TEXT_MAX))
                text.widget.attrs["maxlength"] = str(TEXT_MAX)
        for name, queryset in (("outcome_indicator", indicators), ("outcome_dataset", datasets)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
            field.empty_label = NO_CHOICE
        columns = plan.columns or {}
        for key in (*COLUMN_KEYS, *COLUMN_LIST_KEYS):
            value = columns.get(key) or ("" if key in COLUMN_KEYS else [])
            self.fields[f"col_{key}"] = forms.CharField(
                label=COLUMN_LABELS[key],
                required=False,
                max_length=1000,
                initial=value if isinstance(value, str) else ", ".join(value),
            )
        self.fields["secondary"].initial = ", ".join(str(s) for s in plan.secondary_outcomes or [])
        self.fields["donor_cities"].initial = ", ".join(plan.donors or [])
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        current = plan.visibility if plan.pk else None
        visibility.choices = visibility_choices(widest, current)
        visibility.initial = current or widest.value

    def changes(self) -> dict[str, Any]:
        """The cleaned values under the service's names (``columns``, ``donors``…)."""
        data = self.cleaned_data
        fields = {name: data[name] for name in PLAN_FORM_FIELDS if name in data}
        columns: dict[str, Any] = {}
        for key in COLUMN_KEYS:
            if data.get(f"col_{key}"):
                columns[key] = data[f"col_{key}"].strip()
        for key in COLUMN_LIST_KEYS:
            names = split_names(data.get(f"col_{key}", ""))
            if names:
                columns[key] = names
        fields["columns"] = columns
        fields["secondary_outcomes"] = split_names(data.get("secondary", ""))
        fields["donors"] = split_names(data.get("donor_cities", ""))
        fields["visibility"] = data["visibility"]
        return fields


class AmendForm(forms.Form):
    """Change one field of a locked plan, with the reason (shown to all who see the plan)."""

    field = forms.ChoiceField(label=_("Field"))
    value = forms.CharField(
        label=_("New value"),
        required=False,
        max_length=5000,
        help_text=_(
            "Dates as YYYY-MM-DD; lists comma-separated; the analysis columns as JSON, e.g. "
            '{"treated": "treated"}; yes/no as true or false; an indicator or dataset by its '
            "number."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, plan: EvaluationPlan, amendable: tuple[str, ...], **kw: Any):
        super().__init__(*args, **kw)
        self.plan = plan
        field = self.fields["field"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, _label(plan, name)) for name in amendable]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("field")
        if name:
            try:
                data["parsed"] = parse_value(self.plan, name, data.get("value") or "")
            except (ValueError, forms.ValidationError) as exc:
                self.add_error("value", str(getattr(exc, "message", exc)))
        return data


def _label(plan: EvaluationPlan, name: str) -> str:
    found = plan._meta.get_field(name)
    return str(getattr(found, "verbose_name", name)).capitalize()


def parse_value(plan: EvaluationPlan, name: str, raw: str) -> Any:
    """The typed value of ``raw`` for the plan's field ``name``."""
    field = plan._meta.get_field(name)
    raw = raw.strip()
    if isinstance(field, models.JSONField):
        if raw.startswith(("{", "[")):
            return json.loads(raw)
        if name == "columns":
            raise ValueError(_("The analysis columns are a JSON object."))
        return split_names(raw)
    if isinstance(field, models.BooleanField):
        if raw.lower() in ("true", "yes", "1", "oui", "vrai"):
            return True
        if raw.lower() in ("false", "no", "0", "non", "faux", ""):
            return False
        raise ValueError(_("Write true or false."))
    if isinstance(field, models.ForeignKey):
        return int(raw) if raw else None
    if not raw:
        return None if field.null else ""
    assert isinstance(field, models.Field)
    return field.to_python(raw)


class PowerForm(forms.Form):
    """The power calculator's question: give n (→ the smallest detectable effect), the effect
    (→ the units needed), or both (→ the power)."""

    design = forms.ChoiceField(label=_("Design"), choices=DESIGN_CHOICES, initial="rct")
    outcome_kind = forms.ChoiceField(
        label=_("Outcome kind"), choices=OUTCOME_KIND_CHOICES, initial="continuous"
    )
    n = forms.IntegerField(
        label=_("Units (all arms)"), required=False, min_value=2, max_value=FIELD_INT_MAX
    )
    mde = forms.FloatField(label=_("Effect to detect"), required=False, min_value=0)
    sd = forms.FloatField(label=_("Standard deviation"), required=False, min_value=0)
    baseline = forms.FloatField(
        label=_("Baseline rate (yes/no outcomes, 0 to 1)"),
        required=False,
        min_value=0,
        max_value=1,
    )
    icc = forms.FloatField(
        label=_("Intraclass correlation (ICC)"), required=False, min_value=0, max_value=1
    )
    cluster_size = forms.FloatField(label=_("Units per cluster"), required=False, min_value=1)
    treated_share = forms.FloatField(
        label=_("Share treated"), required=False, min_value=0.05, max_value=0.95, initial=0.5
    )
    alpha = forms.FloatField(
        label=_("Significance level"), initial=0.05, min_value=0.001, max_value=0.5
    )
    power = forms.FloatField(label=_("Power"), initial=0.8, min_value=0.05, max_value=0.99)
    history = forms.ChoiceField(
        label=_("From the city's history"),
        required=False,
        help_text=_("Estimate the SD (and ICC) from an indicator or a dataset column."),
    )
    history_column = forms.CharField(
        label=_("Outcome column (a dataset)"), required=False, max_length=200
    )
    history_unit = forms.CharField(
        label=_("Unit column (a dataset)"), required=False, max_length=200
    )
    history_time = forms.CharField(
        label=_("Time column (a dataset)"), required=False, max_length=200
    )

    def __init__(self, *args: Any, sources: list[tuple[str, Any]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        history = self.fields["history"]
        assert isinstance(history, forms.ChoiceField)
        history.choices = [("", _("— type the numbers —")), *sources]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source = data.get("history") or ""
        if source.startswith("dataset:") and not (
            data.get("history_column") and data.get("history_unit")
        ):
            self.add_error(
                "history_column", _("Name the dataset's outcome column and its unit column.")
            )
        return data

    def question(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = ("design", "outcome_kind", "n", "mde", "sd", "baseline", "icc", "cluster_size")
        asked = {key: data.get(key) for key in keys}
        asked.update(
            treated_share=data.get("treated_share"), alpha=data["alpha"], power=data["power"]
        )
        return {key: value for key, value in asked.items() if value not in (None, "")}


class RandomiseForm(forms.Form):
    """Assign a dataset's units to arms, reproducibly (the seed is recorded)."""

    dataset = forms.ChoiceField(label=_("Units (a dataset of the city)"))
    unit_column = forms.CharField(label=_("Unit column"), max_length=200)
    method = forms.ChoiceField(label=_("Method"), choices=ASSIGNMENT_METHODS, initial="complete")
    arms = forms.CharField(
        label=_("Arms (comma-separated, control first)"),
        initial="control, treatment",
        max_length=500,
    )
    strata = forms.CharField(label=_("Strata (columns, comma-separated)"), required=False)
    cluster_column = forms.CharField(label=_("Cluster column"), required=False, max_length=200)
    covariates = forms.CharField(
        label=_("Balance covariates (columns, comma-separated)"), required=False
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        help_text=_("Empty: a random seed, recorded with the assignment."),
    )
    save_as = forms.CharField(
        label=_("Save as (dataset name)"),
        required=False,
        max_length=200,
        help_text=_("Empty: the plan's title followed by “assignment”."),
    )

    def __init__(self, *args: Any, datasets: list[tuple[str, Any]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["dataset"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = datasets

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "unit_column": data["unit_column"].strip(),
            "method": data["method"],
            "arms": split_names(data["arms"]) or None,
            "strata": split_names(data.get("strata", "")),
            "cluster_column": (data.get("cluster_column") or "").strip() or None,
            "covariates": split_names(data.get("covariates", "")),
            "seed": data.get("seed"),
            "save_as": (data.get("save_as") or "").strip() or None,
        }
