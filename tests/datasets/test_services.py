"""Importing through the services: versions, modes, rollback, and nothing changed on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from civiclab.audit.models import AuditEvent
from civiclab.datasets import services
from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset, DatasetVersion
from civiclab.datasets.queries import city_query, version_path
from tests.datasets.helpers import REAL, write
from tests.world import World

pytestmark = pytest.mark.django_db

NYC_2018 = REAL / "nyc311-2018-socrata-1k/311_Service_Requests.csv"
NYC_2022 = REAL / "nyc311-2022-socrata/311_Service_Requests_from_2010_to_Present.csv"


def do_import(world: World, path: Path, name: str = "311", actor: str = "member", **options):
    return services.import_file(
        world.user(actor), world.city, name, path, path.name, services.ImportOptions(**options)
    )


def test_import_makes_a_version_with_profile_and_audit(world: World) -> None:
    version = do_import(world, NYC_2018)
    dataset = Dataset.objects.get(city=world.city, slug="311")
    assert dataset.current_version == version and version.number == 1
    assert version.rows == 1000 and version.details["format"] == "csv"
    assert version_path(version).exists()
    profile = {c["name"]: c for c in version.profile["columns"]}
    assert "2014" < profile["Created Date"]["min"] < profile["Created Date"]["max"] < "2020"
    assert profile["Agency"]["top"][0]["count"] > 0
    assert AuditEvent.objects.filter(action="dataset.import", city=world.city).exists()
    assert dataset.owner == world.user("member") and dataset.visibility == "city"


def test_replace_append_upsert_and_rollback(world: World) -> None:
    do_import(world, NYC_2018)
    appended = do_import(world, NYC_2022, mode="append")
    assert appended.number == 2 and appended.rows == 1924
    # Upsert the 2018 file again: every key already exists, so the count stays.
    upserted = do_import(world, NYC_2018, mode="upsert", key="Unique Key")
    assert upserted.rows == 1924
    replaced = do_import(world, NYC_2022, add_version=True)
    assert replaced.rows == 924
    dataset = Dataset.objects.get(slug="311")
    services.rollback(world.user("city_admin"), dataset, 2)
    dataset.refresh_from_db()
    assert dataset.current_version.number == 2
    assert list(dataset.versions.values_list("number", flat=True)) == [4, 3, 2, 1]


def test_upsert_keeps_the_latest_update(world: World, tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.csv",
        "id,status,updated_at\n1,open,2024-01-01 10:00\n2,open,2024-01-01 10:00\n",
    )
    second = write(
        tmp_path / "b.csv",
        "id,status,updated_at\n1,closed,2024-01-02 09:00\n"
        "2,stale,2023-12-31 09:00\n3,open,2024-01-03 08:00\n",
    )
    do_import(world, first, "requests")
    do_import(world, second, "requests", mode="upsert", key="id")
    with city_query(world.user("member"), world.city) as query:
        result = query.execute("SELECT id, status FROM requests ORDER BY id").rows
    assert result == [("1", "closed"), ("2", "open"), ("3", "open")]  # ids stay text


def bad_files(tmp_path: Path) -> dict[str, Path]:
    from tests.datasets.test_bad_input import feature_collection, zipped

    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    geo = tmp_path / "geo"
    geo.mkdir()
    return {
        "empty": write(tmp_path / "empty.csv", b""),
        "header only": write(tmp_path / "header.csv", "a,b\n"),
        "undecodable": write(tmp_path / "bytes.csv", b"a\n\x81\n"),
        "binary": write(tmp_path / "binary.csv", b"a\n\x00\x01\n"),
        "ragged": write(tmp_path / "ragged.csv", "a,b\n1,2\n3\n"),
        "duplicate header": write(tmp_path / "dup.csv", "a,a\n1,2\n"),
        "blank header": write(tmp_path / "blank.csv", "a,,c\n1,2,3\n"),
        "value of the wrong type": write(tmp_path / "n.csv", "id\n" + "1\n" * 30000 + "x\n"),
        "latitude outside 90": write(tmp_path / "lat.csv", "id,lat\n1,40\n2,99\n"),
        "invalid geometry": feature_collection(geo, [square, bowtie]),
        "empty geometry": feature_collection(geo, [{"type": "Polygon", "coordinates": []}]),
        "damaged zip": write(tmp_path / "x.zip", b"PK\x03\x04garbage"),
        "zip without a shapefile": zipped(tmp_path, {"readme.txt": b"hello"}),
        "zip bomb": zipped(geo, {"a.shp": b"\0" * 5_000_000, "a.dbf": b"\0"}),
    }


def test_failed_imports_change_nothing(world: World, tmp_path: Path) -> None:
    """GIVEN a dataset at version 1 WHEN each kind of bad file is imported into it
    THEN each is refused with a message and version 1 is still current and readable."""
    good = do_import(world, NYC_2018)
    staging = settings.DATASETS_DIR / str(world.city.pk) / "staging"
    for kind, path in bad_files(tmp_path).items():
        with pytest.raises(IngestError) as caught:
            do_import(world, path)
        assert caught.value.message, kind
        dataset = Dataset.objects.get(slug="311")
        assert dataset.current_version_id == good.pk, kind
        assert DatasetVersion.objects.count() == 1, kind
        assert not list(staging.iterdir()), f"{kind}: staging files left behind"
    with city_query(world.user("member"), world.city) as query:
        assert query.execute('SELECT count(*) FROM "311"').rows == [(1000,)]


def test_a_failed_first_import_creates_no_dataset(world: World, tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        do_import(world, write(tmp_path / "x.csv", "a,b\n1\n"), "new one")
    assert not Dataset.objects.filter(slug="new-one").exists()


def test_file_over_the_size_limit(world: World, tmp_path: Path, settings) -> None:
    good = do_import(world, write(tmp_path / "small.csv", "a\n1\n"))
    settings.MAX_UPLOAD_BYTES = 100
    with pytest.raises(IngestError) as caught:
        do_import(world, write(tmp_path / "big.csv", "a\n" + "1\n" * 100), add_version=True)
    assert caught.value.code == "too_large" and "CIVICLAB_MAX_UPLOAD_MB" in caught.value.message
    assert Dataset.objects.get(slug="311").current_version == good


def test_append_needs_the_same_columns(world: World, tmp_path: Path) -> None:
    do_import(world, write(tmp_path / "a.csv", "a,b\n1,2\n"), "t")
    with pytest.raises(IngestError) as caught:
        do_import(world, write(tmp_path / "b.csv", "a,c\n1,2\n"), "t", mode="append")
    assert caught.value.message.startswith("To append or upsert, the file needs the dataset's")
    assert "missing 'b'" in caught.value.message and "new 'c'" in caught.value.message


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("member", True), ("city_admin", True), ("viewer", False), ("other_city_admin", False)],
)
def test_who_may_import(world: World, actor: str, allowed: bool) -> None:
    if allowed:
        assert do_import(world, NYC_2018, actor=actor).rows == 1000
    else:
        with pytest.raises(PermissionDenied):
            do_import(world, NYC_2018, actor=actor)


def test_city_query_sees_only_what_the_user_may(world: World, tmp_path: Path) -> None:
    do_import(world, write(tmp_path / "a.csv", "a\n1\n"), "private", visibility="city")
    shared = services.import_file(
        world.user("other_city_admin"),
        world.other_city,
        "shared",
        write(tmp_path / "b.csv", "b\n2\n"),
        "b.csv",
        services.ImportOptions(visibility="network"),
    )
    services.import_file(
        world.user("other_city_admin"),
        world.other_city,
        "secret",
        write(tmp_path / "c.csv", "c\n3\n"),
        "c.csv",
        services.ImportOptions(visibility="city"),
    )
    with city_query(world.user("member"), world.city) as query:
        assert query.execute("SELECT * FROM private").rows == [(1,)]
        assert query.execute('SELECT * FROM "city-b".shared').rows == [(2,)]
        with pytest.raises(QueryError):
            query.execute('SELECT * FROM "city-b".secret')
        other_dir = version_path(shared).parent.parent
        with pytest.raises(QueryError, match="Permission"):
            query.execute(f"SELECT * FROM read_parquet('{other_dir}/*/*.parquet')")
    with (
        city_query(world.user("other_city_admin"), world.other_city) as query,
        pytest.raises(QueryError),
    ):
        query.execute('SELECT * FROM "city-a".private')


def test_version_files_are_read_only(world: World) -> None:
    version = do_import(world, NYC_2018)
    assert not version_path(version).stat().st_mode & 0o222
    shutil.rmtree(settings.DATASETS_DIR / str(world.city.pk) / "staging", ignore_errors=True)


def test_preview_needs_the_right_to_import(world: World) -> None:
    options = services.ImportOptions()
    with pytest.raises(PermissionDenied):
        services.preview_file(world.user("viewer"), world.city, NYC_2018, "311.csv", options)
    preview = services.preview_file(world.user("member"), world.city, NYC_2018, "311.csv", options)
    assert preview["columns"][0]["source"] == "Unique Key"


def test_a_renamed_dataset_is_found_by_its_new_name(world: World, tmp_path: Path) -> None:
    do_import(world, write(tmp_path / "a.csv", "a\n1\n"), "Potholes")
    dataset = Dataset.objects.get(slug="potholes")
    services.update_dataset(world.user("city_admin"), dataset, name="Road defects")
    version = do_import(
        world, write(tmp_path / "b.csv", "a\n2\n"), "Road defects", add_version=True
    )
    assert version.dataset == dataset and version.number == 2


def test_names_that_clash_with_pages_are_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="would clash with a page"):
        do_import(world, write(tmp_path / "a.csv", "a\n1\n"), "Import")
    assert not Dataset.objects.exists()
