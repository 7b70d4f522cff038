"""PostgreSQL plans a connection's repeated queries once: values are sent apart from the SQL
and psycopg prepares a query the second time it runs (docs/operators.md, "PostgreSQL").
Planning a page's scoped reads cost more than running them (issue 17's load run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from civiclab.network.models import City

PROBE = (
    "import json, civiclab.settings as s; "
    "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
)


def database_options(tmp_path: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLAB_")}
    clean["CIVICLAB_DATA_DIR"] = str(tmp_path / "data")
    clean["CIVICLAB_DATABASE_URL"] = "postgres://civiclab@db.example.org:5432/civiclab"
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_prepares_unless_told_not_to(tmp_path: Path) -> None:
    """GIVEN a PostgreSQL URL WHEN the settings are read THEN server-side binding and automatic
    preparing are on; CIVICLAB_DATABASE_PREPARED_STATEMENTS=false (a pooler that cannot follow
    them) turns both off."""
    on = database_options(tmp_path)
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 2
    off = database_options(tmp_path, CIVICLAB_DATABASE_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in off and "prepare_threshold" not in off


@pytest.mark.django_db
def test_a_query_run_again_is_prepared_on_postgresql() -> None:
    """GIVEN the suite's own database WHEN one query runs three times on a connection THEN, on
    PostgreSQL, the connection holds it prepared (on SQLite there is nothing to check)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(3):
        list(City.objects.filter(slug="nowhere"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("network_city" in statement for statement in prepared), prepared
