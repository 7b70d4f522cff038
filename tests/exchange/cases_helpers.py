"""A demo-like solution for the case studies' tests: Mobile-style blight work in city A, with
a dataset of monthly reports, an indicator with a goal, evidence, milestones, an award and a
finished evaluation (strength "moderate")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from civiclab.datasets import services as datasets
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.services import cases as services
from civiclab.indicators import services as indicators
from civiclab.portfolio.models import Solution, SolutionIndicator
from tests.funding.pipeline_factories import award, opportunity
from tests.portfolio import factories as pf
from tests.world import World

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
# Reports per month: 12, 11, 10, 8, 7, 6.
COUNTS = [12, 11, 10, 8, 7, 6]


def reports_csv(counts: list[int]) -> str:
    rows = ["report_id,reported_on,district"]
    n = 0
    for month, count in zip(MONTHS, counts, strict=True):
        for day in range(count):
            n += 1
            rows.append(f"r{n},{month}-{day + 1:02d},{'north' if day % 2 else 'south'}")
    return "\n".join(rows) + "\n"


def import_reports(
    world: World, tmp_path: Path, counts: list[int], add_version: bool = False
) -> Any:
    path = tmp_path / f"reports-{len(counts)}-{sum(counts)}.csv"
    path.write_text(reports_csv(counts), encoding="utf-8")
    return datasets.import_file(
        None, world.city, "Blight reports", path, path.name,
        datasets.ImportOptions(visibility="network", add_version=add_version),
    ).dataset  # fmt: skip


def blight_solution(world: World, tmp_path: Path, visibility: str = "network") -> Solution:
    """City A's blight squad: everything a case is generated from."""
    world.city.population = 187_000
    world.city.region = "Alabama"
    world.city.save()
    challenge = pf.challenge(
        world.city,
        visibility=visibility,
        title="Blighted properties",
        problem_statement="Vacant homes drag down whole blocks; the city's événements de "
        "quartier say so.",
        priority_area="housing",
    )
    pf.evidence(challenge, kind="data", title="Blight reports doubled", body="Reports per month.")
    pf.evidence(challenge, title="Neighbours feel unsafe", consent=True)
    pf.evidence(challenge, title="Interview with no consent", consent=False)
    pf.evidence(challenge, title="City-only finding", visibility="city", kind="document")
    solution = pf.solution(
        challenge,
        visibility=visibility,
        description="A squad traces owners of vacant homes and brings them to court.",
        budget_planned=Decimal("250000"),
        currency="USD",
        stage="deliver",
    )
    pf.milestone(solution, title="Hire the squad", due_on=dt.date(2026, 3, 1))
    dataset = import_reports(world, tmp_path, COUNTS)
    indicator = indicators.create_indicator(
        None, dataset, "Blight reports per month",
        {"measure": {"type": "count"}, "time": {"column": "reported_on", "period": "month"},
         "polarity": "lower_is_better"},
        visibility="network", target_value=4.0, target_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    SolutionIndicator.objects.create(solution=solution, indicator=indicator, target_value=5.0)
    award(world.city, 400_000, solution=solution, visibility="network",
          opportunity=opportunity(funder_type="federal"))  # fmt: skip
    award(world.city, 50_000, solution=solution, visibility="network",
          opportunity=opportunity(funder_type="philanthropic"))  # fmt: skip
    plan = EvaluationPlan.objects.create(
        solution=solution, city=world.city, team=solution.team, visibility=visibility,
        title="Did the squad reduce blight?", design="its",
    )  # fmt: skip
    EvaluationResult.objects.create(
        plan=plan, plan_hash="h", data_version="v1", state="done", strength="moderate",
        finished_at=timezone.now(),
        sentences=[{"code": "x", "template": "Reports fell by {n} a month.", "params": {"n": 2.5}}],
    )  # fmt: skip
    return solution


def published_case(world: World, solution: Solution, **text: Any) -> CaseStudy:
    case = services.generate_case(world.user("member"), solution)
    if text:
        case = services.update_case(world.user("member"), case, **text)
    return services.publish_case(world.user("city_admin"), case)


def quick_case(
    city: Any, state: str = "published", visibility: str = "network", **fields: Any
) -> CaseStudy:
    """A case written directly (no solution), indexed when published."""
    from civiclab.exchange.library_search import reindex_case

    if not fields.get("title_fr"):
        fields.setdefault("title_en", "Blight squad")
    fields.setdefault("has_en", any(v for k, v in fields.items() if k.endswith("_en")))
    fields.setdefault("has_fr", any(v for k, v in fields.items() if k.endswith("_fr")))
    case = CaseStudy.objects.create(
        city=city, state=state, visibility=visibility,
        published_at=timezone.now() if state == "published" else None, **fields,
    )  # fmt: skip
    case = CaseStudy.objects.select_related("city").get(pk=case.pk)
    reindex_case(case)
    return case
