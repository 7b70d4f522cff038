"""Evaluation test helpers: a solution of city A and a dataset of outcomes to evaluate it by."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.evaluation.models import EvaluationPlan
from civiclab.network.models import City
from civiclab.portfolio.models import Solution
from tests.portfolio import factories as pf
from tests.world import World

# 40 properties, half treated; the outcome is days to close, 3 fewer when treated.
TRIAL = "property,district,treated,days,closed_on\n" + "".join(
    f"p{i},{'north' if i % 4 < 2 else 'south'},{i % 2},{20 + (i * 7) % 11 - 3 * (i % 2)},"
    f"2027-0{1 + i % 6}-1{i % 9}\n"
    for i in range(40)
)


def solution_of(world: World, visibility: str = Visibility.CITY, team: Any = None) -> Solution:
    challenge = pf.challenge(world.city, visibility=visibility, team=team)
    return pf.solution(challenge, visibility=visibility)


def dataset_of(
    city: City, tmp_path: Path, name: str = "Trial outcomes", text: str = TRIAL
) -> Dataset:
    path = tmp_path / f"{name.replace(' ', '_')}.csv"
    path.write_text(text, encoding="utf-8")
    version = datasets.import_file(None, city, name, path, path.name, datasets.ImportOptions())
    return Dataset.objects.select_related("city", "current_version").get(pk=version.dataset_id)


def plan_of(solution: Solution, **fields: Any) -> EvaluationPlan:
    """A plan made directly (no service), e.g. for the permission matrix."""
    fields.setdefault("title", "Does the squad close cases faster?")
    fields.setdefault("design", "rct")
    fields.setdefault("visibility", solution.visibility)
    return EvaluationPlan.objects.create(
        solution=solution, city=solution.city, team=fields.pop("team", solution.team), **fields
    )
