"""The datasets REST API: catalogue, rows, versions, uploads, jobs, downloads and who sees what."""

from __future__ import annotations

import io
import json
from itertools import count
from pathlib import Path
from typing import Any, get_args

import pyarrow.parquet as pq
import pytest
import shapely
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civiclab.audit.models import AuditEvent
from civiclab.core.permissions import Visibility
from civiclab.datasets import jobs, services
from civiclab.datasets.ingest.formats import FORMATS
from civiclab.datasets.models import Dataset, ImportJob
from civiclab.datasets.queries import visible_datasets
from civiclab.datasets.schemas import Format, Mode
from tests.datasets.helpers import REAL, write
from tests.permission_matrix import api_headers, check_permission_matrix
from tests.world import World

pytestmark = pytest.mark.django_db

NYC_2018 = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
SYRACUSE = REAL / "syracuse-downtown-parcels/downtown-syr.geojson"
BASE = "/api/v1/cities/city-a/datasets"
TINY = """\
id,name,amount,opened,closed_at
1,Alice,10.5,2024-01-02,2024-01-03 10:00
2,Bob,3,2024-02-01,
3,alison,7.25,2024-03-05,2024-03-06 08:30
4,Carol,,2024-04-01,2024-04-02 12:00
5,Dan,100,2024-05-01,2024-05-01 09:15
"""


def call(method: str, url: str, user: Any = None, body: Any = None, **extra: Any):
    client = Client()
    if body is not None:
        extra.setdefault("content_type", "application/json")
        return getattr(client, method)(url, json.dumps(body), **api_headers(user), **extra)
    return getattr(client, method)(url, **api_headers(user), **extra)


def upload(url: str, user: Any, path: Path, **fields: Any):
    """A multipart POST, as a browser or ``curl -F`` sends it."""
    with path.open("rb") as handle:
        return Client().post(url, {"file": handle, **fields}, **api_headers(user))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    return body["error"]


def make_dataset(
    world: World,
    name: str,
    path: Path,
    visibility: Visibility = Visibility.CITY,
    **options: Any,
) -> Dataset:
    version = services.import_file(
        None, world.city, name, path, path.name, services.ImportOptions(**options)
    )
    dataset = version.dataset
    dataset.visibility = visibility
    dataset.team = world.team if visibility is Visibility.TEAM else None
    dataset.save()
    return dataset


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write(tmp_path / "tiny.csv", TINY)


# --- reading ---------------------------------------------------------------------------------


def test_list_filters_by_city_and_shows_what_the_caller_sees(world: World, tiny: Path) -> None:
    make_dataset(world, "Requests", tiny)
    make_dataset(world, "Open budget", tiny, Visibility.PUBLIC)
    member = world.user("member")
    page = call("get", "/api/v1/datasets?city=city-a", member).json()
    assert page["count"] == 2 and page["limit"] == 50
    assert [d["slug"] for d in page["items"]] == ["open-budget", "requests"]
    item = page["items"][1]
    assert item["city"] == "city-a" and item["visibility"] == "city"
    assert item["version"] == 1 and item["rows"] == 5 and item["owner"] is None
    assert {"description", "source", "update_frequency", "licence", "updated_at"} <= set(item)
    assert call("get", "/api/v1/datasets?city=city-b", member).json()["count"] == 0
    anonymous = call("get", "/api/v1/datasets").json()
    assert [d["slug"] for d in anonymous["items"]] == ["open-budget"]


def test_detail_has_the_current_version_columns_and_profile(world: World) -> None:
    make_dataset(world, "311", NYC_2018)
    body = call("get", f"{BASE}/311", world.user("viewer")).json()
    assert body["rows"] == 1000 and body["version"] == 1
    columns = {c["name"]: c for c in body["columns"]}
    assert set(columns["Created Date"]) == {"name", "type", "format"}
    assert columns["Created Date"]["type"] == "timestamp"
    assert body["profile"]["rows"] == 1000
    assert {c["name"] for c in body["profile"]["columns"]} == set(columns)
    assert_error(call("get", f"{BASE}/nothing", world.user("viewer")), 404, "not_found")


def test_rows_page_sort_and_filter(world: World, tiny: Path) -> None:
    make_dataset(world, "Requests", tiny)
    member = world.user("member")
    url = f"{BASE}/requests/rows"
    body = call("get", f"{url}?page=2&page_size=2&sort=id", member).json()
    assert body["total"] == 5 and body["pages"] == 3 and body["page"] == 2
    assert [r["id"] for r in body["rows"]] == ["3", "4"]  # an id stays text
    assert [c["name"] for c in body["columns"]] == ["id", "name", "amount", "opened", "closed_at"]
    # JSON-safe values: dates and times as ISO text, times in UTC (city A is in New York).
    assert body["rows"][0] == {
        "id": "3",
        "name": "alison",
        "amount": 7.25,
        "opened": "2024-03-05",
        "closed_at": "2024-03-06T13:30:00+00:00",
    }
    by_amount = call("get", f"{url}?sort=amount&desc=true", member).json()
    assert [r["amount"] for r in by_amount["rows"]] == [100.0, 10.5, 7.25, 3.0, None]
    filtered = call("get", f"{url}?filter=name:ALI&sort=id", member).json()
    assert filtered["total"] == 2 and [r["name"] for r in filtered["rows"]] == ["Alice", "alison"]
    both = call("get", f"{url}?filter=name:ali&filter=opened:-03-", member).json()
    assert [r["id"] for r in both["rows"]] == ["3"]
    assert call("get", f"{url}?page=9", member).json()["rows"] == []


def test_rows_refuse_unknown_columns_and_bad_paging(world: World, tiny: Path) -> None:
    make_dataset(world, "Requests", tiny)
    member = world.user("member")
    url = f"{BASE}/requests/rows"
    error = assert_error(call("get", f"{url}?sort=nope", member), 422, "validation_error")
    assert error["details"][0]["field"] == "sort"
    error = assert_error(call("get", f"{url}?filter=nope:x", member), 422, "validation_error")
    assert error["details"][0]["field"] == "filter"
    assert_error(call("get", f"{url}?filter=no-colon", member), 422, "validation_error")
    assert_error(call("get", f"{url}?page_size=501", member), 422, "validation_error")
    assert_error(call("get", f"{url}?page=0", member), 422, "validation_error")


def test_a_filter_on_a_column_whose_name_has_a_colon(world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "Time: local,n\n09:30,1\n10:45,2\n")
    make_dataset(world, "Times", path)
    body = call("get", f"{BASE}/times/rows?filter=Time: local:10:4", world.user("member")).json()
    assert body["rows"] == [{"Time: local": "10:45", "n": 2}]


def test_geometry_rows_are_whole_wkt_text(world: World) -> None:
    make_dataset(world, "Parcels", SYRACUSE)
    body = call("get", f"{BASE}/parcels/rows?page_size=20", world.user("member")).json()
    geometry = [c["name"] for c in body["columns"] if c["type"] == "geometry"]
    assert len(geometry) == 1
    shapes = [row[geometry[0]] for row in body["rows"]]
    assert all(isinstance(text, str) for text in shapes)
    assert max(len(text) for text in shapes) > 120  # not cut to fit a table cell
    assert all(shapely.from_wkt(text).is_valid for text in shapes)
    assert body["total"] == call("get", f"{BASE}/parcels", world.user("member")).json()["rows"]


# --- changing --------------------------------------------------------------------------------


def test_update_metadata_through_the_service(world: World, tiny: Path) -> None:
    make_dataset(world, "Requests", tiny)
    changes = {
        "name": "Service requests",
        "description": "Every request since 2024",
        "source": "https://data.example.org/311",
        "update_frequency": "weekly",
        "licence": "ODbL",
    }
    response = call("patch", f"{BASE}/requests", world.user("member"), changes)
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in changes} == changes
    assert response.json()["slug"] == "requests"  # a new name keeps the address
    assert AuditEvent.objects.filter(action="dataset.update", city=world.city).exists()
    error = assert_error(
        call("patch", f"{BASE}/requests", world.user("member"), {"update_frequency": "hourly"}),
        422,
        "validation_error",
    )
    assert error["details"][0]["field"] == "update_frequency"
    # Widening who sees it is publishing: city admins only.
    widen = {"visibility": "public"}
    assert_error(call("patch", f"{BASE}/requests", world.user("member"), widen), 403, "forbidden")
    assert call("patch", f"{BASE}/requests", world.user("city_admin"), widen).status_code == 200


def test_versions_and_rollback(world: World, tiny: Path) -> None:
    make_dataset(world, "311", NYC_2018)
    make_dataset(world, "311", tiny, add_version=True)
    member = world.user("member")
    versions = call("get", f"{BASE}/311/versions", member).json()
    assert versions["count"] == 2
    newest, oldest = versions["items"]
    assert (newest["number"], newest["rows"], newest["current"]) == (2, 5, True)
    assert (oldest["number"], oldest["rows"], oldest["current"]) == (1, 1000, False)
    assert oldest["mode"] == "replace" and oldest["source_name"] == NYC_2018.name
    assert oldest["bad_rows"] == 0 and oldest["created_by"] is None and oldest["format"] == "csv"
    back = call("post", f"{BASE}/311/rollback", member, {"version": 1})
    assert back.status_code == 200, back.content
    assert back.json()["version"] == 1 and back.json()["rows"] == 1000
    current = [v["number"] for v in call("get", f"{BASE}/311/versions", member).json()["items"]]
    assert current == [2, 1]
    assert call("get", f"{BASE}/311/rows?page_size=1", member).json()["total"] == 1000
    assert_error(call("post", f"{BASE}/311/rollback", member, {"version": 7}), 422, "version")
    viewer = world.user("viewer")
    assert_error(call("post", f"{BASE}/311/rollback", viewer, {"version": 2}), 403, "forbidden")
    assert Dataset.objects.get(slug="311").current_version.number == 1


# --- uploads, previews and jobs --------------------------------------------------------------


@pytest.mark.parametrize("in_memory_limit", [100, 10 * 1024 * 1024], ids=["on-disk", "in-memory"])
def test_upload_imports_in_the_background(
    world: World, settings: Any, in_memory_limit: int
) -> None:
    """GIVEN a member and a real 311 export WHEN they upload it as multipart form data
    THEN the answer is 202 with a job, the job runs to done and the dataset exists,
    whether Django kept the upload on disk or (small) in memory; no copy is left behind."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = in_memory_limit
    member = world.user("member")
    response = upload(f"{BASE}/nyc-311/imports", member, NYC_2018, name="NYC 311", mode="replace")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["url"] == f"http://testserver/api/v1/jobs/{job['id']}"
    assert response["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["state"] == "done" and job["error"] is None  # jobs run at once in tests
    followed = call("get", f"/api/v1/jobs/{job['id']}", member).json()
    assert followed["state"] == "done" and followed["progress"] == 1.0
    assert followed["dataset"] == "nyc-311" and followed["version"] == 1
    dataset = Dataset.objects.get(city=world.city, slug="nyc-311")
    assert dataset.name == "NYC 311" and dataset.current_version.rows == 1000
    assert dataset.owner == member and dataset.current_version.source_name == NYC_2018.name
    assert not list(jobs.uploads_dir().iterdir())
    assert not list(Path(settings.FILE_UPLOAD_TEMP_DIR).glob("*.upload*"))


def test_upload_options_reach_the_import(world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "Zip,Opened,lat\n01234,03/04/2024,40\n02345,05/06/2024,99\n")
    columns = json.dumps({"Opened": {"type": "date", "format": "%d/%m/%Y", "name": "opened"}})
    response = upload(
        f"{BASE}/zips/imports",
        world.user("city_admin"),  # sharing a new dataset with the network is publishing
        path,
        columns=columns,
        max_bad_rows="1",
        visibility="network",
        description="ZIP codes",
        format="csv",
    )
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "done", response.json()["error"]
    body = call("get", f"{BASE}/zips", world.user("member")).json()
    assert body["visibility"] == "network" and body["description"] == "ZIP codes"
    assert {c["name"]: c["type"] for c in body["columns"]} == {
        "Zip": "text",
        "opened": "date",
        "lat": "latitude",
    }
    rows = call("get", f"{BASE}/zips/rows", world.user("member")).json()["rows"]
    assert rows == [{"Zip": "01234", "opened": "2024-04-03", "lat": 40.0}]
    versions = call("get", f"{BASE}/zips/versions", world.user("member")).json()
    assert versions["items"][0]["bad_rows"] == 1


def test_bad_uploads_fail_the_job_with_the_report(world: World, tmp_path: Path) -> None:
    member = world.user("member")
    bad = write(tmp_path / "lat.csv", "id,lat\n1,40\n2,95\n3,-91\n")
    job = upload(f"{BASE}/places/imports", member, bad).json()
    assert job["state"] == "failed" and job["stage"] == "failed"
    assert job["error"]["code"] == "bad_rows"
    report = job["error"]["report"]
    assert report["bad_rows"] == 2
    assert report["examples"][0] == {
        "row": 2,
        "column": "lat",
        "value": "95",
        "reason": "not a latitude between -90 and 90",
    }
    assert call("get", f"/api/v1/jobs/{job['id']}", member).json()["error"] == job["error"]
    assert not Dataset.objects.filter(slug="places").exists()
    # An empty (or oversized) file is refused at once, before a job is queued.
    empty = upload(f"{BASE}/places/imports", member, write(tmp_path / "e.csv", b""))
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty"
    unknown = upload(f"{BASE}/places/imports", member, bad, columns='{"nope": {"type": "text"}}')
    assert unknown.json()["error"]["code"] == "override"


def test_invalid_upload_forms_are_refused_at_once(world: World, tiny: Path) -> None:
    member = world.user("member")
    url = f"{BASE}/requests/imports"
    for fields, field in [
        ({"mode": "merge"}, "mode"),
        ({"format": "pdf"}, "format"),
        ({"mode": "upsert"}, "key"),
        ({"max_bad_rows": "-1"}, "max_bad_rows"),
        ({"columns": "{not json"}, "columns"),
        ({"columns": '["id"]'}, "columns"),
        ({"columns": '{"id": {"type": "colour"}}'}, "columns"),
        ({"columns": '{"id": {"nullable": true}}'}, "columns"),
        ({"name": "Something else"}, "name"),
    ]:
        error = assert_error(upload(url, member, tiny, **fields), 422, "validation_error")
        assert error["details"][0]["field"] == field, (fields, error)
        if fields.get("columns", "").startswith('{"id"'):
            assert error["details"][0]["message"].startswith("Value error, id.")
    not_a_slug = upload(f"{BASE}/Not a Slug/imports", member, tiny)
    assert assert_error(not_a_slug, 422, "validation_error")["details"][0]["field"] == "dataset"
    no_file = Client().post(url, {"mode": "replace"}, **api_headers(member))
    assert assert_error(no_file, 422, "validation_error")["details"][0]["field"] == "file"
    assert not ImportJob.objects.exists()


def test_preview_shows_columns_and_first_rows_as_written(world: World, tiny: Path) -> None:
    response = upload(
        f"{BASE}/requests/preview",
        world.user("member"),
        tiny,
        columns='{"amount": {"type": "text", "null_markers": ["n/a"]}}',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["format"] == "csv" and body["details"]["delimiter"] == ","
    types = {c["source"]: c["type"] for c in body["columns"]}
    assert types == {
        "id": "text",  # an identifier stays text
        "name": "text",
        "amount": "text",
        "opened": "date",
        "closed_at": "timestamp",
    }
    assert body["columns"][2]["null_markers"] == ["n/a"]
    assert body["sample"]["rows"][0] == {
        "id": "1",
        "name": "Alice",
        "amount": "10.5",
        "opened": "2024-01-02",
        "closed_at": "2024-01-03 10:00",
    }
    assert not Dataset.objects.exists() and not ImportJob.objects.exists()


def test_preview_of_a_bad_file_is_a_422_saying_why(world: World, tmp_path: Path) -> None:
    member = world.user("member")
    duplicate = write(tmp_path / "dup.csv", "a,A\n1,2\n")
    error = assert_error(upload(f"{BASE}/x/preview", member, duplicate), 422, "header")
    assert "twice" in error["message"] and error["details"] is None
    binary = write(tmp_path / "bin.csv", b"a,b\n\x00\x01\x02\n")
    assert_error(upload(f"{BASE}/x/preview", member, binary), 422, "encoding")
    override = upload(f"{BASE}/x/preview", member, duplicate, columns='{"z": {"type": "text"}}')
    assert_error(override, 422, "header")


def test_ingest_errors_carry_their_report_in_details(world: World, monkeypatch) -> None:
    """The one error shape for a file refused with bad rows: details is the report."""
    from civiclab.datasets.ingest.report import ImportReport, IngestError, Problem

    report = ImportReport(bad_rows=1)
    report.add(Problem("not a whole number", row=3, column="id", value="x"))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise IngestError("1 row(s) could not be read.", report=report, code="bad_rows")

    monkeypatch.setattr(services, "preview_file", refuse)
    response = upload(f"{BASE}/x/preview", world.user("member"), NYC_2018)
    error = assert_error(response, 422, "bad_rows")
    assert error["details"] == {
        "bad_rows": 1,
        "counts": {"not a whole number": 1},
        "examples": [{"row": 3, "column": "id", "value": "x", "reason": "not a whole number"}],
        # Each reason's template, for clients that show it in their own words (issue 10.23).
        "reasons": {"not a whole number": {"template": "not a whole number", "params": {}}},
    }


# --- downloads -------------------------------------------------------------------------------


def _body(response) -> bytes:
    # Reading to the end closes the response (and the file) as a WSGI server would; closing
    # it again here would also close the test's database connection on PostgreSQL.
    return b"".join(response.streaming_content)


def test_downloads_stream_csv_and_parquet(world: World) -> None:
    make_dataset(world, "Parcels", SYRACUSE, Visibility.PUBLIC)
    exports = settings.DATA_DIR / "exports"
    csv = Client().get(f"{BASE}/parcels/download.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert 'filename="parcels-v1.csv"' in csv["Content-Disposition"]
    lines = _body(csv).decode().splitlines()
    rows = call("get", f"{BASE}/parcels").json()["rows"]
    assert len(lines) > rows  # a header, and WKT polygons may span lines inside quotes
    assert "POLYGON" in "".join(lines[1:3])
    parquet = Client().get(f"{BASE}/parcels/download.parquet")
    assert 'filename="parcels-v1.parquet"' in parquet["Content-Disposition"]
    table = pq.read_table(io.BytesIO(_body(parquet)))
    assert table.num_rows == rows and "__civiclab_refused" not in table.column_names
    assert not list(exports.iterdir()), "temporary export files left behind"


# --- permissions -----------------------------------------------------------------------------


def test_who_may_import(world: World, tiny: Path) -> None:
    url = f"{BASE}/requests/imports"
    assert_error(upload(url, None, tiny), 401, "unauthenticated")
    assert_error(upload(url, world.user("viewer"), tiny), 403, "forbidden")
    assert_error(upload(f"{BASE}/requests/preview", world.user("viewer"), tiny), 403, "forbidden")
    assert_error(upload(url, world.user("other_city_admin"), tiny), 403, "forbidden")
    # City A is not visible from another network at all.
    assert_error(upload(url, world.user("other_network_admin"), tiny), 404, "not_found")
    assert not ImportJob.objects.exists()
    # A team dataset is invisible outside the team: importing into it is a 404, not a 403.
    make_dataset(world, "Team data", tiny, Visibility.TEAM)
    team_url = f"{BASE}/team-data/imports"
    assert_error(upload(team_url, world.user("other_team_member"), tiny), 404, "not_found")
    added = upload(team_url, world.user("team_member"), tiny, add_version="true")
    assert added.json()["state"] == "done"
    assert not list(jobs.uploads_dir().iterdir())


def test_jobs_are_seen_by_their_author_and_the_admins(world: World, tiny: Path) -> None:
    """A job's report quotes the file's values: its author and the city's and network's
    admins see it, other members of the city do not."""
    job = upload(f"{BASE}/requests/imports", world.user("team_member"), tiny).json()
    assert job["state"] == "done"
    url = f"/api/v1/jobs/{job['id']}"
    for actor in ("team_member", "network_admin", "city_admin"):
        assert call("get", url, world.user(actor)).status_code == 200, actor
    for actor in ("member", "viewer", "other_city_admin", "other_network_admin", "no_membership"):
        assert_error(call("get", url, world.user(actor)), 404, "not_found")
    assert_error(call("get", url), 401, "unauthenticated")


def test_anonymous_reads_public_rows_only(world: World, tiny: Path) -> None:
    make_dataset(world, "Open", tiny, Visibility.PUBLIC)
    make_dataset(world, "Closed", tiny, Visibility.CITY)
    assert call("get", f"{BASE}/open/rows").json()["total"] == 5
    for path in ("", "/rows", "/versions", "/download.csv", "/download.parquet"):
        assert_error(call("get", f"{BASE}/closed{path}"), 404, "not_found")
        other = world.user("other_city_admin")
        assert_error(call("get", f"{BASE}/closed{path}", other), 404, "not_found")
    assert_error(call("patch", f"{BASE}/open", None, {"name": "x"}), 401, "unauthenticated")


def test_dataset_matrix(world: World, tmp_path: Path) -> None:
    """GIVEN a dataset of city A at each visibility WHEN each kind of person reaches it
    THEN only the people the rules name see it or change it through the API."""
    path = write(tmp_path / "m.csv", "id,name\n1,a\n")
    numbers = count()

    def make(w: World, vis: Visibility) -> Dataset:
        return make_dataset(w, f"matrix {next(numbers)}", path, vis)

    check_permission_matrix(
        world,
        make,
        queryset=visible_datasets,
        api_url=lambda d: f"/api/v1/cities/{d.city.slug}/datasets/{d.slug}/rows",
        api_update=lambda d: (
            f"/api/v1/cities/{d.city.slug}/datasets/{d.slug}",
            {"description": "x"},
        ),
    )


# --- the rest --------------------------------------------------------------------------------


def test_schema_choices_match_the_services() -> None:
    assert set(get_args(Format)) == set(FORMATS)
    assert set(get_args(Mode)) == set(services.MODES)


def test_list_query_count_does_not_grow(world: World, tiny: Path) -> None:
    user = world.user("city_admin")
    headers = api_headers(user)
    Client().get("/api/v1/me", **headers)  # a token's first use writes last_used_at

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert Client().get("/api/v1/datasets", **headers).status_code == 200
        return len(captured)

    make_dataset(world, "one", tiny)
    few = queries()
    for n in range(4):
        make_dataset(world, f"more {n}", tiny, Visibility.PUBLIC)
    assert queries() == few <= 5
