"""How long does importing an 80,000-opportunity Grants.gov extract take, and how much memory?

Issue 13 asks: import an 80,000-opportunity extract in under 60 s with under 500 MB peak
memory, and re-import the same file in under 30 s changing nothing (0 created, 0 updated).

The extract is generated from the schema (``funding_extract.write_extract``: realistic text
lengths and vocabulary, a quarter forecasts, one synopsis in ten with its superseded forecast
in the same file). The script migrates a throw-away database, then runs ``civiclab funding
import FILE --json`` twice, each in its own process, timing it and reading the process's peak
resident memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the whole process, Django
included). The import is the real one: the full-text index is kept in the same transaction
(``search_index.index_rows`` per batch of 1,000). Not part of the test suite:

    uv run python benchmarks/funding_import.py [--n 80000] [--extract PATH]
    CIVICLAB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/civiclab_bench_funding \\
        uv run python benchmarks/funding_import.py

(With PostgreSQL, the database named is dropped and created again. ``--extract`` reuses an
extract written before, or writes it there.) The figures: docs/funding.md, "Scale".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from funding_extract import write_extract  # noqa: E402


def _recreate_postgres(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds, peak resident memory (MB) of the process (the largest child so far: the
    ones before are smaller), and its output."""
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=80_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--extract", type=Path, help="an extract written before (funding_extract.py): reused"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-bench-funding-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        if args.extract and args.extract.exists():
            extract = args.extract
        else:
            extract = write_extract(
                args.extract or work / "GrantsDBExtract20260101v2.zip", args.n, args.seed
            )
        print(
            f"extract: {args.n:,} opportunities, {extract.stat().st_size / 1e6:.0f} MB zipped, "
            f"written in {time.perf_counter() - started:.0f} s"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLAB_")}
        env["CIVICLAB_DATA_DIR"] = str(work / "data")
        url = os.environ.get("CIVICLAB_DATABASE_URL", "")
        if url:
            _recreate_postgres(url)
            env["CIVICLAB_DATABASE_URL"] = url
        print(f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
        civiclab = [sys.executable, "-m", "civiclab"]
        run([*civiclab, "migrate", "--verbosity", "0"], env)
        for label, limit in (("fresh import", 60), ("re-import", 30)):
            seconds, peak, out = run([*civiclab, "funding", "import", str(extract), "--json"], env)
            result = json.loads(out)
            verdict = "ok" if seconds < limit and peak < 500 else "OVER TARGET"
            print(
                f"{label}: {seconds:.1f} s (target < {limit} s), peak {peak:.0f} MB "
                f"(target < 500 MB); created {result['created']:,}, updated "
                f"{result['updated']:,}, unchanged {result['unchanged']:,}, superseded "
                f"{result['superseded']:,} — {verdict}"
            )


if __name__ == "__main__":
    main()
