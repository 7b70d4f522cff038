"""A review pack with 50 indicators rendered as a tagged PDF (PDF/UA-1), on SQLite or
PostgreSQL.

Target (issue 15, "Delivery and impact"): under 3 s. Builds a throw-away world — one city, a
team, a small dataset of monthly reports (six months, a few hundred rows) and 50 indicators
over it (each filtered to one district and kind, with a goal), linked to 10 solutions with
milestones and risks — then times: the pack prepared with cold indicator results (each
computed once and cached), the pack prepared again (the cached results read in one query), and
the pack rendered as PDF in English and in French, as the worker does.

    uv run python benchmarks/reports_pack_pdf.py [--rounds 3]
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NEW_DB \\
        uv run python benchmarks/reports_pack_pdf.py

A PostgreSQL database must be empty (the script migrates it); SQLite uses a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

INDICATORS = 50
SOLUTIONS = 10
DISTRICTS = ["north", "south", "east", "west", "centre"]
KINDS = ["blight", "litter", "potholes", "lights", "graffiti", "noise", "water", "trees",
         "parking", "signs"]  # fmt: skip


def build(tmp: Path) -> Any:
    from django.utils import timezone

    from civiclab.datasets import services as datasets
    from civiclab.indicators import services as indicators
    from civiclab.network.models import City, Network, Team
    from civiclab.portfolio.models import Challenge, Milestone, Risk, Solution, SolutionIndicator
    from civiclab.reports.services.packs import create_review

    network = Network.objects.create(name="Bench", slug="bench")
    city = City.objects.create(network=network, name="Bench City", slug="bench-city", country="US")
    team = Team.objects.create(city=city, name="Delivery Unit", slug="delivery")
    rows = ["report_id,reported_on,district,kind"]
    n = 0
    for month in range(1, 7):
        for day in range(1, 28):
            for k, kind in enumerate(KINDS):
                if (day + k) % 3:
                    continue
                n += 1
                district = DISTRICTS[(day + k + month) % len(DISTRICTS)]
                rows.append(f"r{n},2026-{month:02d}-{day:02d},{district},{kind}")
    path = tmp / "reports.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset = datasets.import_file(
        None, city, "Service reports", path, path.name, datasets.ImportOptions(visibility="city")
    ).dataset
    challenge = Challenge.objects.create(
        city=city, team=team, title="Service quality", problem_statement="Slow fixes.",
        visibility="city",
    )  # fmt: skip
    today = timezone.localdate()
    solutions = []
    for s in range(SOLUTIONS):
        solution = Solution.objects.create(
            challenge=challenge, city=city, team=team, visibility="city",
            title=f"Initiative {s + 1}", stage="deliver",
        )  # fmt: skip
        Milestone.objects.create(solution=solution, title="Pilot launched",
                                 due_on=today - dt.timedelta(days=5 + s))  # fmt: skip
        Risk.objects.create(solution=solution, title="Budget cut", likelihood=1 + s % 5,
                            impact=5 - s % 5)  # fmt: skip
        solutions.append(solution)
    for i in range(INDICATORS):
        spec = {
            "measure": {"type": "count"},
            "time": {"column": "reported_on", "period": "month"},
            "filters": [{"column": "kind", "op": "=", "value": KINDS[i % len(KINDS)]},
                        {"column": "district", "op": "=",
                         "value": DISTRICTS[i % len(DISTRICTS)]}],
            "polarity": "lower_is_better",
        }  # fmt: skip
        indicator = indicators.create_indicator(
            None, dataset, f"Reports {i + 1}", spec, visibility="city", target_value=1.0,
            target_date=dt.date(2027, 6, 1),
        )  # fmt: skip
        SolutionIndicator.objects.create(solution=solutions[i % SOLUTIONS], indicator=indicator)
    return create_review(None, scope="team", team=team, title="Delivery Unit monthly",
                         cadence="monthly", next_meeting_on=today)  # fmt: skip


def timed(label: str, rounds: int, run: Any) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"{label:<52} median {median:6.2f} s   max {max(times):6.2f} s")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-packs-") as tmp:
        os.environ.setdefault("CIVICLAB_DATA_DIR", str(Path(tmp) / "data"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        review = build(Path(tmp))
        from civiclab.indicators.models import IndicatorResult
        from civiclab.reports.queries.packs import prepare_pack
        from civiclab.reports.services.packs import pack_pdf_bytes

        IndicatorResult.objects.all().delete()
        start = time.perf_counter()
        pack = prepare_pack(review)
        print(f"{'pack prepared, indicator results cold':<52} {time.perf_counter() - start:6.2f} s")
        count = sum(len(s["indicators"]) for s in pack["solutions"])
        print(f"pack: {len(pack['solutions'])} solutions, {count} indicators")
        assert count == INDICATORS, count
        timed("pack prepared, results cached", args.rounds, lambda: prepare_pack(review))
        pack_pdf_bytes(review, pack, "en")  # WeasyPrint's first import and font loading
        sizes: dict[str, int] = {}

        def render(language: str) -> None:
            sizes[language] = len(pack_pdf_bytes(review, pack, language))

        english = timed("PDF rendered (en)", args.rounds, lambda: render("en"))
        timed("PDF rendered (fr)", args.rounds, lambda: render("fr"))
        both = timed(
            "pack prepared + PDF rendered (the worker's job)",
            args.rounds,
            lambda: pack_pdf_bytes(review, prepare_pack(review), "en"),
        )
        print(f"PDF size: {sizes['en']:,} bytes (en), {sizes['fr']:,} bytes (fr)")
        print(f"target: under 3 s — {'met' if max(english, both) < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
