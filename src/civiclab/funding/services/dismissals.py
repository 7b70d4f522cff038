"""Dismissals of matches: checked, validated, audited.

Dismissing an opportunity matched to a challenge (or one of its solutions) is editing that
challenge (or solution): the portfolio's rules decide who may (``core.services.check`` with the
portfolio's scope). The audit log records the reason, not the note (a note may say more than
the log's readers should see)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action
from civiclab.core.services import check
from civiclab.funding.models import MatchDismissal, Opportunity
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.portfolio.models import Challenge, Solution, scope


def _checked_parent(by: Any, challenge: Challenge | None, solution: Solution | None) -> Challenge:
    if solution is not None:
        check(by, Action.EDIT, solution, DEFAULT_POLICY, scope(Solution))
        return solution.challenge
    if challenge is None:
        raise ValidationError({"challenge": "Dismiss a match of a challenge or a solution."})
    check(by, Action.EDIT, challenge, DEFAULT_POLICY, scope(Challenge))
    return challenge


@transaction.atomic
def dismiss(
    by: Any,
    opportunity: Opportunity,
    reason: str,
    note: str = "",
    *,
    challenge: Challenge | None = None,
    solution: Solution | None = None,
) -> MatchDismissal:
    """Dismiss ``opportunity`` from the matches of ``challenge`` (or of ``solution``); dismissing
    it again replaces the reason and the note."""
    parent = _checked_parent(by, challenge, solution)
    if by is not None and not visible_opportunities(by).filter(pk=opportunity.pk).exists():
        raise ValidationError({"opportunity": "No such opportunity."})
    dismissal = (
        MatchDismissal.objects.select_for_update()
        .filter(challenge=parent, solution=solution, opportunity=opportunity)
        .first()
    )
    action = "matchdismissal.update" if dismissal else "matchdismissal.create"
    if dismissal is None:
        dismissal = MatchDismissal(challenge=parent, solution=solution, opportunity=opportunity)
    dismissal.reason = reason
    dismissal.note = note
    dismissal.by = by if getattr(by, "is_authenticated", False) else None
    dismissal.full_clean()
    dismissal.save()
    record(
        by,
        action,
        dismissal,
        city=parent.city,
        challenge=parent.pk,
        solution=solution.pk if solution else None,
        opportunity=opportunity.external_id,
        reason=reason,
    )
    return dismissal


@transaction.atomic
def undo(by: Any, dismissal: MatchDismissal) -> None:
    """Bring a dismissed opportunity back to the matches."""
    parent = _checked_parent(by, dismissal.challenge, dismissal.solution)
    record(
        by,
        "matchdismissal.delete",
        dismissal,
        city=parent.city,
        challenge=parent.pk,
        solution=dismissal.solution_id,
        opportunity=dismissal.opportunity.external_id,
    )
    dismissal.delete()
