"""A public solution in city A with public and private parts, for the public results tests."""

from __future__ import annotations

import contextlib
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.utils import timezone

from civiclab.datasets import services as datasets
from civiclab.evaluation.models import EvaluationPlan, EvaluationResult
from civiclab.funding.models import Application
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from civiclab.network.models import City
from civiclab.portfolio.models import Solution, SolutionIndicator
from tests.exchange.cases_helpers import blight_solution, reports_csv
from tests.portfolio import factories as pf
from tests.world import World


@dataclass
class Public:
    city: City
    solution: Solution
    indicator: Indicator  # public
    private_indicator: Indicator  # city-only, linked to the public solution
    private_solution: Solution  # city-only, same city
    url: str
    city_url: str


def public_world(world: World, tmp_path: Path) -> Public:
    cache.clear()
    city = world.city
    city.visibility = "public"
    city.save()
    solution = blight_solution(world, tmp_path, visibility="public")
    target = SolutionIndicator.objects.get(solution=solution)
    indicator = target.indicator
    indicator.dataset.visibility = "public"
    indicator.dataset.save()
    indicator.visibility = "public"
    indicator.save()
    # One award public (400,000), the other stays network (50,000).
    Application.objects.filter(solution=solution, amount_awarded=400_000).update(
        visibility="public"
    )
    EvaluationPlan.objects.filter(solution=solution).update(visibility="public")
    # A city-only indicator on the public solution (another dataset, city-only).
    path = tmp_path / "complaints.csv"
    path.write_text(reports_csv([3, 4, 5, 6, 7, 8]), encoding="utf-8")
    private_data = datasets.import_file(
        None, city, "Secret complaints", path, path.name,
        datasets.ImportOptions(visibility="city"),
    ).dataset  # fmt: skip
    private_indicator = indicators.create_indicator(
        None, private_data, "Secret complaints per month",
        {"measure": {"type": "count"}, "time": {"column": "reported_on", "period": "month"}},
        visibility="city",
    )  # fmt: skip
    SolutionIndicator.objects.create(solution=solution, indicator=private_indicator)
    # A network-only evaluation of the public solution, with a finished result.
    hidden = EvaluationPlan.objects.create(
        solution=solution, city=city, team=solution.team, visibility="network",
        title="Hidden evaluation", design="its",
    )  # fmt: skip
    EvaluationResult.objects.create(
        plan=hidden, plan_hash="h", data_version="v1", state="done", strength="weak",
        finished_at=timezone.now(),
        sentences=[{"code": "x", "template": "Secret finding {n}.", "params": {"n": 1}}],
    )  # fmt: skip
    challenge = pf.challenge(city, visibility="city", title="Private challenge")
    private_solution = pf.solution(challenge, title="Private pilot", visibility="city")
    return Public(
        city=city,
        solution=solution,
        indicator=indicator,
        private_indicator=private_indicator,
        private_solution=private_solution,
        url=f"/results/{city.slug}/{solution.pk}/",
        city_url=f"/results/{city.slug}/",
    )


PRIVATE_WORDS = ("Private pilot", "Secret complaints", "Hidden evaluation", "Secret finding")


def inflated(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated (object streams included)."""
    out = pdf
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            out += zlib.decompress(match.group(1))
    return out
