"""Forms of the delivery side: a solution, its milestones, risks, stage-gate decisions,
progress updates and indicator targets; the timeline's and the network view's filters.

The forms only parse and check what a person typed; the services decide who may save what
(and enforce the same rules again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import display_name
from civiclab.core.permissions import Visibility
from civiclab.portfolio.forms.challenges import visibility_choices
from civiclab.portfolio.models import (
    GATE_OUTCOMES,
    SOLUTION_STATUSES,
    Challenge,
    Decision,
    Milestone,
    Risk,
    Solution,
    SolutionIndicator,
    Update,
)

# A visibility not offered is one the person may not set (or wider than the challenge).
REFUSED = _("You may not share a solution this widely.")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MILESTONE_STATES = [
    ("done", _("Done")),
    ("slipping", _("Slipping")),
    ("upcoming", _("Upcoming")),
]


# The empty choice of a select, instead of Django's "---------".
NO_CHOICE = _("— none —")


def people_field(field: Any, city_id: int) -> None:
    """A choice of the city's people, by name (never by email address), or nobody."""
    field.queryset = city_people(city_id)
    field.label_from_instance = display_name
    field.empty_label = NO_CHOICE


def city_people(city_id: int) -> QuerySet[Any]:
    """The people of a city: who may own a solution or a risk."""
    return (
        get_user_model()
        .objects.filter(memberships__city_id=city_id, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


class SolutionForm(forms.ModelForm):
    class Meta:
        model = Solution
        fields = [
            "title",
            "description",
            "goal_statement",
            "idea",
            "owner",
            "partners",
            "budget_planned",
            "budget_spent",
            "currency",
            "start_date",
            "end_date",
            "stage",
            "status",
            "status_justification",
            "visibility",
        ]
        labels = {"owner": _("Owner"), "idea": _("Idea it came from")}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "goal_statement": forms.Textarea(attrs={"rows": 2}),
            "partners": forms.Textarea(attrs={"rows": 2}),
            "status_justification": forms.Textarea(attrs={"rows": 2}),
            "start_date": DATE,
            "end_date": DATE,
        }

    def __init__(self, *args: Any, challenge: Challenge, widest: Visibility, **kwargs: Any) -> None:
        """``widest``: what the person may set within the challenge (``widest_within``)."""
        super().__init__(*args, **kwargs)
        self.current_status = self.instance.status if self.instance.pk else None
        idea = self.fields["idea"]
        assert isinstance(idea, forms.ModelChoiceField)
        idea.queryset = challenge.ideas.all()
        idea.empty_label = NO_CHOICE
        people_field(self.fields["owner"], challenge.city_id)
        current = self.instance.visibility if self.instance.pk else None
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = visibility_choices(widest, current)
        visibility.error_messages["invalid_choice"] = REFUSED
        if self.instance.pk:
            # Asked afresh: a new status needs a new reason, the old one is on the page.
            self.initial["status_justification"] = ""
            self.fields["status_justification"].help_text = _(
                "Required when the status changes; leave empty to keep the current reason."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # ModelForm.clean returns cleaned_data
        status = data.get("status")
        reason = (data.get("status_justification") or "").strip()
        if self.current_status and status and status != self.current_status and not reason:
            self.add_error("status_justification", _("Say why the status changed."))
        return data

    def changes(self) -> dict[str, Any]:
        """The fields the person changed, as the service takes them."""
        changed = {name: self.cleaned_data[name] for name in self.changed_data}
        if not (self.cleaned_data.get("status_justification") or "").strip():
            changed.pop("status_justification", None)
        return changed


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "done_on", "owner", "notes"]
        labels = {"owner": _("Owner")}
        help_texts = {"owner": _("Reminded when the milestone comes due or slips.")}
        widgets = {"due_on": DATE, "done_on": DATE, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, city_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people_field(self.fields["owner"], city_id)


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = ["title", "likelihood", "impact", "mitigation", "owner", "status"]
        labels = {"owner": _("Owner")}
        widgets = {
            "likelihood": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "impact": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "mitigation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, city_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people_field(self.fields["owner"], city_id)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["gate", "outcome", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "gate": _(
                "e.g. prepare → deliver. A Go at a gate naming the stage it leads to moves the "
                "solution into that stage."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = [("", _("— choose —")), *GATE_OUTCOMES]


class UpdateForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ["body", "status"]
        labels = {"status": _("New status (optional)")}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("— unchanged —")), *SOLUTION_STATUSES]
        status.help_text = _("A new status takes this update as its reason.")


class TargetForm(forms.ModelForm):
    """Link one of the city's indicators, with the solution's own target."""

    class Meta:
        model = SolutionIndicator
        fields = ["indicator", "target_value", "target_date"]
        labels = {"indicator": _("Indicator")}
        widgets = {"target_date": DATE}

    def __init__(self, *args: Any, indicators: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicator = self.fields["indicator"]
        assert isinstance(indicator, forms.ModelChoiceField)
        indicator.queryset = indicators
        indicator.empty_label = NO_CHOICE


def _choices(pairs: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *pairs]


class ListFilterForm(forms.Form):
    """Filters of the timeline and the network view (GET); an unknown value is not applied.
    (The challenge lists' filters are ``filtersets.ChallengeFilterSet``.)"""

    def values(self) -> dict[str, str]:
        """The valid filters that are set."""
        if not self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if v and k not in self.errors}
        return {k: v for k, v in self.cleaned_data.items() if v}


class TimelineFilterForm(ListFilterForm):
    city = forms.ChoiceField(label=_("City"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=_choices(MILESTONE_STATES))

    def __init__(self, *args: Any, cities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        city = self.fields["city"]
        assert isinstance(city, forms.ChoiceField)
        city.choices = _choices((c.slug, c.name) for c in cities)


class CohortFilterForm(ListFilterForm):
    """A cohort by slug, as the challenge lists name it (one choice per slug)."""

    cohort = forms.ChoiceField(label=_("Cohort"), required=False)

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_slug = {c.slug: c.name for c in reversed(list(cohorts))}
        cohort = self.fields["cohort"]
        assert isinstance(cohort, forms.ChoiceField)
        cohort.choices = _choices(sorted(by_slug.items(), key=lambda c: c[1]))
