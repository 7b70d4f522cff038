"""How long do `civiclab backup` and `civiclab restore` take on the demo installation, and how
big is the archive?

Seeds the demo (`civiclab demo --no-serve`) into a throw-away data directory on SQLite, backs
it up, and restores the archive onto a fresh SQLite data directory and onto a fresh PostgreSQL
database (127.0.0.1:5432, user postgres) — each restore twice: into a database with no
migration applied (what an operator usually has) and into one already migrated. Each command
runs in a fresh process, as an operator runs it, and its own reported seconds are printed (the
process's start, ~1.5 s, is not in them). Run on demand; not part of the test suite:

    uv run python benchmarks/backup.py

Figures are in the closing note of issue 17 and in docs/operators.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

POSTGRES = "postgres://postgres@127.0.0.1:5432/"


def env_for(data_dir: Path, database: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env["CIVICLAB_DATA_DIR"] = str(data_dir)
    if database:
        env["CIVICLAB_DATABASE_URL"] = POSTGRES + database
    return env


def civiclab(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "civiclab", *args, "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="civiclab-backup-bench-"))
    source = env_for(work / "demo")
    subprocess.run([sys.executable, "-m", "civiclab", "demo", "--no-serve"], env=source,
                   check=True, capture_output=True)  # fmt: skip
    made = civiclab(source, "backup", str(work / "demo.tar"))
    print(f"backup: {made['bytes']:,} bytes, {made['rows']:,} rows, {made['files']} files "
          f"({made['file_bytes']:,} bytes) in {made['seconds']:.2f} s")  # fmt: skip
    databases = []
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
        for vendor in ("sqlite", "postgresql"):
            for migrated in (False, True):
                database = None
                if vendor == "postgresql":
                    database = f"civiclab_bench_{uuid.uuid4().hex[:10]}"
                    admin.execute(f'CREATE DATABASE "{database}"')
                    databases.append(database)
                target = env_for(work / f"{vendor}-{migrated}", database)
                if migrated:
                    subprocess.run([sys.executable, "-m", "civiclab", "migrate", "-v0"],
                                   env=target, check=True)  # fmt: skip
                restored = civiclab(target, "restore", str(work / "demo.tar"))
                state = "migrated" if migrated else "empty"
                print(f"restore onto {vendor} ({state} database): {restored['seconds']:.2f} s")
        for database in databases:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
