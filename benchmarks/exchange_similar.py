""""Look elsewhere first" over 50,000 stored passages: similar-to-this for a challenge.

Target (issue "Peer exchange"): p95 under 100 ms. Builds a throw-away network of 100 cities
with 35,000 challenges and 15,000 solutions (60 % shared with the network, the rest kept to
their city), one passage each: text of 20–80 words drawn from a topic's words and common ones
(``funding_search.TOPICS``), and an embedding. Embedding 50,000 texts with the real model takes
hours on a small machine, so the stored vectors are synthetic with the real model's geometry
(a shared direction, a topic direction and noise, scaled so that texts of different topics
score about 0.78 and of one topic about 0.86, as multilingual-e5 does — printed below); the
query's own passage is embedded by the real model when it is installed.

Times ``similar()`` — the panel's, the API's and the CLI's query — for challenges of one
city as one of its members: the index build once (first query after a change), then warm
queries (index cached per process): ranking by meaning and words, fusion, the visibility
filter through the kinds' scoped reads, and the reasons.

    uv run python benchmarks/exchange_similar.py [--passages 50000] [--queries 200]
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NEW_DB \\
        uv run python benchmarks/exchange_similar.py

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
sys.path.insert(0, str(REPO / "benchmarks"))

from funding_search import GENERIC, TOPICS  # noqa: E402

CITIES = 100


def synthetic_vectors(rng: random.Random, topics: list[int]) -> object:
    import numpy as np

    gen = np.random.default_rng(rng.randrange(2**32))
    dims = 384
    common = gen.standard_normal(dims)
    common /= np.linalg.norm(common)
    directions = gen.standard_normal((len(TOPICS), dims))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    noise = gen.standard_normal((len(topics), dims))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = 0.88 * common + 0.37 * directions[topics] + 0.3 * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def text_of(rng: random.Random, topic: int) -> str:
    words = TOPICS[topic].split()
    count = rng.randint(20, 80)
    return " ".join(rng.choice(words) if rng.random() < 0.4 else rng.choice(GENERIC)
                    for _ in range(count))  # fmt: skip


def build(passages: int, rng: random.Random) -> tuple[object, list[int]]:
    import numpy as np
    from django.db import transaction

    from civiclab.accounts.models import User
    from civiclab.exchange.models import Passage
    from civiclab.exchange.similarity.ranking import vector_bytes
    from civiclab.exchange.similarity.text import content_terms, stored_terms
    from civiclab.network.models import City, Membership, Network
    from civiclab.portfolio.models import Challenge, Solution

    started = time.perf_counter()
    network = Network.objects.create(name="Bench", slug="bench")
    cities = City.objects.bulk_create(
        [City(network=network, name=f"City {n}", slug=f"city-{n}", country="US")
         for n in range(CITIES)]
    )  # fmt: skip
    user = User.objects.create_user(email="bench@example.org", password="x")
    Membership.objects.create(user=user, network=network, city=cities[0], role="member")
    n_challenges = passages * 7 // 10
    topics = [rng.randrange(len(TOPICS)) for _ in range(passages)]
    texts = [text_of(rng, topic) for topic in topics]
    with transaction.atomic():
        challenges = Challenge.objects.bulk_create(
            [
                Challenge(
                    city=cities[i % CITIES],
                    title=" ".join(texts[i].split()[:8]),
                    problem_statement=texts[i],
                    visibility="network" if rng.random() < 0.6 else "city",
                )
                for i in range(n_challenges)
            ],
            batch_size=2_000,
        )
        solutions = Solution.objects.bulk_create(
            [
                Solution(
                    challenge=challenges[i % n_challenges],
                    city=challenges[i % n_challenges].city,
                    title=" ".join(texts[i].split()[:8]),
                    description=texts[i],
                    visibility="network" if rng.random() < 0.6 else "city",
                )
                for i in range(n_challenges, passages)
            ],
            batch_size=2_000,
        )
    vectors = synthetic_vectors(rng, topics)
    objects = [("challenge", c) for c in challenges] + [("solution", s) for s in solutions]
    rows = []
    for i, (kind, obj) in enumerate(objects):
        text = texts[i]
        rows.append(
            Passage(
                kind=kind, object_id=obj.pk, language="en", city_id=obj.city_id, text=text,
                text_hash="", terms=stored_terms(content_terms(text)),
                embedding=vector_bytes(vectors[i]), model_name="synthetic", model_version="0",
            )
        )  # fmt: skip
    Passage.objects.bulk_create(rows, batch_size=2_000)
    same = [i for i in range(1, 2000) if topics[i] == topics[0]][:50]
    other = [i for i in range(1, 2000) if topics[i] != topics[0]][:50]
    print(
        f"built {passages:,} passages in {time.perf_counter() - started:.1f} s; synthetic "
        f"cosines: same topic {np.mean(vectors[same] @ vectors[0]):.2f}, "
        f"other topics {np.mean(vectors[other] @ vectors[0]):.2f}"
    )
    mine = [c.pk for c in challenges if c.city_id == cities[0].pk]
    return user, mine


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-similar-") as tmp:
        os.environ.setdefault("CIVICLAB_DATA_DIR", str(Path(tmp) / "data"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        rng = random.Random(14)
        user, mine = build(args.passages, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

        from civiclab.exchange.queries.similar import passage_index, query_for_object, similar
        from civiclab.exchange.similarity.embedder import model_label
        from civiclab.portfolio.models import Challenge

        started = time.perf_counter()
        passage_index()
        print(f"index build (first query after a change): {time.perf_counter() - started:.2f} s")
        print(f"model: {model_label() or 'none (words alone)'}")
        timings, found = [], []
        challenges = list(Challenge.objects.filter(pk__in=mine).order_by("pk"))
        for number in range(args.queries):
            challenge = challenges[number % len(challenges)]
            started = time.perf_counter()
            matches = similar(user, query_for_object("challenge", challenge))
            timings.append((time.perf_counter() - started) * 1000)
            found.append(len(matches))
        print(
            f"similar-to-this, {args.queries} queries over {args.passages:,} passages: "
            f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
            f"max {max(timings):.1f} ms; matches per query: {statistics.mean(found):.1f}"
        )


if __name__ == "__main__":
    main()
