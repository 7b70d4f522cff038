"""One migrated, empty installation per test session, which every test that starts civiclab
processes copies instead of migrating its own.

``civiclab migrate`` on an empty database renders every model's migration state: 10-30 s of CPU
on the 2-core CI machine, paid again by each test that made its own installation. Here it runs
once per engine, in a fresh process as an operator runs it (so a broken migration still fails
the tests that use it): SQLite's migrated file is copied (a file copy takes milliseconds), and
a PostgreSQL database is made with ``CREATE DATABASE … TEMPLATE`` (a copy on the server).
Each test still gets a database of its own, so no test sees another's writes.

The PostgreSQL template is made only when a test asks for it, on either run: the backup tests
restore onto PostgreSQL from the SQLite run too.

Likewise ``civiclab serve`` collects and compresses the static files into each new data
directory (most of a minute of CPU, minutes on a busy machine): ``mark_static_collected`` makes
an installation whose tests are not about static files skip that (tests/test_serve.py collects).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from civiclab.site.management.commands.serve import STATIC_STAMP

POSTGRES = "postgres://postgres@127.0.0.1:5432/"


def admin(statement: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance database, outside a
    transaction (CREATE and DROP DATABASE need that)."""
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(statement)


def process_environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment of a civiclab process of the installation in ``data_dir``: this
    process's environment without its civiclab and Django settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env["CIVICLAB_DATA_DIR"] = str(data_dir)
    if database_url:
        env["CIVICLAB_DATABASE_URL"] = database_url
    return env


def migrate(env: dict[str, str]) -> None:
    """``civiclab migrate`` in a fresh process of the installation ``env`` names."""
    done = subprocess.run(
        [sys.executable, "-m", "civiclab", "migrate", "--verbosity", "0"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"civiclab migrate failed:\n{done.stderr[-3000:]}"


@dataclass
class Migrated:
    """The session's migrated installations, each made on first use."""

    folder: Path
    _sqlite: Path | None = None
    _postgres: str | None = None
    _made: list[str] = field(default_factory=list)
    _static_sources: str | None = None

    @property
    def sqlite(self) -> Path:
        """The migrated SQLite database file (copy it; never open it)."""
        if self._sqlite is None:
            data_dir = self.folder / "sqlite"
            migrate(process_environment(data_dir, None))
            self._sqlite = data_dir / "civiclab.sqlite3"
        return self._sqlite

    @property
    def postgres(self) -> str:
        """The name of the migrated PostgreSQL template database (copy it; never connect to
        it: ``CREATE DATABASE … TEMPLATE`` refuses a template with a session open)."""
        if self._postgres is None:
            name = f"civiclab_migrated_{uuid.uuid4().hex[:12]}"
            admin(f'CREATE DATABASE "{name}"')
            self._made.append(name)
            migrate(process_environment(self.folder / "postgres", POSTGRES + name))
            self._postgres = name
        return self._postgres

    def copy_sqlite(self, target: Path) -> Path:
        """A copy of the migrated SQLite database at ``target`` (its folder made if needed)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.sqlite, target)
        return target

    def new_postgres(self, prefix: str = "civiclab_copy") -> str:
        """A new PostgreSQL database copied from the template: its name. The caller drops it
        (``drop_postgres``)."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.postgres}"')
        return name

    def mark_static_collected(self, data_dir: Path) -> None:
        """Make ``civiclab serve`` of the installation in ``data_dir`` take the static files
        as collected without collecting them: an empty manifest (pages link the plain names,
        which WhiteNoise serves from the app folders) and the stamp of the current sources."""
        if self._static_sources is None:
            # The digest a civiclab process computes (its settings, not the test run's).
            script = (
                "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'civiclab.settings'\n"
                "django.setup()\n"
                "from civiclab.site.management.commands.serve import static_sources\n"
                "print(static_sources())\n"
            )
            env = process_environment(self.folder / "static-sources", None)
            done = subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            self._static_sources = done.stdout.strip()
        static = data_dir / "static"
        static.mkdir(parents=True, exist_ok=True)
        (static / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
        run = data_dir / "run"
        run.mkdir(exist_ok=True)
        (run / STATIC_STAMP).write_text(json.dumps({"sources": self._static_sources}))

    def close(self) -> None:
        for name in self._made:
            drop_postgres(name)


def drop_postgres(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
