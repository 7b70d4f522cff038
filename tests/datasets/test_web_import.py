"""Importing from the browser: upload → check the columns → import → the job's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import TemporaryUploadedFile

from civiclab.core.permissions import Visibility
from civiclab.datasets import services
from civiclab.datasets.models import Dataset, ImportJob
from civiclab.datasets.views.imports import pending_dir
from tests.clients import as_user, body
from tests.datasets.helpers import write
from tests.datasets.web_helpers import (
    NYC_2018,
    column_data,
    column_index,
    make_dataset,
    page_of,
    submit_and_follow,
    upload,
)
from tests.world import World

pytestmark = pytest.mark.django_db


def test_upload_check_and_import_with_overrides(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the NYC 311 file WHEN a member uploads it, sets Unique Key (detected as text, an
    identifier) to a whole number and renames
    Agency, and imports THEN the job runs to done and the dataset has those columns."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # stream to a temporary file, as large files do

    def read_into_memory(*args: Any) -> None:
        raise AssertionError("the upload should be moved, not read again")

    monkeypatch.setattr(TemporaryUploadedFile, "chunks", read_into_memory)
    monkeypatch.setattr(TemporaryUploadedFile, "read", read_into_memory)
    client = as_user(world.user("member"))
    assert "<progress" in body(client.get("/cities/city-a/data/import/"))

    response = upload(client, NYC_2018, "Service requests")
    assert response.status_code == 302
    check_url = response["Location"]
    token = check_url.rstrip("/").rsplit("/", 1)[-1]
    assert (pending_dir() / token / "upload").read_bytes() == NYC_2018.read_bytes()

    response = client.get(check_url)
    page = body(response)
    created = column_index(response, "Created Date")
    assert '<option value="timestamp" selected>' in page
    assert response.context["columns_form"][f"c{created}_type"].value() == "timestamp"
    assert "06/26/2018 10:58:54 AM" in page  # the first rows, as written

    data = column_data(response)
    key, agency = column_index(response, "Unique Key"), column_index(response, "Agency")
    data[f"c{key}_type"] = "integer"
    data[f"c{agency}_name"] = "Agency code"
    data[f"c{created}_nulls"] = "N/A"

    # "Check again" shows the columns as they would be, without importing.
    checked = client.post(check_url, {**data, "action": "check"})
    assert checked.status_code == 200 and not ImportJob.objects.exists()
    assert checked.context["preview"]["columns"][agency]["name"] == "Agency code"

    response = client.post(check_url, {**data, "action": "import"})
    assert response.status_code == 302 and response["Location"].startswith("/data/jobs/")
    job = ImportJob.objects.get()
    assert job.options["overrides"] == {
        "Unique Key": {"type": "integer"},
        "Agency": {"name": "Agency code"},
        "Created Date": {"null_markers": ["N/A"]},
    }
    assert not (pending_dir() / token).exists()

    page = body(client.get(response["Location"]))
    assert "Done" in page and "Imported 1,000 rows as version 1." in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no polling
    assert "/cities/city-a/data/service-requests/" in page
    assert client.get(f"/data/jobs/{job.pk}/status/").status_code == 286

    dataset = Dataset.objects.get(city=world.city, slug="service-requests")
    columns = {c["source"]: c for c in dataset.current_version.columns}
    assert columns["Unique Key"]["type"] == "integer"
    assert columns["Agency"]["name"] == "Agency code"
    assert columns["Created Date"]["type"] == "timestamp"
    assert dataset.owner == world.user("member") and dataset.visibility == "city"
    # The check page of a used upload is gone.
    assert client.get(check_url).status_code == 302


def test_an_htmx_upload_is_sent_to_the_check_page(world: World, tmp_path: Path) -> None:
    client = as_user(world.user("member"))
    path = write(tmp_path / "small.csv", "id,name\n1,a\n")
    with path.open("rb") as handle:
        response = client.post(
            "/cities/city-a/data/import/",
            {
                "dataset": "Small",
                "format": "auto",
                "mode": "replace",
                "max_bad_rows": "0",
                "visibility": "city",
                "file": handle,
            },
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/cities/city-a/data/import/")


def test_job_page_polls_while_running(world: World) -> None:
    job = ImportJob.objects.create(
        city=world.city,
        dataset_name="Potholes",
        upload="uploads/none",
        state=ImportJob.State.RUNNING,
        stage="converting",
        progress=0.4,
        created_by=world.user("member"),
    )
    assert as_user(world.user("viewer")).get(f"/data/jobs/{job.pk}/").status_code == 404
    client = as_user(world.user("member"))
    page = body(client.get(f"/data/jobs/{job.pk}/"))
    assert 'hx-trigger="every 1s"' in page and 'role="status"' in page
    assert '<progress id="job-progress" max="100" value="40">' in page
    assert "Reading the file and converting its values" in page
    status = client.get(f"/data/jobs/{job.pk}/status/")
    assert status.status_code == 200 and "<html" not in body(status)
    job.state, job.stage = ImportJob.State.DONE, "done"
    job.save()
    status = client.get(f"/data/jobs/{job.pk}/status/")
    assert status.status_code == 286  # htmx stops polling
    assert 'id="job-result" hx-swap-oob="true"' in body(status)


def test_a_failing_import_shows_its_report(world: World, tmp_path: Path) -> None:
    """GIVEN a file with a latitude of 95 WHEN it is imported THEN the job page says nothing
    was imported, with the count per reason and the row, column and value as written."""
    client = as_user(world.user("member"))
    bad = write(tmp_path / "bad.csv", "id,lat\n1,40.5\n2,95\n3,41\n")
    job, page = submit_and_follow(client, bad, "Sensors")
    assert job.state == ImportJob.State.FAILED
    assert "Failed" in page and "Nothing was imported; the dataset is unchanged." in page
    assert "not a latitude between -90 and 90" in page
    assert '<td data-label="Row">2</td>' in page and '<code class="raw">95</code>' in page
    assert not Dataset.objects.filter(slug="sensors").exists()

    # A failed import into an existing dataset shows on the dataset's page too.
    dataset = make_dataset(world, tmp_path, "Trees", "id,lat\n1,40\n")
    job, _ = submit_and_follow(client, bad, "Trees", add_version="on")
    assert job.state == ImportJob.State.FAILED and job.dataset == dataset
    page = body(client.get(page_of(dataset)))
    assert "Failed imports" in page and '<code class="raw">95</code>' in page


def test_accepted_bad_rows_show_on_the_dataset_page(world: World, tmp_path: Path) -> None:
    client = as_user(world.user("member"))
    bad = write(tmp_path / "bad.csv", "id,lat\n1,40.5\n2,95\n3,41\n")
    job, _ = submit_and_follow(client, bad, "Sensors", max_bad_rows="5")
    assert job.state == ImportJob.State.DONE
    page = body(client.get(page_of(job.dataset)))
    assert "1 row of the file did not fit its columns" in page
    assert '<code class="raw">95</code>' in page


def test_an_unreadable_file_shows_the_form_again(world: World, tmp_path: Path) -> None:
    """GIVEN a CSV declared as Excel WHEN it is checked THEN the form comes back with why,
    and the upload is not kept."""
    client = as_user(world.user("member"))
    before = set(pending_dir().glob("*")) if pending_dir().exists() else set()
    path = write(tmp_path / "data.csv", "id,name\n1,a\n")
    response = upload(client, path, "Mixed", format="xlsx")
    assert response.status_code == 200
    page = body(response)
    assert 'role="alert"' in page and "which the &#x27;xlsx&#x27; format cannot read" in page
    assert 'name="dataset" value="Mixed"' in page
    assert set(pending_dir().glob("*")) == before

    empty = write(tmp_path / "empty.csv", "\n\n")
    response = upload(client, empty, "Empty")
    assert response.status_code == 200 and "The file is empty." in body(response)


def test_upload_form_checks_modes_and_names(world: World, tmp_path: Path) -> None:
    client = as_user(world.user("member"))
    path = write(tmp_path / "a.csv", "id\n1\n")
    page = body(upload(client, path, "New one", mode="append"))
    assert "There is no dataset called “New one” to add to" in page
    make_dataset(world, tmp_path)
    page = body(upload(client, path, "Potholes", mode="upsert"))
    assert "Upsert needs a key column." in page
    assert "This name is reserved" in body(upload(client, path, "Import"))
    # A member may not publish beyond the city: the choice is not offered, and refused.
    form = body(client.get("/cities/city-a/data/import/"))
    assert 'value="public"' not in form and 'value="city"' in form
    assert "Select a valid choice" in body(upload(client, path, "Open", visibility="public"))
    admin_form = body(as_user(world.user("city_admin")).get("/cities/city-a/data/import/"))
    assert 'value="public"' in admin_form


def test_a_member_may_not_create_a_public_dataset(world: World, tmp_path: Path) -> None:
    """Making a dataset wider than the city is publishing, as changing its visibility is."""
    path = write(tmp_path / "a.csv", "id\n1\n")
    options = services.ImportOptions(visibility=Visibility.PUBLIC)
    with pytest.raises(PermissionDenied):
        services.import_file(world.user("member"), world.city, "Open", path, "a.csv", options)
    version = services.import_file(
        world.user("city_admin"), world.city, "Open", path, "a.csv", options
    )
    assert version.dataset.visibility == Visibility.PUBLIC


def test_a_network_admin_follows_their_import(world: World, tmp_path: Path) -> None:
    """Network admins hold no city membership; their import's job page must still show."""
    client = as_user(world.user("network_admin"))
    job, page = submit_and_follow(client, write(tmp_path / "a.csv", "id\n1\n"), "Counts")
    assert job.state == ImportJob.State.DONE and "Imported 1 row as version 1." in page
