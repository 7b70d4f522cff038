"""A file with more columns than CIVICLAB_MAX_IMPORT_COLUMNS is refused at once, clearly, on
every way in: preview and import, on the pages, the API and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civiclab.datasets.models import Dataset, ImportJob
from tests.clients import as_user, body
from tests.datasets.test_api import BASE, assert_error, upload
from tests.datasets.web_helpers import upload as upload_page
from tests.world import World

pytestmark = pytest.mark.django_db

COLUMNS = 100_000


@pytest.fixture
def wide(tmp_path: Path) -> Path:
    """100,000 columns and two rows (about 1.5 MB)."""
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(COLUMNS))
    row = ",".join("1" for _ in range(COLUMNS))
    path.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    return path


def _says_why(message: str) -> None:
    assert "100,000 columns" in message and "500" in message, message
    assert "CIVICLAB_MAX_IMPORT_COLUMNS" in message


def test_api_preview_and_import_refuse_too_many_columns(world: World, wide: Path) -> None:
    """GIVEN a CSV with 100,000 columns
    WHEN a member previews or imports it through the API
    THEN the preview is a 422 `too_many_columns` saying the limit (it used to be a 500, the
    engine out of memory), and the import job fails with the same error; nothing is made."""
    member = world.user("member")
    error = assert_error(upload(f"{BASE}/wide/preview", member, wide), 422, "too_many_columns")
    _says_why(error["message"])
    job = upload(f"{BASE}/wide/imports", member, wide).json()
    assert job["state"] == "failed" and job["error"]["code"] == "too_many_columns"
    _says_why(job["error"]["message"])
    assert not Dataset.objects.filter(slug="wide").exists()


def test_upload_page_refuses_too_many_columns(world: World, wide: Path) -> None:
    """GIVEN the same file on the upload page
    THEN the form comes back with the reason (no 500), and no job is queued."""
    response = upload_page(as_user(world.user("member")), wide, "Wide")
    assert response.status_code == 200
    _says_why(body(response).replace("&#x27;", "'"))
    assert not ImportJob.objects.exists()


def test_command_line_refuses_too_many_columns(world: World, wide: Path) -> None:
    for extra in (["--preview"], []):
        with pytest.raises(CommandError) as refused:
            call_command(
                "ingest", str(wide), "--city", world.city.slug, "--dataset", "wide", *extra
            )
        _says_why(str(refused.value))
    assert not Dataset.objects.filter(slug="wide").exists()


def test_the_limit_is_a_setting(world: World, tmp_path: Path, settings) -> None:
    """Exactly the limit is accepted; one more is refused."""
    settings.MAX_IMPORT_COLUMNS = 3
    member = world.user("member")
    fits = tmp_path / "three.csv"
    fits.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert upload(f"{BASE}/three/preview", member, fits).status_code == 200
    four = tmp_path / "four.csv"
    four.write_text("a,b,c,d\n1,2,3,4\n", encoding="utf-8")
    assert_error(upload(f"{BASE}/four/preview", member, four), 422, "too_many_columns")
