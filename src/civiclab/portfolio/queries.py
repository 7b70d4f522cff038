"""Scoped reads of the portfolio: nothing a user may not see is ever fetched."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet

from civiclab.core.scoping import visible_to
from civiclab.datasets.queries import visible_datasets
from civiclab.indicators.queries import visible_indicators
from civiclab.portfolio.models import (
    Attachment,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Solution,
    scope,
)

M = TypeVar("M", bound=Model)


def visible(model: type[M], user: Any) -> QuerySet[M]:
    """The objects of ``model`` that ``user`` may see (through their challenge or solution)."""
    return visible_to(model.objects.all(), user, scope(model))  # type: ignore[attr-defined]


def with_sources_shown(evidence: QuerySet[Evidence], user: Any) -> QuerySet[Evidence]:
    """Evidence annotated with what ``user`` may read of its sources, now: ``indicator_shown``
    and ``dataset_shown`` (the linked objects are visible to them), and ``snapshot_shown``.

    A data finding's frozen number is a copy of its dataset's numbers, so it is shown only to
    those who may see its indicator (hence its dataset) now: narrowing the dataset later hides
    it too. Once the indicator is deleted, the number stays with the evidence as recorded —
    there is no longer a source whose sharing it could outlive."""
    indicator_shown = Exists(visible_indicators(user).filter(pk=OuterRef("indicator_id")))
    dataset_shown = Exists(visible_datasets(user).filter(pk=OuterRef("dataset_id")))
    return evidence.annotate(indicator_shown=indicator_shown, dataset_shown=dataset_shown).annotate(
        snapshot_shown=ExpressionWrapper(
            Q(indicator_id__isnull=True) | Q(indicator_shown=True), output_field=BooleanField()
        ),
    )


def visible_challenges(user: Any) -> QuerySet[Challenge]:
    return visible(Challenge, user).select_related("city", "city__network", "team", "owner")


def key_facts(
    user: Any,
    challenges: QuerySet[Challenge] | None = None,
    solutions: QuerySet[Solution] | None = None,
) -> dict[str, int]:
    """Live counts over what ``user`` may see: problems tackled, ideas generated, solutions
    in delivery (and all solutions). A page that lists ``challenges`` and ``solutions`` passes
    the querysets it lists, so its counts are of what it shows; ideas and evidence are those of
    the challenges counted."""
    if challenges is None:
        challenges = visible(Challenge, user)
        ideas, evidence = visible(Idea, user), visible(Evidence, user)
    else:
        shown = challenges.values("pk")
        ideas = visible(Idea, user).filter(challenge__in=shown)
        evidence = visible(Evidence, user).filter(challenge__in=shown)
    if solutions is None:
        solutions = visible(Solution, user)
    return {
        "problems_tackled": challenges.exclude(phase="closed").count(),
        "ideas_generated": ideas.count(),
        "solutions": solutions.exclude(stage="stopped").count(),
        "solutions_in_delivery": solutions.filter(stage="deliver").count(),
        "evidence": evidence.count(),
    }


def audit_links(model: type[M], url_name: str) -> Any:
    """A link resolver for the audit log (``audit.links``): challenges, ideas and solutions
    the reader may still see, in one scoped query for a page of events."""
    from django.urls import reverse

    from civiclab.audit.links import integer_ids

    def resolve(user: Any, ids: list[str]) -> dict[str, str]:
        pks = visible(model, user).filter(pk__in=integer_ids(ids)).values_list("pk", flat=True)
        return {str(pk): reverse(url_name, args=[pk]) for pk in pks}

    return resolve


def visible_attachments(user: Any) -> QuerySet[Attachment]:
    """Files attached to evidence or decisions ``user`` may see: as private as their parent."""
    return Attachment.objects.filter(
        Q(evidence__in=visible(Evidence, user).values("pk"))
        | Q(decision__in=visible(Decision, user).values("pk"))
    )
