"""Factories for the portfolio, each object in city A's challenge unless told otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from civiclab.network.models import City, Team
from civiclab.portfolio.models import (
    Cause,
    Challenge,
    Decision,
    Evidence,
    Idea,
    Milestone,
    OpportunityArea,
    Risk,
    Score,
    Solution,
    Update,
)


def challenge(
    city: City, visibility: str = "city", team: Team | None = None, **fields: Any
) -> Challenge:
    fields.setdefault("title", "Blighted properties")
    fields.setdefault("problem_statement", "Vacant homes drag down whole blocks.")
    return Challenge.objects.create(city=city, team=team, visibility=visibility, **fields)


def evidence(of: Challenge, **fields: Any) -> Evidence:
    fields.setdefault("kind", "insight")
    fields.setdefault("title", "Neighbours feel unsafe")
    fields.setdefault("method", "interview")
    return Evidence.objects.create(
        challenge=of,
        city=of.city,
        team=of.team,
        visibility=fields.pop("visibility", of.visibility),
        **fields,
    )


def cause(of: Challenge, **fields: Any) -> Cause:
    return Cause.objects.create(
        challenge=of, text=fields.pop("text", "Owners cannot be found"), **fields
    )


def opportunity(of: Challenge, **fields: Any) -> OpportunityArea:
    return OpportunityArea.objects.create(
        challenge=of, title=fields.pop("title", "Find owners"), **fields
    )


def idea(of: Challenge, **fields: Any) -> Idea:
    return Idea.objects.create(
        challenge=of, title=fields.pop("title", "Owner tracing squad"), **fields
    )


def score(of: Idea, reviewer: Any, criterion: str = "impact", value: int = 4) -> Score:
    return Score.objects.create(idea=of, reviewer=reviewer, criterion=criterion, value=value)


def solution(of: Challenge, **fields: Any) -> Solution:
    fields.setdefault("title", "Blight squad")
    fields.setdefault("goal_statement", "Reduce blighted homes from 2,000 to 1,000 by 2027")
    return Solution.objects.create(
        challenge=of,
        city=of.city,
        team=of.team,
        visibility=fields.pop("visibility", of.visibility),
        **fields,
    )


def milestone(of: Solution, **fields: Any) -> Milestone:
    fields.setdefault("title", "Hire the squad")
    fields.setdefault("due_on", dt.date(2027, 3, 1))
    return Milestone.objects.create(solution=of, **fields)


def risk(of: Solution, **fields: Any) -> Risk:
    fields.setdefault("title", "Owners sue")
    return Risk.objects.create(
        solution=of,
        likelihood=fields.pop("likelihood", 2),
        impact=fields.pop("impact", 4),
        **fields,
    )


def decision(of: Solution, **fields: Any) -> Decision:
    return Decision.objects.create(
        solution=of,
        gate=fields.pop("gate", "prepare → deliver"),
        outcome=fields.pop("outcome", "go"),
        reason=fields.pop("reason", "Pilot ready"),
        **fields,
    )


def update(of: Solution, **fields: Any) -> Update:
    return Update.objects.create(solution=of, body=fields.pop("body", "Squad hired"), **fields)
