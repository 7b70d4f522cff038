"""Forms of the challenge pages: challenges, evidence, causes, opportunity areas, ideas, scores,
decisions and advancing an idea to a solution. They parse; the services decide and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Visibility
from civiclab.portfolio.models import (
    DEFAULT_RUBRIC,
    IDEA_ORIGINS,
    INSIGHT_METHODS,
    LONG_TEXT_LIMIT,
    PHASES,
    PRIORITY_AREAS,
)
from civiclab.portfolio.rules import structured
from civiclab.portfolio.rules.structured import MAX_CRITERIA, MAX_CRITERION_LABEL, MAX_TAG, MAX_TAGS

# The default rubric's labels are stored in English; shown in the reader's language.
RUBRIC_LABELS = {
    "impact": _("Impact"),
    "feasibility": _("Feasibility"),
    "cost": _("Cost (5: cheapest)"),
    "equity": _("Equity"),
    "evidence": _("Strength of evidence"),
}
_DEFAULT_LABELS = {item["key"]: item["label"] for item in DEFAULT_RUBRIC}
CRITERION_KEY = re.compile(structured.CRITERION_KEY)
SCORE_CHOICES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]
DECISIONS = [
    ("advanced", _("Advance")),
    ("parked", _("Park")),
    ("dropped", _("Drop")),
    ("open", _("Reopen")),
]


def criterion_label(item: dict[str, str]) -> str:
    """A rubric criterion's label, translated when it is one of the default rubric's."""
    key, label = item.get("key", ""), item.get("label", "")
    if key in RUBRIC_LABELS and label == _DEFAULT_LABELS.get(key):
        return str(RUBRIC_LABELS[key])
    return label or key


def visibility_choices(widest: Visibility, current: str | None = None) -> list[tuple[str, Any]]:
    """The visibilities up to ``widest``, and the object's own (keeping it is not publishing)."""
    return [
        (value, label)
        for value, label in VISIBILITY_CHOICES
        if Visibility(value).breadth <= widest.breadth or value == current
    ]


def rubric_text(rubric: list[dict[str, str]]) -> str:
    return "\n".join(f"{item['key']}: {item['label']}" for item in rubric)


def parse_rubric(text: str) -> list[dict[str, str]]:
    """One criterion a line, ``key: Label`` or just ``Label`` (the key is made from it)."""
    rubric: list[dict[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, label = line.partition(":")
        if not sep or not CRITERION_KEY.match(key.strip()):
            key, label = slugify(line).replace("-", "_")[:50], line
        key, label = key.strip(), label.strip() or key.strip()
        if not CRITERION_KEY.match(key):
            raise forms.ValidationError(
                _("“%(line)s” needs a key of lower-case letters, digits or _."),
                params={"line": line},
            )
        if any(item["key"] == key for item in rubric):
            raise forms.ValidationError(_("The key “%(key)s” is given twice."), params={"key": key})
        if len(label) > MAX_CRITERION_LABEL:
            raise forms.ValidationError(
                _("The label of “%(key)s” is longer than %(limit)s characters."),
                params={"key": key, "limit": MAX_CRITERION_LABEL},
            )
        rubric.append({"key": key, "label": label})
    if not rubric:
        raise forms.ValidationError(_("Give at least one criterion."))
    if len(rubric) > MAX_CRITERIA:
        raise forms.ValidationError(
            _("Give at most %(limit)s criteria."), params={"limit": MAX_CRITERIA}
        )
    return rubric


class ChallengeForm(forms.Form):
    city = forms.ChoiceField(label=_("City"))
    title = forms.CharField(label=_("Title"), max_length=200)
    problem_statement = forms.CharField(
        label=_("Problem statement"),
        required=False,
        max_length=LONG_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who is affected, how much, and why it matters."),
    )
    priority_area = forms.ChoiceField(label=_("Priority area"), choices=PRIORITY_AREAS)
    team = forms.ChoiceField(label=_("Team"), required=False)
    target_population = forms.CharField(
        label=_("Target population"), max_length=300, required=False
    )
    visibility = forms.ChoiceField(label=_("Visible to"))
    rubric = forms.CharField(
        label=_("Scoring criteria (advanced)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One criterion a line, as “key: Label”. Ideas are scored 1–5 on each; the "
            "impact × feasibility matrix needs the keys impact and feasibility."
        ),
    )

    def __init__(
        self,
        *args: Any,
        cities: list[Any],
        teams: list[Any],
        widest: dict[int, Visibility],
        current_visibility: str | None = None,
        fixed_city: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_city = fixed_city
        if fixed_city is not None:  # a challenge stays in its city
            del self.fields["city"]
            cities = [fixed_city]
        else:
            city = self.fields["city"]
            assert isinstance(city, forms.ChoiceField)
            city.choices = [(c.slug, c.name) for c in cities]
        self.cities = {c.slug: c for c in cities}
        self.teams = {str(t.pk): t for t in teams}
        several = len({t.city_id for t in teams}) > 1
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", _("No team"))] + [
            (str(t.pk), f"{t.city.name} · {t.name}" if several else t.name) for t in teams
        ]
        broadest = max(widest.values(), key=lambda v: v.breadth, default=Visibility.CITY)
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = visibility_choices(broadest, current_visibility)
        visibility.initial = Visibility.CITY.value
        self.fields["rubric"].initial = rubric_text(DEFAULT_RUBRIC)
        self.widest = widest

    def clean_rubric(self) -> list[dict[str, str]]:
        return parse_rubric(self.cleaned_data["rubric"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        city = self.fixed_city or self.cities.get(data.get("city", ""))
        team = self.teams.get(data.get("team") or "")
        data["city"], data["team"] = city, team
        if city is not None and team is not None and team.city_id != city.pk:
            self.add_error("team", _("The team belongs to another city."))
        if data.get("visibility") == Visibility.TEAM and team is None:
            self.add_error("team", _("A challenge visible to its team only needs a team."))
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title", "problem_statement", "priority_area", "team", "target_population")
        return {
            **{name: data[name] for name in names},
            "visibility": data["visibility"],
            "rubric": data["rubric"],
        }


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Move to phase"), choices=PHASES)
    note = forms.CharField(label=_("Note"), max_length=LONG_TEXT_LIMIT, required=False)


class EvidenceForm(forms.Form):
    """One form for the three kinds; the fields a kind does not use are removed."""

    title = forms.CharField(label=_("Title"), max_length=200)
    indicator = forms.ChoiceField(
        label=_("Indicator"),
        help_text=_("Its latest value is recorded with the finding and does not change later."),
    )
    body = forms.CharField(
        label=_("Finding"),
        required=False,
        max_length=LONG_TEXT_LIMIT,
        widget=forms.Textarea({"rows": 4}),
    )
    method = forms.ChoiceField(label=_("Method"), choices=INSIGHT_METHODS)
    observed_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=500
    )
    consent = forms.BooleanField(label=_("Consent to share was given"), required=False)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    visibility = forms.ChoiceField(label=_("Visible to"))

    FIELDS = {
        "data": ("title", "indicator", "body", "visibility"),
        "insight": ("title", "body", "method", "observed_on", "tags", "consent", "visibility"),
        "document": ("title", "url", "body", "visibility"),
    }

    def __init__(
        self,
        *args: Any,
        kind: str,
        indicators: list[Any],
        widest: Visibility,
        current_visibility: str | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        keep = set(self.FIELDS[kind]) - ({"indicator"} if editing else set())
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.indicators = {str(i.pk): i for i in indicators}
        if "indicator" in self.fields:
            indicator = self.fields["indicator"]
            assert isinstance(indicator, forms.ChoiceField)
            indicator.choices = [(str(i.pk), i.name) for i in indicators]
        if kind == "insight":
            self.fields["body"].label = _("Quote or observation")
        elif kind == "document":
            self.fields["body"].label = _("What it shows")
            self.fields["url"].required = True
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = visibility_choices(widest, current_visibility)

    def clean_indicator(self) -> Any:
        return self.indicators.get(self.cleaned_data["indicator"])

    def clean_tags(self) -> list[str]:
        tags = [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
            raise forms.ValidationError(
                _("Give at most %(count)s tags of at most %(length)s characters each."),
                params={"count": MAX_TAGS, "length": MAX_TAG},
            )
        return tags


class CauseForm(forms.Form):
    text = forms.CharField(label=_("Cause"), max_length=300)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CauseEvidenceForm(forms.Form):
    evidence = forms.MultipleChoiceField(
        label=_("Supported by"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, evidence: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (not ``self.evidence``: that name is the field's, declared on the class)
        self.evidence_by_pk = {str(e.pk): e for e in evidence}
        field = self.fields["evidence"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(e.pk), e.title) for e in evidence]

    def chosen(self) -> list[Any]:
        return [self.evidence_by_pk[pk] for pk in self.cleaned_data["evidence"]]


class OpportunityAreaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    opportunity_area = forms.ChoiceField(label=_("Opportunity area"), required=False)
    origin = forms.ChoiceField(label=_("Where the idea comes from"), choices=IDEA_ORIGINS)
    origin_detail = forms.CharField(
        label=_("Origin detail"),
        max_length=200,
        required=False,
        help_text=_("For an idea from another city: which city, and what it did."),
    )

    def __init__(self, *args: Any, areas: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {str(a.pk): a for a in areas}
        area = self.fields["opportunity_area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [("", "—")] + [(str(a.pk), a.title) for a in areas]

    def clean_opportunity_area(self) -> Any:
        return self.areas.get(self.cleaned_data["opportunity_area"] or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("origin") == "other_city" and not data.get("origin_detail", "").strip():
            self.add_error("origin_detail", _("Say which city the idea comes from."))
        return data


class ScoreForm(forms.Form):
    """One 1–5 choice per criterion of the challenge's rubric."""

    def __init__(self, *args: Any, rubric: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in rubric:
            self.fields[f"score_{item['key']}"] = forms.TypedChoiceField(
                label=criterion_label(item),
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not any(value is not None for value in data.values()):
            raise forms.ValidationError(_("Give at least one score."))
        return data

    def scores(self) -> dict[str, int]:
        return {
            name.removeprefix("score_"): value
            for name, value in self.cleaned_data.items()
            if value is not None
        }


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=LONG_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("status") != "open" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why: the decision is kept with its reason."))
        return data


class AdvanceForm(forms.Form):
    """Prepare a solution from an idea: its goal, an indicator target, a first milestone."""

    title = forms.CharField(label=_("Solution title"), max_length=200)
    goal_statement = forms.CharField(
        label=_("Goal"),
        required=False,
        max_length=LONG_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Reduce X from A to B by DATE"),
    )
    indicator = forms.ChoiceField(label=_("Measured by the indicator"), required=False)
    target_value = forms.FloatField(label=_("Target value"), required=False)
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    milestone_title = forms.CharField(label=_("First milestone"), max_length=200, required=False)
    milestone_due = forms.DateField(
        label=_("Milestone due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        required=False,
        help_text=_("Never wider than the challenge, nor than you may share."),
        error_messages={"invalid_choice": _("You may not share a solution this widely.")},
    )

    def __init__(
        self, *args: Any, indicators: list[Any], widest: Visibility, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = visibility_choices(widest)
        visibility.initial = widest.value
        self.indicators = {str(i.pk): i for i in indicators}
        indicator = self.fields["indicator"]
        assert isinstance(indicator, forms.ChoiceField)
        indicator.choices = [("", "—")] + [(str(i.pk), i.name) for i in indicators]

    def clean_indicator(self) -> Any:
        return self.indicators.get(self.cleaned_data["indicator"] or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        targeted = data.get("target_value") is not None or data.get("target_date") is not None
        if targeted and data.get("indicator") is None:
            self.add_error("indicator", _("Choose the indicator the target is for."))
        title, due = data.get("milestone_title", "").strip(), data.get("milestone_due")
        if title and due is None:
            self.add_error("milestone_due", _("Give the milestone a due date."))
        if due is not None and not title:
            self.add_error("milestone_title", _("Name the milestone."))
        return data
