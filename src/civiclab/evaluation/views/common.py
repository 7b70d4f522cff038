"""What the evaluation pages share: reading a plan (404 when hidden), the rights shown as
buttons, and a refusal of the statistics or of a service, in the reader's words."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from civiclab.core.errors import DomainError
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.evaluation.models import EvaluationPlan
from civiclab.evaluation.queries import EVALUATION_POLICY, visible_evaluations
from civiclab.evaluation.stats.types import EvaluationError
from civiclab.evaluation.templatetags.evaluation_text import render_message


def plan_or_404(request: HttpRequest, pk: int) -> EvaluationPlan:
    """The plan, read through the scoped query: one the user may not see is not found."""
    return get_object_or_404(visible_evaluations(request.user), pk=pk)


def may_edit(user: Any, plan: EvaluationPlan) -> bool:
    return user_can(user, Action.EDIT, plan, EVALUATION_POLICY)


def refusal_translation(exc: DomainError) -> str | None:
    """A refusal of the statistics in the reader's language (``None``: not one of them)."""
    if isinstance(exc, EvaluationError):
        return render_message(exc.message)
    return None


def refusal_text(exc: DomainError) -> str:
    """A domain refusal for a person: a statistics message translated, else its own words
    (the services' refusals are translated when raised)."""
    translated = refusal_translation(exc)
    return str(exc) if translated is None else translated
