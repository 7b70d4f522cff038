"""Search and match over an 80,000-opportunity catalogue, on SQLite or PostgreSQL.

Targets (issue "Funding navigator"): search p95 under 50 ms and match top-20 under 200 ms.
Builds a throw-away catalogue shaped like Grants.gov's extract (titles of about ten words,
descriptions of 300–3,000 characters drawn from a Zipf vocabulary of grant words, agencies,
categories, applicant types; about 8 % open, 4 % forecast, the rest closed), indexes it
(timed: ``search_index.reindex()`` of every row), then times a query mix (1–4 words, common and
rare, with and without filters) and matches for several challenges.

    uv run python benchmarks/funding_search.py [--rows 80000] [--queries 300]
    uv run python benchmarks/funding_search.py --extract /tmp/GrantsDBExtract20260101v2.zip

With ``--extract``, the catalogue is the generated Grants.gov extract (``funding_extract.py``,
the one ``funding_import.py`` times) imported by ``import_catalogue``, indexed as an import
indexes it; the queries draw on the same vocabulary.
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/NEW_DB \\
        uv run python benchmarks/funding_search.py

A PostgreSQL database must be empty (the script migrates it); SQLite uses a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
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

# Words of one subject occur together: a description is about one or two subjects, written
# with the common words of grant-making and a long tail of rarer ones.
TOPICS = [
    "housing affordable homeless rental homeowners vacant blight blighted demolition rehab",
    "lead abatement hazard healthy homes asthma mold radon inspection remediation",
    "community development neighborhood revitalization downtown corridor placemaking",
    "infrastructure transportation transit bridges roads highway pedestrian bicycle freight",
    "broadband digital equity internet connectivity devices literacy adoption affordability",
    "workforce training employment apprenticeship jobs career credential reskilling",
    "youth education school early childhood students teachers mentoring afterschool",
    "behavioral mental substance opioid prevention treatment recovery overdose naloxone",
    "violence intervention policing justice reentry courts victims trauma gun",
    "climate resilience flood stormwater hurricane wildfire mitigation adaptation heat",
    "water drinking wastewater pipes utilities sewer treatment plants",
    "brownfields cleanup contamination environmental assessment redevelopment",
    "energy efficiency renewable solar electric vehicles charging grid weatherization",
    "agriculture rural food nutrition farmers markets gardens hunger",
    "parks recreation trails forests wildlife conservation fisheries coastal",
    "economic business small entrepreneurship manufacturing supply export tourism",
    "arts humanities museums libraries culture heritage preservation historic",
    "research science technology innovation data statistics evaluation",
    "health clinics maternal infant chronic disease vaccination hospitals",
    "seniors veterans disabilities caregivers aging accessibility independence",
]
GRANT_WORDS = [w for topic in TOPICS for w in topic.split()]
_GENERIC = """program project funding eligible applicants award federal state local tribal
governments nonprofit organizations institutions partnerships underserved disadvantaged low
income families children capacity planning technical assistance cooperative agreement support
services activities proposals applications goals objectives outcomes performance"""
GENERIC = _GENERIC.split()
AGENCIES = [
    ("HUD", "Department of Housing and Urban Development"),
    ("DOT", "Department of Transportation"),
    ("EPA", "Environmental Protection Agency"),
    ("HHS-CDC", "Centers for Disease Control and Prevention"),
    ("HHS-SAMHSA", "Substance Abuse and Mental Health Services Administration"),
    ("DOJ", "Department of Justice"),
    ("DOE", "Department of Energy"),
    ("USDA", "Department of Agriculture"),
    ("DOC-NOAA", "National Oceanic and Atmospheric Administration"),
    ("DOC-EDA", "Economic Development Administration"),
    ("ED", "Department of Education"),
    ("DOL-ETA", "Employment and Training Administration"),
    ("NEA", "National Endowment for the Arts"),
    ("NEH", "National Endowment for the Humanities"),
    ("IMLS", "Institute of Museum and Library Services"),
    ("DHS-FEMA", "Federal Emergency Management Agency"),
    ("NSF", "National Science Foundation"),
    ("DOI-NPS", "National Park Service"),
] + [(f"AG{n:02d}", f"Agency number {n}") for n in range(40)]
CATEGORIES = ["HO", "CD", "T", "ENV", "HL", "ED", "ELT", "LJL", "EN", "AG", "NR", "IIJ", "ST",
              "DPR", "BC", "AR", "HU", "ISS", "FN", "RD", "O"]  # fmt: skip
APPLICANTS = ["00", "01", "02", "04", "05", "06", "07", "08", "11", "12", "13", "20", "21",
              "22", "23", "25", "99"]  # fmt: skip


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    """The filler: grant-making's common words first, then invented words (rare), Zipf."""
    syllables = ["ba", "ce", "di", "fo", "gu", "ha", "ke", "li", "mo", "nu", "pa", "re", "si",
                 "to", "va", "we", "xi", "yo", "za", "tri", "str", "pl", "qu"]  # fmt: skip
    words = list(GENERIC)
    taken = set(words) | set(GRANT_WORDS)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            words.append(word)
    weights = [1.0 / (rank + 8) for rank in range(len(words))]
    return words, weights


def build(rows: int) -> tuple[list[str], float]:
    """Create ``rows`` opportunities and index them; returns the vocabulary and reindex time."""
    from civiclab.funding.catalogue.applicants import mask_of
    from civiclab.funding.models import Opportunity
    from civiclab.funding.search_index import reindex

    rng = random.Random(13)
    words, weights = vocabulary(rng)
    today = dt.date.today()  # noqa: DTZ011 (a benchmark's dates are relative to the run)

    cumulative = list(itertools.accumulate(weights))

    def text(n: int, subjects: list[list[str]]) -> str:
        filler = rng.choices(words, cum_weights=cumulative, k=n)
        for position in range(0, n, 12):  # one subject word in twelve
            filler[position] = rng.choice(rng.choice(subjects))
        return " ".join(filler)

    started = time.perf_counter()
    batch: list[Opportunity] = []
    for n in range(rows):
        roll = rng.random()
        forecast = roll < 0.04
        open_now = 0.04 <= roll < 0.12
        close = (
            None
            if forecast
            else today + dt.timedelta(days=rng.randint(0, 120))
            if open_now
            else today - dt.timedelta(days=rng.randint(1, 3_000))
        )
        agency = rng.choice(AGENCIES)
        subjects = [topic.split() for topic in rng.sample(TOPICS, rng.randint(1, 2))]
        codes = sorted(set(rng.sample(APPLICANTS, rng.randint(1, 6))))
        batch.append(
            Opportunity(
                external_id=str(100_000 + n),
                number=f"{agency[0]}-{rng.randint(20, 26)}-{n:06d}",
                title=text(rng.randint(5, 14), subjects).capitalize(),
                doc_type="forecast" if forecast else "synopsis",
                category=rng.choice("DMCEO"),
                instruments=rng.sample(["G", "CA", "PC", "O"], rng.randint(1, 2)),
                activity_categories=rng.sample(CATEGORIES, rng.randint(1, 2)),
                assistance_listings=[f"{rng.randint(10, 99)}.{rng.randint(1, 999):03d}"],
                applicant_codes=codes,
                applicant_mask=mask_of(codes),
                eligibility_text=text(rng.randint(0, 40), subjects),
                agency_code=agency[0],
                agency_name=agency[1],
                post_date=(close or today) - dt.timedelta(days=60),
                close_date=close,
                estimated_close_date=today + dt.timedelta(days=200) if forecast else None,
                award_ceiling=rng.choice([None, 50_000, 250_000, 1_000_000, 5_000_000]),
                cost_sharing=rng.choice([None, True, False]),
                description=text(rng.randint(50, 450), subjects),
            )
        )
        if len(batch) == 2_000:
            Opportunity.objects.bulk_create(batch)
            batch = []
    if batch:
        Opportunity.objects.bulk_create(batch)
    print(f"rows written: {rows:,} in {time.perf_counter() - started:6.1f} s")
    started = time.perf_counter()
    reindex()
    took = time.perf_counter() - started
    print(f"reindex of {rows:,} rows: {took:6.1f} s")
    return words, took


def imported(extract: Path, rows: int) -> list[str]:
    """Import ``extract`` (the catalogue as the import writes and indexes it); returns the
    vocabulary its text was drawn from."""
    from funding_extract import write_extract

    from civiclab.funding.services.catalogue import import_catalogue

    if not extract.exists():
        started = time.perf_counter()
        write_extract(extract, rows, 13)
        print(f"extract of {rows:,} written in {time.perf_counter() - started:6.1f} s")
    started = time.perf_counter()
    run = import_catalogue(None, extract)
    print(
        f"import of {extract.name}: {run.created:,} opportunities "
        f"in {time.perf_counter() - started:6.1f} s (indexed)"
    )
    return vocabulary(random.Random(13))[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_search(words: list[str], queries: int) -> None:
    from civiclab.funding.search import SearchFilters, search
    from civiclab.network.models import City

    rng = random.Random(7)
    city = City.objects.get(slug="mobile")
    common, rare = GRANT_WORDS + GENERIC[:20], words[2_000:]
    filter_choices = [
        SearchFilters(),
        SearchFilters(eligibility="eligible"),
        SearchFilters(eligibility="all", status="any"),
        SearchFilters(status="closing", closing_within=30),
        SearchFilters(categories=["IIJ", "T"]),
        SearchFilters(agencies=["HUD"], min_ceiling=100_000),
        SearchFilters(status="closed", eligibility="all"),
    ]
    timings: dict[str, list[float]] = {"no query": [], "common": [], "rare": [], "mixed": []}
    for n in range(queries):
        kind = ["no query", "common", "rare", "mixed"][n % 4]
        size = rng.randint(1, 4)
        if kind == "no query":
            query = ""
        elif kind == "common":
            query = " ".join(rng.sample(common, size))
        elif kind == "rare":
            query = " ".join(rng.sample(rare, size))
        else:
            query = " ".join([rng.choice(common), *rng.sample(rare, size - 1)])
        filters = rng.choice(filter_choices) if n % 3 else SearchFilters()
        started = time.perf_counter()
        search(None, city, query, filters, limit=20)
        timings[kind].append((time.perf_counter() - started) * 1000)
    every = [t for values in timings.values() for t in values]
    for kind, values in timings.items():
        print(
            f"search {kind:>8}: p50 {statistics.median(values):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  ({len(values)} queries)"
        )
    print(
        f"search     all: p50 {statistics.median(every):6.1f} ms  "
        f"p95 {percentile(every, 0.95):6.1f} ms  max {max(every):6.1f} ms (target p95 < 50 ms)"
    )


CHALLENGES = [
    ("Blighted and vacant properties", "housing",
     "Vacant homes and blighted lots drag down whole neighborhoods; demolition is slow and "
     "rehabilitation of affordable housing lags."),
    ("Youth violence", "public_safety",
     "Violence among youth rises in summer; intervention and prevention programs reach few "
     "families."),
    ("Lead in drinking water", "health",
     "Lead pipes serve old homes; children face hazard; water utility replacement is costly."),
    ("Flooding in low-lying neighborhoods", "environment",
     "Stormwater floods streets; resilience and mitigation of flood hazard for low income "
     "families."),
    ("Bus riders wait too long", "mobility",
     "Transit reliability; pedestrian safety at stops; bicycle lanes and transportation equity."),
    ("Digital divide", "education",
     "Broadband and digital equity for seniors and students; literacy and training."),
]  # fmt: skip


def bench_match(rounds: int) -> None:
    from civiclab.funding.search import match
    from civiclab.network.models import City
    from civiclab.portfolio.models import Challenge

    city = City.objects.get(slug="mobile")
    made = [
        Challenge.objects.create(
            city=city,
            visibility="public",
            title=title,
            priority_area=area,
            problem_statement=statement,
        )
        for title, area, statement in CHALLENGES
    ]
    timings: list[float] = []
    for _round in range(rounds):
        for challenge in made:
            started = time.perf_counter()
            found = match(None, challenge, limit=20)
            timings.append((time.perf_counter() - started) * 1000)
            assert found, challenge.title
    print(
        f"match top-20: p50 {statistics.median(timings):6.1f} ms  "
        f"p95 {percentile(timings, 0.95):6.1f} ms  max {max(timings):6.1f} ms "
        f"({len(timings)} matches of {len(made)} challenges; target < 200 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=80_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--match-rounds", type=int, default=5)
    parser.add_argument(
        "--extract",
        type=Path,
        help="import this Grants.gov extract (written by funding_extract.py with --rows "
        "opportunities if missing) instead of building the catalogue row by row",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-funding-") as tmp:
        os.environ.setdefault("CIVICLAB_DATA_DIR", str(Path(tmp) / "data"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "civiclab.settings"
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        from civiclab.network.models import City, Network

        network, _new = Network.objects.get_or_create(name="Bench", slug="bench")
        City.objects.get_or_create(
            network=network, name="Mobile", slug="mobile", country="US", visibility="public"
        )
        from civiclab.funding.models import Opportunity

        if Opportunity.objects.exists():  # CIVICLAB_DATA_DIR kept from an earlier run
            words = vocabulary(random.Random(13))[0]
        elif args.extract:
            words = imported(args.extract, args.rows)
        else:
            words, _took = build(args.rows)
        if connection.vendor == "postgresql":
            # What autovacuum does after a large import: the visibility map lets the filters'
            # covering index be read without the rows.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        bench_search(words, args.queries)
        bench_match(args.match_rounds)


if __name__ == "__main__":
    main()
