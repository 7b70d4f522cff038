"""A large catalogue file is read in a second process while the import writes
(``services/read_ahead.py``): the same catalogue, the same index, the same refusals as when it
is read in the importing process."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.models import CatalogueImport, Opportunity
from civiclab.funding.search import search
from civiclab.funding.services import read_ahead
from civiclab.funding.services.catalogue import import_catalogue
from tests.funding.test_catalogue_readers import EXTRACT, extract, synopsis, write

pytestmark = pytest.mark.django_db


def _catalogue() -> list[tuple[object, ...]]:
    return list(
        Opportunity.objects.order_by("external_id").values_list(
            "external_id", "title", "close_date", "content_hash", "applicant_mask"
        )
    )


def _index() -> list[tuple[object, ...]]:
    table = "fulltext_funding_opportunity"
    column = "document::text" if connection.vendor == "postgresql" else "title"
    key = "id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, {column} FROM {table} ORDER BY {key}")
        return [tuple(row) for row in cursor.fetchall()]


def test_a_file_read_in_a_second_process_imports_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_catalogue(None, EXTRACT)
    here = (_catalogue(), _index(), search(None, None, "housing").total)
    Opportunity.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM fulltext_funding_opportunity")
    monkeypatch.setattr(read_ahead, "READ_AHEAD_FROM", 0)
    run = import_catalogue(None, EXTRACT)
    assert run.status == "succeeded" and run.created == len(here[0]) > 0
    ids = dict(Opportunity.objects.values_list("external_id", "pk"))
    assert (_catalogue(), search(None, None, "housing").total) == (here[0], here[2])
    # The index holds the same entries (under the new ids).
    assert len(_index()) == len(here[1]) and sorted(ids.values()) == [r[0] for r in _index()]
    again = import_catalogue(None, EXTRACT)
    assert (again.created, again.updated) == (0, 0)


def test_a_refusal_in_the_reading_process_is_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(read_ahead, "READ_AHEAD_FROM", 0)
    path = write(tmp_path, extract(synopsis("100"), synopsis("200", CloseDate="13452024")))
    with pytest.raises(CatalogueError) as caught:
        import_catalogue(None, path)
    assert "OpportunityID 200" in str(caught.value)
    assert caught.value.details["opportunity_id"] == "200"
    assert Opportunity.objects.count() == 0
    assert CatalogueImport.objects.get().status == "failed"


def test_a_reading_process_that_cannot_start_falls_back_to_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker's daemonic process may not start a process: the file is read in the
    importing process instead, with the same result."""
    monkeypatch.setattr(read_ahead, "READ_AHEAD_FROM", 0)

    def refuse(self: object) -> None:
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr("multiprocessing.context.SpawnProcess.start", refuse)
    run = import_catalogue(None, EXTRACT)
    assert run.status == "succeeded" and run.created == Opportunity.objects.count() > 0
