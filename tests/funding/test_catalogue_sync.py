"""The worker's sync: the newest dropped file not yet imported, and nothing else."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from civiclab.funding.models import CatalogueImport, Opportunity
from civiclab.funding.tasks import import_dropped_catalogue
from tests.funding.test_catalogue_readers import EXTRACT, extract, synopsis, write

pytestmark = pytest.mark.django_db


def _age(path: Path, seconds: float) -> None:
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_imports_newest_file_once(tmp_path: Path) -> None:
    older = tmp_path / "GrantsDBExtract20240114v2.xml"
    shutil.copy(EXTRACT, older)
    _age(older, 3_600)
    newer = write(tmp_path, extract(synopsis("900")), "GrantsDBExtract20240115v2.xml")
    _age(newer, 600)
    run = import_dropped_catalogue(tmp_path)
    assert run is not None and run.file_name == newer.name and run.created == 1
    assert import_dropped_catalogue(tmp_path) is None  # already imported
    assert CatalogueImport.objects.count() == 1
    assert list(Opportunity.objects.values_list("external_id", flat=True)) == ["900"]


def test_a_file_still_being_copied_waits(tmp_path: Path) -> None:
    write(tmp_path, extract(synopsis("901")), "GrantsDBExtract20240116v2.xml")
    assert import_dropped_catalogue(tmp_path) is None
    assert not CatalogueImport.objects.exists()


def test_a_failed_file_is_recorded_and_not_retried(tmp_path: Path) -> None:
    bad = write(tmp_path, extract(synopsis("902", PostDate="02302024")), "bad.xml")
    _age(bad, 600)
    run = import_dropped_catalogue(tmp_path)
    assert run is not None and run.status == "failed" and "02302024" in run.error
    assert import_dropped_catalogue(tmp_path) is None


def test_no_folder_configured(settings: object) -> None:
    assert import_dropped_catalogue() is None
