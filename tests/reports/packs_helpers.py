"""A team's work for the review packs' tests: city A's Team T with a solution measured by an
indicator (a falling monthly series with a goal), a slipping milestone, risks, an evaluation
and a funding deadline; and private work elsewhere that must never reach a pack."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from civiclab.evaluation.models import EvaluationPlan
from civiclab.indicators import services as indicators
from civiclab.portfolio.models import Solution, SolutionIndicator
from civiclab.reports.models.packs import Review
from civiclab.reports.services import packs as services
from tests.exchange.cases_helpers import import_reports
from tests.funding.pipeline_factories import application
from tests.portfolio import factories as pf
from tests.world import World

COUNTS = [12, 11, 10, 8, 7, 6]


def team_solution(world: World, tmp_path: Path, **fields: Any) -> Solution:
    today = timezone.localdate()
    challenge = pf.challenge(world.city, visibility="city", team=world.team, title="Blight")
    solution = pf.solution(challenge, title=fields.pop("title", "Blight squad"), stage="deliver")
    pf.milestone(solution, title="Hire the squad", due_on=today - dt.timedelta(days=10))
    pf.milestone(solution, title="Train the squad", due_on=today + dt.timedelta(days=5))
    pf.milestone(solution, title="Done long ago", due_on=today - dt.timedelta(days=90),
                 done_on=today - dt.timedelta(days=80))  # fmt: skip
    pf.risk(solution, title="Owners sue", likelihood=4, impact=5)
    pf.risk(solution, title="Staff leave", likelihood=1, impact=2)
    pf.risk(solution, title="Closed risk", likelihood=5, impact=5, status="closed")
    dataset = import_reports(world, tmp_path, COUNTS)
    indicator = indicators.create_indicator(
        None, dataset, "Blight reports per month",
        {"measure": {"type": "count"}, "time": {"column": "reported_on", "period": "month"},
         "polarity": "lower_is_better"},
        visibility="network", target_value=4.0, target_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    SolutionIndicator.objects.create(solution=solution, indicator=indicator, target_value=5.0)
    EvaluationPlan.objects.create(
        solution=solution, city=world.city, team=world.team, visibility="city",
        title="Did the squad reduce blight?", design="its",
    )  # fmt: skip
    application(world.city, solution=solution, team=world.team, title="Blight grant",
                deadline=today + dt.timedelta(days=20))  # fmt: skip
    return solution


def private_elsewhere(world: World) -> list[Solution]:
    """Work a team review of Team T must never show: city B's private solution, Team U's
    team-private one, and city A's stopped one."""
    other = pf.challenge(world.other_city, visibility="city", title="B's secret")
    b = pf.solution(other, title="B private solution")
    u_challenge = pf.challenge(world.city, visibility="team", team=world.other_team, title="U")
    u = pf.solution(u_challenge, title="U team solution")
    return [b, u]


def team_review(world: World, **fields: Any) -> Review:
    fields.setdefault("next_meeting_on", timezone.localdate() + dt.timedelta(days=7))
    return services.create_review(
        world.user("team_member"), scope="team", team=world.team,
        title=fields.pop("title", "Team T monthly"), cadence=fields.pop("cadence", "monthly"),
        **fields,
    )  # fmt: skip


def pdf_objects(content: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (objects may sit in compressed object
    streams, so a tag is searched for in both)."""
    import re
    import zlib

    inflated = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        # Each Flate stream decompressed from its first byte to its own end (whatever bytes
        # it holds, a line end included: a regex up to "endstream" could cut it short).
        try:
            inflated.append(zlib.decompressobj().decompress(content[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def assert_tagged(content: bytes, language: str) -> None:
    """A tagged PDF/UA-1 document in ``language``: structure tree, marked content, the
    language and the PDF/UA identification in its metadata."""
    assert content.startswith(b"%PDF")
    objects = pdf_objects(content)
    for tag in (b"/StructTreeRoot", b"/MarkInfo", b"/Lang", b"pdfuaid:part"):
        assert tag in objects, tag
    assert f"/Lang ({language}".encode() in objects or f"/Lang({language}".encode() in objects
