"""The header's search over the demo plus synthetic objects, on SQLite or PostgreSQL.

Seeds the demo's network, datasets, indicators and portfolio, then adds ``--objects``
synthetic objects (default 5,000: 40 % challenges, 30 % ideas, 20 % solutions, 10 % datasets)
in the demo's cities, a third each team-, city- and network-visible, with titles and texts
from English and French topic words (accents included) and a tail of rarer words; rebuilds
the index (``reindex_all``, timed) and times ``search.queries.search`` — what the page, the
API and the CLI call: the counts of every kind, the best 5 of each, snippets — as Mobile's
analyst over a mix of 1–3 word queries, English and French, with and without accents.

    uv run python benchmarks/search.py [--objects 5000] [--queries 100] [--network-only] [--profile]
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NEW_DB \\
        uv run python benchmarks/search.py

A PostgreSQL database must be empty (the script migrates it); SQLite uses a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

TOPICS = [
    "vacant blighted homes owners demolition housing code enforcement",
    "illegal dumping tyres mattresses cameras cleanup alleys",
    "youth violence outreach workers shootings prevention",
    "heat trees canopy shade neighbourhoods cooling",
    "potholes streets repair crews complaints response",
    "logements vacants insalubres propriétaires démolition habitat",
    "dépôts sauvages encombrants caméras nettoyage ruelles",
    "écoles quartiers jeunes médiation éducateurs prévention",
    "îlots de chaleur arbres ombre rafraîchissement",
    "nids de poule voirie réparation signalements délais",
]
QUERIES = [
    "blight", "blighted homes", "dumping", "illegal dumping cameras", "trees", "heat shade",
    "logement", "logements vacants", "ecole", "écoles quartiers", "depots sauvages", "voirie",
    "potholes repair", "youth violence", "chaleur", "nettoyage", "owners", "demolition",
]  # fmt: skip


def words(rng: random.Random, n: int) -> str:
    topic = rng.choice(TOPICS).split()
    rare = [f"zq{rng.randrange(3000)}" for _ in range(2)]
    return " ".join(rng.choice(topic + rare) for _ in range(n))


def build(count: int, demo: bool = True) -> float:
    from civiclab.datasets.demo import seed_demo_datasets
    from civiclab.datasets.models import Dataset
    from civiclab.indicators.demo import seed_demo_indicators
    from civiclab.network.demo import seed_demo
    from civiclab.network.models import City
    from civiclab.portfolio.demo import seed_demo_portfolio
    from civiclab.portfolio.models import Challenge, Idea, Solution
    from civiclab.search.index import reindex_all

    seed_demo()
    if demo:
        seed_demo_datasets()
        seed_demo_indicators()
        seed_demo_portfolio()
    rng = random.Random(16)
    cities = list(City.objects.prefetch_related("teams"))
    visibilities = ["team", "city", "network"]

    def place() -> tuple[object, object, str]:
        city = rng.choice(cities)
        visibility = rng.choice(visibilities)
        team = city.teams.first() if visibility == "team" else None
        return city, team, visibility if team or visibility != "team" else "city"

    challenges = []
    for _ in range(count * 4 // 10):
        city, team, visibility = place()
        challenges.append(
            Challenge(
                city=city,
                team=team,
                visibility=visibility,
                title=words(rng, 6).capitalize(),
                problem_statement=words(rng, 60),
            )
        )
    Challenge.objects.bulk_create(challenges, batch_size=500)
    made = list(Challenge.objects.order_by("-pk")[: len(challenges)])
    Idea.objects.bulk_create(
        [
            Idea(
                challenge=rng.choice(made),
                title=words(rng, 5).capitalize(),
                description=words(rng, 40),
            )
            for _ in range(count * 3 // 10)
        ],
        batch_size=500,
    )  # fmt: skip
    solutions = []
    for _ in range(count * 2 // 10):
        challenge = rng.choice(made)
        solutions.append(
            Solution(
                challenge=challenge,
                city=challenge.city,
                team=challenge.team,
                visibility=challenge.visibility,
                title=words(rng, 5).capitalize(),
                description=words(rng, 50),
                goal_statement=words(rng, 12),
            )
        )
    Solution.objects.bulk_create(solutions, batch_size=500)
    datasets = []
    for n in range(count // 10):
        city, team, visibility = place()
        datasets.append(
            Dataset(
                city=city,
                team=team,
                visibility=visibility,
                name=words(rng, 4).capitalize(),
                slug=f"synthetic-{n}",
                description=words(rng, 30),
            )
        )
    Dataset.objects.bulk_create(datasets, batch_size=500)
    started = time.perf_counter()
    counts = reindex_all()
    took = time.perf_counter() - started
    print(f"indexed {sum(counts.values())} objects in {took:.1f} s: {counts}")
    return took


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench(n: int) -> None:
    from django.contrib.auth import get_user_model

    from civiclab.search.queries import search

    reader = get_user_model().objects.get(email="mobile.analyst@demo.civiclab.org")
    rng = random.Random(7)
    for query in QUERIES:  # warm the caches and the stemmer
        search(reader, query)
    times: list[float] = []
    found = 0
    for _ in range(n):
        query = rng.choice(QUERIES)
        started = time.perf_counter()
        results = search(reader, query)
        times.append((time.perf_counter() - started) * 1000)
        found += results.total
    print(
        f"search as Mobile's analyst, {n} queries: p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms "
        f"(mean {found / n:.0f} matches a query)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--network-only", action="store_true", help="the demo's people, no data")
    parser.add_argument("--profile", action="store_true", help="cProfile the searches")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-search-") as tmp:
        os.environ.setdefault("CIVICLAB_DATA_DIR", str(Path(tmp) / "data"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        build(args.objects, demo=not args.network_only)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(bench, args.queries)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        else:
            bench(args.queries)


if __name__ == "__main__":
    main()
