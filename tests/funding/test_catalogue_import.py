"""Importing catalogue files: idempotent, one transaction, a history of changes, audited."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from civiclab.audit.models import AuditEvent
from civiclab.cli import main
from civiclab.funding.catalogue import applicants
from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.models import CatalogueImport, Opportunity, OpportunityChange
from civiclab.funding.services.catalogue import import_catalogue
from tests.funding.test_catalogue_readers import DATA, EXTRACT, extract, synopsis, write
from tests.world import World

pytestmark = pytest.mark.django_db


def forecast(opportunity_id: str, **fields: str) -> str:
    return synopsis(opportunity_id, **fields).replace(
        "OpportunitySynopsisDetail_1_0", "OpportunityForecastDetail_1_0"
    )


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Opportunity.objects.order_by("pk").values_list(
            "pk",
            "external_id",
            "doc_type",
            "close_date",
            "award_ceiling",
            "content_hash",
            "updated_at",
        )
    )


def test_import_extract_then_reimport_writes_nothing() -> None:
    run = import_catalogue(None, EXTRACT)
    assert run.status == "succeeded" and run.format == "grantsgov-xml"
    assert (run.created, run.updated, run.unchanged) == (2, 0, 0)
    assert run.superseded == 1  # the Brownfields forecast, after its synopsis
    brownfields = Opportunity.objects.get(external_id="347717")
    assert brownfields.doc_type == "synopsis" and brownfields.award_ceiling == 2_000_000
    assert brownfields.applicant_mask == applicants.mask_of(["00", "01", "02", "12"])
    assert brownfields.url.endswith("/347717")
    assert OpportunityChange.objects.filter(kind="created").count() == 2
    before, changes_before = snapshot(), OpportunityChange.objects.count()

    with CaptureQueriesContext(connection) as queries:
        again = import_catalogue(None, EXTRACT)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot() == before
    assert OpportunityChange.objects.count() == changes_before
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "funding_opportunity" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    event = AuditEvent.objects.filter(action="catalogue.import").latest("pk")
    assert event.details["unchanged"] == 2 and event.actor_label == "command line"


def test_history_of_a_reimport(tmp_path: Path) -> None:
    first = extract(
        forecast("500", CloseDate="", AwardCeiling="100000"),
        synopsis("600", CloseDate="12012030", AwardCeiling="100000"),
        synopsis("700", CloseDate="12012030"),
    )
    import_catalogue(None, write(tmp_path, first, "first.xml"))
    second = extract(
        synopsis("500", CloseDate="06012030", AwardCeiling="100000"),
        synopsis("600", CloseDate="12312030", AwardCeiling="250000"),
        synopsis("700", CloseDate="01012020"),
    )
    run = import_catalogue(None, write(tmp_path, second, "second.xml"))
    assert (run.created, run.updated, run.unchanged) == (0, 3, 0)
    kinds = {
        (c.opportunity.external_id, c.kind)
        for c in OpportunityChange.objects.filter(catalogue_import=run)
    }
    assert {("500", "posted"), ("500", "deadline_set")} <= kinds
    assert {("600", "deadline_extended"), ("600", "ceiling_changed")} <= kinds
    assert {("700", "deadline_moved_earlier"), ("700", "closed")} <= kinds
    ceiling = OpportunityChange.objects.get(catalogue_import=run, kind="ceiling_changed")
    assert (ceiling.before, ceiling.after) == ("100000", "250000")
    assert Opportunity.objects.get(external_id="500").doc_type == "synopsis"


def test_forecast_never_replaces_a_stored_synopsis(tmp_path: Path) -> None:
    import_catalogue(None, write(tmp_path, extract(synopsis("800")), "s.xml"))
    run = import_catalogue(
        None, write(tmp_path, extract(forecast("800", AwardCeiling="5")), "f.xml")
    )
    assert run.superseded == 1 and run.updated == 0
    assert Opportunity.objects.get(external_id="800").award_ceiling == 100_000


def test_failed_import_leaves_the_catalogue_unchanged(tmp_path: Path) -> None:
    import_catalogue(None, EXTRACT)
    before, changes_before = snapshot(), OpportunityChange.objects.count()
    # 1,200 good records (a whole batch is written before the bad one is read), then a bad one.
    records = [synopsis(str(1000 + i)) for i in range(1_200)]
    records.append(synopsis("347717", CloseDate="13312024"))
    with pytest.raises(CatalogueError) as caught:
        import_catalogue(None, write(tmp_path, extract(*records)))
    assert "OpportunityID 347717" in str(caught.value) and "line " in str(caught.value)
    assert snapshot() == before
    assert OpportunityChange.objects.count() == changes_before
    failed = CatalogueImport.objects.get(status="failed")
    assert "13312024" in failed.error and failed.finished_at is not None
    assert AuditEvent.objects.filter(action="catalogue.import_failed").exists()


def test_real_samples_import(tmp_path: Path) -> None:
    for name in (
        "fetchOpportunity_333438.json",
        "grants_items_sample.json",
        "search2_education_hits.csv",
        "Grants_data_2024-02-09.csv",
    ):
        run = import_catalogue(None, DATA / name)
        assert run.status == "succeeded", name
    # fetchOpportunity's 333438 is also a search2 hit: the hit (less detail) updated it.
    assert Opportunity.objects.filter(external_id="333438").count() == 1
    assert Opportunity.objects.filter(external_id__startswith="number-").count() == 388


def test_a_member_may_not_import_a_network_admin_may(world: World) -> None:
    with pytest.raises(PermissionDenied):
        import_catalogue(world.user("member"), EXTRACT)
    with pytest.raises(PermissionDenied):
        import_catalogue(world.user("city_admin"), EXTRACT)
    assert not CatalogueImport.objects.exists()
    run = import_catalogue(world.user("network_admin"), EXTRACT)
    assert run.by == world.user("network_admin") and run.created == 2


def test_cli_json(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("funding", "import", str(EXTRACT), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["created"] == 2 and result["updated"] == 0 and result["failed"] == 0
    assert result["file"] == EXTRACT.name and len(result["sha256"]) == 64
    assert "seconds" in result
    out = io.StringIO()
    call_command("funding", "import", str(EXTRACT), stdout=out)
    assert "created 0, updated 0, unchanged 2" in out.getvalue()
    bad = write(tmp_path, extract(synopsis("9", AwardCeiling="-1")))
    with pytest.raises(
        CommandError, match="OpportunityID 9, line 3: AwardCeiling '-1' is negative"
    ):
        call_command("funding", "import", str(bad), "--json")


def test_cli_exit_code_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "close_all", lambda: None)
    bad = write(tmp_path, extract(synopsis("9"))[:-30])
    assert main(["funding", "import", str(bad)]) != 0


def test_the_demo_extract_imports(tmp_path: Path) -> None:
    import datetime as dt

    from civiclab.funding.demo_catalogue import write_demo_extract

    run = import_catalogue(None, write_demo_extract(tmp_path, dt.date(2026, 12, 6)))
    assert run.status == "succeeded" and run.created >= 10
    assert import_catalogue(None, tmp_path / run.file_name).unchanged == run.created
