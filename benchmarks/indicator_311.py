"""Monthly median hours-to-close per complaint type per community board on 5 M 311 rows.

Targets (issue "Indicators"): under 1 s warm; within 1.5× of a hand-written DuckDB query that
computes the same numbers in the same run; the pandas reference time is printed for comparison.
civiclab's series has every month × group (empty cells empty); the hand-written query returns
only the cells with rows.

    uv run python benchmarks/indicator_311.py [--rows 5000000] [--keep /tmp/311-5m.csv]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from civiclab.datasets.engine import CityQuery, TableFile  # noqa: E402
from civiclab.datasets.ingest.formats import open_source  # noqa: E402
from civiclab.datasets.ingest.pipeline import (  # noqa: E402
    ImportSettings,
    ingest_connection,
    read_source,
)
from civiclab.indicators.engine.evaluate import Series, evaluate  # noqa: E402
from civiclab.indicators.engine.spec import parse_spec  # noqa: E402

TIMEZONE = "America/New_York"
SPEC = {
    "dataset": "311",
    "measure": {"type": "duration", "start": "Created Date", "end": "Closed Date",
                "stat": "median", "unit": "hours"},
    "time": {"column": "Created Date", "period": "month"},
    "breakdown": ["Complaint Type", "Community Board"],
}  # fmt: skip
# The same numbers by hand: one GROUP BY, fetched as Arrow (DuckDB's fastest way out). It
# returns only the cells that have rows; civiclab also lays them on the full grid of months ×
# groups (empty cells present), so this is the stricter comparison.
HAND_WRITTEN = """
SELECT CAST(date_trunc('month', timezone('America/New_York', "Created Date")) AS DATE) AS month,
       "Complaint Type", "Community Board",
       median((epoch("Closed Date") - epoch("Created Date")) / 3600) AS value,
       count("Closed Date") AS n
FROM "311" WHERE "Created Date" IS NOT NULL
GROUP BY ALL
"""


def timed(run, tries: int = 5) -> float:
    run()  # warm: the file in the page cache, the code paths loaded
    return statistics.median(_once(run) for _ in range(tries))


def _once(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civiclab-indicator-") as tmp:
        work = Path(tmp)
        csv = args.keep or work / "311.csv"
        if not csv.exists():
            subprocess.run(
                [sys.executable, str(HERE / "generate_311.py"), str(args.rows), str(csv)],
                check=True,
            )
        settings = ImportSettings(timezone=TIMEZONE)
        source = open_source(csv, csv.name, "auto", work, 10**12)
        output = read_source(ingest_connection(settings), source, settings, work)
        columns = {c.name: c.type.value for c in output.columns}
        spec = parse_spec(SPEC)
        query = CityQuery([TableFile("311", output.path)], memory_mb=2048, timeout_seconds=120)

        def civiclab() -> Series:
            return evaluate(spec, columns, TIMEZONE, query.execute_arrow)

        def duckdb_by_hand() -> pa.Table:
            return query.execute_arrow(HAND_WRITTEN)

        ours = civiclab()
        theirs = duckdb_by_hand()
        # Same numbers: the same non-empty cells with the same values (compared sorted).
        filled = int((ours.counts > 0).sum())
        hand_n = theirs.column("n").to_numpy()
        assert filled == int((hand_n > 0).sum()), (filled, int((hand_n > 0).sum()))
        assert int(ours.counts.sum()) == int(hand_n.sum())
        hand_values = theirs.column("value").to_numpy(zero_copy_only=False)
        assert np.allclose(np.sort(ours.values[ours.counts > 0]), np.sort(hand_values[hand_n > 0]))
        ours_seconds = timed(civiclab)
        hand_seconds = timed(duckdb_by_hand)
        points_seconds = _once(lambda: list(ours))

        import pandas as pd

        def pandas_reference() -> pd.Series:
            frame = query.con.execute(
                'SELECT "Created Date", "Closed Date", "Complaint Type", "Community Board" '
                'FROM "311"'
            ).df()
            created = frame["Created Date"].dt.tz_convert(TIMEZONE)
            hours = (frame["Closed Date"] - frame["Created Date"]).dt.total_seconds() / 3600
            month = created.dt.tz_localize(None).dt.to_period("M")
            return hours.groupby(
                [month, frame["Complaint Type"], frame["Community Board"]]
            ).median()

        pandas_seconds = _once(pandas_reference)
    print(f"rows                      {output.rows:,}")
    print(f"series points             {len(ours):,} (months × complaint type / community board)")
    print(f"cells with rows           {filled:,}")
    print(f"civiclab indicator        {ours_seconds:6.3f} s warm (target < 1 s)")
    print(f"hand-written DuckDB       {hand_seconds:6.3f} s warm")
    print(f"ratio                     {ours_seconds / hand_seconds:6.2f}× (target ≤ 1.5×)")
    print(f"as Python points          {points_seconds:6.3f} s more to iterate them all as Points")
    print(f"pandas reference          {pandas_seconds:6.3f} s (load + group-by, no fill)")


if __name__ == "__main__":
    main()
