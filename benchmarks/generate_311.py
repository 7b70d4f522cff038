"""Write a realistic NYC-311-shaped Socrata CSV export of any size, fast (DuckDB SQL).

The real 41-column layout and header of NYC's "311 Service Requests" export, Socrata's
`MM/DD/YYYY HH:MM:SS AM` timestamps, about 10 % open requests (no Closed Date), a Zipf mix of
200 complaint types, five-digit ZIP codes with their leading zeros, and points inside New
York City's extent. Deterministic for a given seed.

    uv run python benchmarks/generate_311.py 5000000 /tmp/311-5m.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

COLUMNS = [
    "Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type",
    "Descriptor", "Location Type", "Incident Zip", "Incident Address", "Street Name",
    "Cross Street 1", "Cross Street 2", "Intersection Street 1", "Intersection Street 2",
    "Address Type", "City", "Landmark", "Facility Type", "Status", "Due Date",
    "Resolution Description", "Resolution Action Updated Date", "Community Board", "BBL",
    "Borough", "X Coordinate (State Plane)", "Y Coordinate (State Plane)",
    "Open Data Channel Type", "Park Facility Name", "Park Borough", "Vehicle Type",
    "Taxi Company Borough", "Taxi Pick Up Location", "Bridge Highway Name",
    "Bridge Highway Direction", "Road Ramp", "Bridge Highway Segment", "Latitude", "Longitude",
    "Location",
]  # fmt: skip

AGENCIES = [
    ("NYPD", "New York City Police Department"),
    ("HPD", "Department of Housing Preservation and Development"),
    ("DSNY", "Department of Sanitation"),
    ("DOT", "Department of Transportation"),
    ("DEP", "Department of Environmental Protection"),
    ("DOB", "Department of Buildings"),
    ("DPR", "Department of Parks and Recreation"),
    ("DOHMH", "Department of Health and Mental Hygiene"),
]
BOROUGHS = ["MANHATTAN", "BROOKLYN", "QUEENS", "BRONX", "STATEN ISLAND"]
COMPLAINT_SEEDS = [
    "Noise - Residential", "HEAT/HOT WATER", "Illegal Parking", "Blocked Driveway",
    "Street Condition", "Noise - Street/Sidewalk", "UNSANITARY CONDITION", "Water System",
    "PAINT/PLASTER", "Request Large Bulky Item Collection", "Street Light Condition",
    "Dirty Conditions", "Sewer", "Rodent", "Derelict Vehicles", "Sidewalk Condition",
    "Missed Collection (All Materials)", "General Construction/Plumbing", "Graffiti",
    "Damaged Tree", "Traffic Signal Condition", "Noise - Commercial", "Homeless Person Assistance",
    "Abandoned Vehicle", "Illegal Dumping", "Vacant Lot", "Building/Use", "Maintenance or Facility",
]  # fmt: skip
COMPLAINT_TYPES = COMPLAINT_SEEDS + [f"Other Complaint {n:03d}" for n in range(200 - 28)]


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def generate(rows: int, path: Path, seed: float = 0.42) -> None:
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    agencies = sql_list([a for a, _ in AGENCIES])
    agency_names = sql_list([n for _, n in AGENCIES])
    # ln(201): a log-uniform index over 1..200 gives a Zipf-like (1/k) mix.
    select = f"""
    WITH base AS (
      SELECT
        i,
        TIMESTAMP '2019-01-01' + to_seconds(CAST(random() * 5 * 365 * 86400 AS BIGINT)) AS created,
        random() < 0.10 AS still_open,
        CAST(floor(exp(random() * ln(201))) AS INTEGER) AS complaint,
        CAST(floor(random() * {len(AGENCIES)}) AS INTEGER) + 1 AS agency,
        CAST(floor(random() * 5) AS INTEGER) + 1 AS borough,
        40.4961 + random() * (40.9155 - 40.4961) AS lat,
        -74.2557 + random() * (-73.7004 + 74.2557) AS lon,
        random() AS r
      FROM range({rows}) t(i)
    )
    SELECT
      40000000 + i AS "Unique Key",
      strftime(created, '%m/%d/%Y %I:%M:%S %p') AS "Created Date",
      CASE WHEN still_open THEN NULL
           ELSE strftime(created + to_seconds(CAST(r * 30 * 86400 AS BIGINT)),
                         '%m/%d/%Y %I:%M:%S %p') END AS "Closed Date",
      {agencies}[agency] AS "Agency",
      {agency_names}[agency] AS "Agency Name",
      {sql_list(COMPLAINT_TYPES)}[LEAST(complaint, 200)] AS "Complaint Type",
      CASE WHEN r < 0.05 THEN 'N/A' ELSE 'Details ' || (complaint % 17) END AS "Descriptor",
      CASE WHEN r < 0.5 THEN 'RESIDENTIAL BUILDING' ELSE 'Street/Sidewalk' END AS "Location Type",
      lpad(CAST(10001 + CAST(r * 4000 AS INTEGER) - 10000 * (borough = 5)::INTEGER AS VARCHAR),
           5, '0') AS "Incident Zip",
      CAST(CAST(r * 300 AS INTEGER) + 1 AS VARCHAR) || ' ' || 'MAIN STREET' AS "Incident Address",
      'MAIN STREET' AS "Street Name",
      'FIRST AVENUE' AS "Cross Street 1", 'SECOND AVENUE' AS "Cross Street 2",
      NULL AS "Intersection Street 1", NULL AS "Intersection Street 2",
      'ADDRESS' AS "Address Type",
      {sql_list(BOROUGHS)}[borough] AS "City",
      NULL AS "Landmark", 'N/A' AS "Facility Type",
      CASE WHEN still_open THEN (CASE WHEN r < 0.5 THEN 'Open' ELSE 'In Progress' END)
           ELSE 'Closed' END AS "Status",
      strftime(created + INTERVAL 8 DAY, '%m/%d/%Y %I:%M:%S %p') AS "Due Date",
      'The agency responded to the request.' AS "Resolution Description",
      strftime(created + INTERVAL 1 DAY, '%m/%d/%Y %I:%M:%S %p')
        AS "Resolution Action Updated Date",
      lpad(CAST(1 + CAST(r * 18 AS INTEGER) AS VARCHAR), 2, '0') || ' '
        || {sql_list(BOROUGHS)}[borough] AS "Community Board",
      CAST(1000000000 + CAST(r * 4000000000 AS BIGINT) AS VARCHAR) AS "BBL",
      {sql_list(BOROUGHS)}[borough] AS "Borough",
      CAST(913000 + (lon + 74.2557) * 400000 AS INTEGER) AS "X Coordinate (State Plane)",
      CAST(120000 + (lat - 40.4961) * 360000 AS INTEGER) AS "Y Coordinate (State Plane)",
      CASE WHEN r < 0.4 THEN 'PHONE' WHEN r < 0.8 THEN 'ONLINE' ELSE 'MOBILE' END
        AS "Open Data Channel Type",
      'Unspecified' AS "Park Facility Name",
      {sql_list(BOROUGHS)}[borough] AS "Park Borough",
      NULL AS "Vehicle Type", NULL AS "Taxi Company Borough", NULL AS "Taxi Pick Up Location",
      NULL AS "Bridge Highway Name", NULL AS "Bridge Highway Direction", NULL AS "Road Ramp",
      NULL AS "Bridge Highway Segment",
      round(lat, 12) AS "Latitude", round(lon, 12) AS "Longitude",
      '(' || round(lat, 12) || ', ' || round(lon, 12) || ')' AS "Location"
    FROM base ORDER BY i
    """
    con.execute(f"COPY ({select}) TO '{path}' (HEADER, DELIMITER ',')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=float, default=0.42)
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.rows, args.path, args.seed)
    size = args.path.stat().st_size / 1e6
    took = time.perf_counter() - started
    print(f"wrote {args.rows:,} rows ({size:,.0f} MB) to {args.path} in {took:.1f} s")


if __name__ == "__main__":
    main()
