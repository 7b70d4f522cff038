"""Convenings' feeds and the directory at a network's scale, on SQLite or PostgreSQL.

Builds a throw-away network (40 cities in 8 cohorts, 25 people each — 1,000 people, half of
them found by the network — and 2,000 convenings, a quarter of them cohort meetings, with
answers), then times: a person's ``.ics`` feed (the 500 it holds at most, built and
serialised), a network feed, the directory's first page with its count for a member, and the
same filtered by a topic.

    uv run python benchmarks/exchange_convenings.py [--rounds 30]
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NEW_DB \\
        uv run python benchmarks/exchange_convenings.py

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
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def timed(label: str, rounds: int, run: Callable[[], object]) -> None:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(f"{label:<45} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def build() -> tuple[object, object]:
    from django.utils import timezone

    from civiclab.accounts.models import User
    from civiclab.exchange.models.convenings import Convening, Rsvp
    from civiclab.exchange.models.directory import DirectoryEntry, DirectoryTag
    from civiclab.network.models import City, Cohort, Membership, Network

    network = Network.objects.create(name="Bench", slug="bench")
    cohorts = [
        Cohort.objects.create(network=network, name=f"Cohort {n}", slug=f"c{n}") for n in range(8)
    ]
    users, memberships = [], []
    for c in range(40):
        city = City.objects.create(
            network=network, name=f"City {c}", slug=f"city-{c}", country="US"
        )
        city.cohorts.add(cohorts[c % 8])
        for p in range(25):
            user = User(email=f"p{c}-{p}@bench.example.org", full_name=f"Person {c} {p}")
            users.append((user, city))
    User.objects.bulk_create([u for u, _city in users])
    saved = {u.email: u for u in User.objects.all()}
    for user, city in users:
        memberships.append(
            Membership(user=saved[user.email], network=network, city=city, role="member")
        )
    Membership.objects.bulk_create(memberships)
    entries = DirectoryEntry.objects.bulk_create(
        DirectoryEntry(user=u, visibility="network" if n % 2 else "city")
        for n, u in enumerate(saved.values())
    )
    DirectoryTag.objects.bulk_create(
        DirectoryTag(entry=e, kind="topic", label=f"topic {n % 20}", key=f"topic {n % 20}")
        for n, e in enumerate(entries)
    )
    start = timezone.now()
    convenings = Convening.objects.bulk_create(
        Convening(
            network=network,
            cohort=cohorts[n % 8] if n % 4 == 0 else None,
            kind="cohort_meeting" if n % 4 == 0 else "forum",
            title=f"Convening {n}",
            description="A forum about blight. " * 10,
            starts_at=start + dt.timedelta(hours=6 * n),
            ends_at=start + dt.timedelta(hours=6 * n + 2),
            place="City hall",
        )
        for n in range(2000)
    )
    reader = saved["p0-0@bench.example.org"]
    Rsvp.objects.bulk_create(
        Rsvp(convening=c, user=reader, response="going", requested_at=start)
        for c in convenings[:300]
    )
    return reader, network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-convenings-") as tmp:
        os.environ.setdefault("CIVICLAB_DATA_DIR", str(Path(tmp) / "data"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        reader, network = build()
        from civiclab.exchange.queries import convenings, directory
        from civiclab.exchange.views.convenings.feeds import calendar_response

        def person_feed() -> object:
            return calendar_response("x", convenings.personal_feed(reader), "x").content

        def network_feed() -> object:
            return calendar_response("x", convenings.network_feed(reader, network), "x").content

        def directory_page(**filters: str) -> object:
            people = directory.visible_people(reader, **filters)
            return people.count(), directory.cards(reader, list(people[: directory.PAGE_SIZE]))

        print(f"person feed: {len(convenings.personal_feed(reader))} events")
        timed("person .ics feed (built and serialised)", args.rounds, person_feed)
        timed("network .ics feed", args.rounds, network_feed)
        print(f"directory: {directory.visible_people(reader).count()} people found")
        timed("directory first page + count", args.rounds, directory_page)
        timed("directory by topic", args.rounds, lambda: directory_page(topic="topic 3"))


if __name__ == "__main__":
    main()
