"""Helpers of the forks and metrics tests: cities with data, a shared solution with indicators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civiclab.datasets.models import Dataset
from civiclab.indicators import services as indicators
from civiclab.indicators.models import Indicator
from civiclab.network.models import City
from civiclab.portfolio import services as portfolio
from civiclab.portfolio.models import Challenge, Solution
from tests.evaluation.helpers import dataset_of
from tests.factories import CityFactory, MembershipFactory, UserFactory
from tests.portfolio import factories as pf


def monthly(counts: list[int], extra: str = "", value: str = "") -> str:
    """A CSV of reports: ``counts[m]`` rows in month m of 2025 (columns id, reported[, extra])."""
    header = "id,reported" + (f",{extra}" if extra else "")
    rows = []
    i = 0
    for m, count in enumerate(counts):
        for k in range(count):
            i += 1
            cell = f",{value or (i % 7) + 1}" if extra else ""
            rows.append(f"{i},2025-{1 + m:02d}-{1 + k % 27:02d}{cell}")
    return header + "\n" + "\n".join(rows) + "\n"


def data(city: City, tmp_path: Path, name: str, text: str, visibility: str = "network") -> Dataset:
    folder = tmp_path / city.slug / name.replace(" ", "_")
    folder.mkdir(parents=True, exist_ok=True)
    dataset = dataset_of(city, folder, name, text)
    dataset.visibility = visibility
    dataset.save()
    return dataset


COUNT = {"measure": {"type": "count"}, "time": {"column": "reported", "period": "month"}}
MEAN_DAYS = {
    "measure": {"type": "mean", "column": "days"},
    "time": {"column": "reported", "period": "month"},
}


def indicator(
    dataset: Dataset, name: str, spec: dict[str, Any], visibility: str = "network"
) -> Indicator:
    return indicators.create_indicator(None, dataset, name, spec, visibility=visibility)


def shared_solution(
    city: City, tmp_path: Path, visibility: str = "network", tag: str = ""
) -> Solution:
    """City's shared solution on blight with a milestone and two indicators: a count of reports
    and the mean days to close one."""
    challenge = pf.challenge(city, visibility=visibility, title="Blight")
    solution = pf.solution(
        challenge,
        visibility=visibility,
        title="Blight squad",
        goal_statement="Halve blight reports by 2027",
    )
    pf.milestone(solution, title="Squad hired")
    reports = data(city, tmp_path, f"Blight reports{tag}", monthly([12] * 6, "days"), visibility)
    portfolio.link_indicator(
        None, solution, indicator(reports, f"Blight count{tag}", COUNT, visibility)
    )
    portfolio.link_indicator(
        None, solution, indicator(reports, f"Days to close{tag}", MEAN_DAYS, visibility)
    )
    return solution


def city_with_admin(world: Any, slug: str, population: int | None = None) -> tuple[City, Any]:
    city = CityFactory(network=world.network, slug=slug, name=slug.title(), population=population)
    admin = UserFactory(email=f"admin@{slug}.example.org")
    MembershipFactory(user=admin, city=city, role="city_admin")
    return city, admin


def own_challenge(city: City, visibility: str = "network") -> Challenge:
    return pf.challenge(city, visibility=visibility, title=f"Dumping in {city.name}")
