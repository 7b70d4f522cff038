"""PostgreSQL plans a connection's repeated queries once: values are sent apart from the SQL
and psycopg prepares a query the second time it runs (docs/operators.md, "PostgreSQL"); the
setting that turns it off is tested in tests/test_settings.py.
Planning a page's scoped reads cost more than running them (issue 17's load run)."""

from __future__ import annotations

import pytest
from django.db import connection

from civiclab.network.models import City


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
