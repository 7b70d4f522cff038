"""``civiclab backup`` and ``civiclab restore``: an installation, archived, restored onto a
fresh SQLite data directory and onto a fresh PostgreSQL database, gives back every row and every
file byte for byte — proven by backing the restored installation up again and comparing the two
archives; a backup made at the previous release's migrations restores and upgrades.

The restores run in fresh processes (``python -m civiclab``), as an operator runs them: the data
directory and the database are chosen by the environment at start-up.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from civiclab.core.backup_record import last_backup
from civiclab.datasets import services as datasets
from civiclab.datasets.models import ImportJob
from civiclab.indicators import services as indicators
from civiclab.portfolio import services as portfolio
from civiclab.site.backup import archive
from civiclab.site.backup.archive import ArchiveError
from tests.datasets.helpers import write
from tests.migrated import Migrated
from tests.portfolio import factories
from tests.world import build_world

POSTGRES = "postgres://postgres@127.0.0.1:5432/"
GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate_311.py"
# The migrations of the previous release (the last that landed before backups existed) that the
# current code has moved past: an installation of it is at these.
PREVIOUS_RELEASE = (("notifications", "zero"), ("geo", "0001"), ("datasets", "0003"))


# Runs civiclab commands one after the other in one fresh process (each process start and
# django.setup() costs seconds), printing each command's last line of output.
STEPS = """
import io, json, os, pathlib, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiclab.settings")
import django
django.setup()
from django.core.management import call_command
if len(sys.argv) > 2:  # started ahead: wait for the word to go
    while not pathlib.Path(sys.argv[2]).exists():
        time.sleep(0.005)
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    call_command(*args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    print(lines[-1] if lines else "null", flush=True)
"""


def civiclab(env: dict[str, str], *steps: list[str], timeout: int = 300) -> list[Any]:
    """Run the civiclab commands ``steps`` (each a list of arguments) in one fresh process with
    the environment ``env``; the JSON each printed (commands given ``--json``), else None."""
    done = subprocess.run(
        [sys.executable, "-c", STEPS, json.dumps(steps)],
        env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, f"civiclab {steps} failed:\n{done.stderr[-3000:]}"
    lines = done.stdout.strip().splitlines()[-len(steps) :]
    return [
        json.loads(line) if "--json" in step else None
        for step, line in zip(steps, lines, strict=True)
    ]


def _environment(data_dir: Path, database: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env["CIVICLAB_DATA_DIR"] = str(data_dir)
    if database:
        env["CIVICLAB_DATABASE_URL"] = POSTGRES + database
    return env


def _admin(statement: str) -> None:
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
        admin.execute(statement)


@pytest.fixture
def fresh_installs(tmp_path: Path, migrated: Migrated) -> Iterator[Any]:
    """Makes empty installations: a data directory, and on PostgreSQL a database of its own
    (dropped afterwards), with every migration applied unless ``migrated_already=False`` (a
    copy of the session's migrated installation: tests/migrated.py)."""
    made: list[str] = []

    def make(vendor: str, migrated_already: bool = True) -> dict[str, str]:
        data_dir = tmp_path / f"install-{len(made) + 1}-{vendor}"
        data_dir.mkdir()
        database = None
        if vendor == "postgresql" and migrated_already:
            database = migrated.new_postgres("civiclab_restore")
        elif vendor == "postgresql":
            database = f"civiclab_restore_{uuid.uuid4().hex[:12]}"
            _admin(f'CREATE DATABASE "{database}"')
        elif migrated_already:
            migrated.copy_sqlite(data_dir / "civiclab.sqlite3")
        made.append(database or "")
        return _environment(data_dir, database)

    yield make
    for database in filter(None, made):
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def dump_of(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The database dump (uncompressed) and the manifest of an archive."""
    with tarfile.open(path) as tar:
        dump = tar.extractfile(archive.DATABASE_MEMBER)
        manifest = tar.extractfile(archive.MANIFEST_MEMBER)
        assert dump is not None and manifest is not None
        return gzip.decompress(dump.read()), json.load(manifest)


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for root in archive.FILE_ROOTS
        for p in sorted((folder / root).rglob("*"))
        if p.is_file() and "staging" not in p.parts
    }


@pytest.fixture
def installation(db: None, tmp_path: Path) -> dict[str, Any]:
    """City A with what people make: a dataset in two versions, an indicator, a challenge with
    evidence and an attached file, an idea and a solution, text in several scripts."""
    world = build_world()
    user = world.user("member")
    first = write(tmp_path / "requests.csv", "id,kind,opened,amount\n1,pothole,2024-01-05,12.5\n")
    options = datasets.ImportOptions(visibility="city")
    dataset = datasets.import_file(user, world.city, "Requests", first, first.name, options).dataset
    second = write(
        tmp_path / "requests2.csv",
        "id,kind,opened,amount\n1,pothole,2024-01-05,12.5\n2,nid-de-poule é ש,2024-02-03,7\n",
    )
    datasets.import_file(
        user, world.city, "Requests", second, second.name,
        datasets.ImportOptions(visibility="city", add_version=True),
    )  # fmt: skip
    indicators.create_indicator(user, dataset, "Requests", {"measure": {"type": "count"}})
    challenge = factories.challenge(world.city, title="Vacants — « bâtiments » 🏚")
    evidence = factories.evidence(challenge)
    portfolio.attach_file(user, evidence, io.BytesIO(b"%PDF-1.4 tiny\n"), "survey.pdf")
    factories.idea(challenge)
    factories.solution(challenge)
    return {"world": world, "dataset": dataset}


def test_a_backup_restores_identically_onto_sqlite_and_postgresql(
    installation: dict[str, Any], tmp_path: Path, fresh_installs: Any
) -> None:
    """GIVEN an installation with datasets, attachments, a portfolio and an indicator
    WHEN it is backed up (with its secret key), and the archive restored onto a fresh SQLite data
    directory and a fresh PostgreSQL database (so a SQLite backup goes onto PostgreSQL, and back)
    THEN a backup of each restored installation holds the same rows, byte for byte, and the same
    files, which are on disk with the same bytes; the secret key is back; the search index is
    rebuilt; the backup is recorded for `civiclab check`."""
    made = tmp_path / "made.tar"
    call_command("backup", str(made), "--with-secret-key", stdout=io.StringIO())
    original, manifest = dump_of(made)
    assert manifest["database"] == connection.vendor
    assert manifest["rows"]["datasets.datasetversion"] == 2
    assert manifest["rows"]["portfolio.attachment"] == 1
    assert len(manifest["files"]) == 3  # two versions' Parquet and the attachment
    record = last_backup(settings.DATA_DIR)
    assert record is not None and record["path"] == str(made)

    for vendor in ("sqlite", "postgresql"):
        env = fresh_installs(vendor)
        again = tmp_path / f"again-{vendor}.tar"
        restored, _ = civiclab(
            env, ["restore", str(made), "--json"], ["backup", str(again), "--json"]
        )
        assert restored["rows"] == sum(manifest["rows"].values())
        assert restored["files"] == 3 and restored["database"] == vendor
        dump, its_manifest = dump_of(again)
        assert dump == original, f"the rows restored onto {vendor} differ"
        assert its_manifest["files"] == manifest["files"]
        data_dir = Path(env["CIVICLAB_DATA_DIR"])
        assert hashes(data_dir) == {name: f["sha256"] for name, f in manifest["files"].items()}
        assert restored["secret_key_restored"] is True
        assert (data_dir / "secret_key").read_text() == settings.SECRET_KEY
        # The search index, which is not a model, was rebuilt from the rows.
        assert restored["reindexed"]["site"] > 0


def test_a_restore_refuses_a_database_or_data_directory_that_holds_data(
    installation: dict[str, Any], tmp_path: Path
) -> None:
    """GIVEN an archive WHEN it is restored into the installation it came from (which holds data)
    THEN the restore is refused, saying to use an empty one, and nothing changed."""
    made = tmp_path / "made.tar"
    call_command("backup", str(made), stdout=io.StringIO())
    rows_before = ImportJob.objects.count(), installation["dataset"].versions.count()
    with pytest.raises(CommandError, match="empty"):
        call_command("restore", str(made), stdout=io.StringIO())
    assert (ImportJob.objects.count(), installation["dataset"].versions.count()) == rows_before


def test_a_backup_leaves_out_an_import_in_flight_and_its_restore_marks_it_failed(
    installation: dict[str, Any], tmp_path: Path, fresh_installs: Any
) -> None:
    """GIVEN an import running (its job says so; its partial files are in staging)
    WHEN the installation is backed up (without `--with-secret-key`) and restored
    THEN the archive holds no staging file and no key, and the restored job is failed with a
    message to upload again — never left "running" with no file to run on."""
    world = installation["world"]
    staging = Path(settings.DATASETS_DIR) / str(world.city.pk) / "staging" / "job-x"
    staging.mkdir(parents=True)
    (staging / "part.parquet").write_bytes(b"PAR1 partial")
    ImportJob.objects.create(
        city=world.city, dataset_name="Requests", upload="uploads/jobs/x/requests.csv",
        state=ImportJob.State.RUNNING,
    )  # fmt: skip
    made = tmp_path / "made.tar"
    call_command("backup", str(made), stdout=io.StringIO())
    with tarfile.open(made) as tar:
        names = tar.getnames()
    assert not [name for name in names if "staging" in name]
    assert archive.SECRET_KEY_MEMBER not in names
    [restored] = civiclab(fresh_installs(connection.vendor), ["restore", str(made), "--json"])
    assert restored["jobs_interrupted"] == 1
    assert restored["secret_key_restored"] is False


def test_a_backup_taken_while_an_import_converts_restores_consistently(
    tmp_path: Path, fresh_installs: Any
) -> None:
    """GIVEN an installation at version 1 of a dataset, and an import of a large version 2
    under way in another process
    WHEN it is backed up while that import converts, and again after it finished
    THEN the first archive restores with version 1 only (the import in flight is not half in
    it), the second with both versions, and each restored file matches its manifest."""
    vendor = connection.vendor
    source = fresh_installs(vendor)
    small = write(tmp_path / "small.csv", "Unique Key,Status\n1,Open\n2,Closed\n")
    big = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(GENERATOR), "150000", str(big)], check=True)
    civiclab(
        source,
        ["city", "add", "mobile", "--name", "Mobile", "--country", "US"],
        ["ingest", str(small), "--city", "mobile", "--dataset", "311"],
    )
    during, after = tmp_path / "during.tar", tmp_path / "after.tar"
    go = tmp_path / "go"
    # The backup's process starts (seconds) before the import does, and waits for the word.
    backing_up = subprocess.Popen(
        [sys.executable, "-c", STEPS, json.dumps([["backup", str(during), "--json"]]), str(go)],
        env=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(0.5)
    importing = subprocess.Popen(
        [sys.executable, "-m", "civiclab", "ingest", str(big), "--city", "mobile",
         "--dataset", "311", "--add-version"],
        env=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    data_dir = Path(source["CIVICLAB_DATA_DIR"])
    deadline = time.monotonic() + 120
    while not list((data_dir / "datasets").glob("*/staging/*/*")):
        assert importing.poll() is None, importing.stderr and importing.stderr.read().decode()
        assert time.monotonic() < deadline, "the import never started converting"
        time.sleep(0.01)
    go.touch()
    output, errors = backing_up.communicate(timeout=300)
    assert backing_up.returncode == 0, errors[-3000:]
    made_during = json.loads(output.strip().splitlines()[-1])
    assert importing.wait(timeout=300) == 0
    civiclab(source, ["backup", str(after)])
    assert made_during["rows_per_model"]["datasets.datasetversion"] == 1
    for archive_path, versions in ((during, 1), (after, 2)):
        [restored] = civiclab(fresh_installs(vendor), ["restore", str(archive_path), "--json"])
        assert restored["rows_per_model"]["datasets.datasetversion"] == versions
        assert restored["files"] == versions


def test_a_backup_of_the_previous_release_restores_and_upgrades(
    tmp_path: Path, fresh_installs: Any
) -> None:
    """GIVEN an installation at the previous release's migrations, holding a city and a dataset
    WHEN it is upgraded in place (`civiclab migrate`), and, separately, its backup is restored
    onto a fresh installation of the current code
    THEN the restore loads the rows at the backup's migrations and applies the newer ones, and
    both ways end with the same rows and no migration left to apply."""
    vendor = connection.vendor
    # The restore of an older backup starts from a database with no migration applied.
    old, fresh = fresh_installs(vendor), fresh_installs(vendor, migrated_already=False)
    csv = write(tmp_path / "vacant.csv", "id,address\n1,12 Dauphin St\n2,3 Royal St\n")
    old_backup = tmp_path / "old.tar"
    civiclab(
        old,
        *(["migrate", app, target, "-v0"] for app, target in PREVIOUS_RELEASE),
        ["city", "add", "mobile", "--name", "Mobile", "--country", "US"],
        ["ingest", str(csv), "--city", "mobile", "--dataset", "Vacant buildings"],
        ["backup", str(old_backup)],
    )
    _dump, manifest = dump_of(old_backup)
    assert ["datasets", "0004_data_sources"] not in manifest["migrations"]

    in_place, restored_then_upgraded = tmp_path / "in-place.tar", tmp_path / "restored.tar"
    civiclab(old, ["migrate", "-v0"], ["backup", str(in_place)])
    restored, _, _ = civiclab(
        fresh,
        ["restore", str(old_backup), "--json"],
        ["backup", str(restored_then_upgraded)],
        ["migrate", "--check", "-v0"],  # exits non-zero with a migration left unapplied
    )
    assert restored["migrations_applied_after"] >= len(PREVIOUS_RELEASE)
    assert restored["rows_per_model"]["datasets.dataset"] == 1
    assert dump_of(in_place)[0] == dump_of(restored_then_upgraded)[0]


# -- the archive's refusals, without a database ------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [
        "files/../secret_key",
        "files//etc/passwd",
        "files/uploads/x",
        "files/datasets",
        "x/datasets/a",
    ],
)
def test_an_archive_cannot_write_outside_the_data_folders(member: str) -> None:
    """GIVEN a member path that climbs out, is absolute, or names another folder
    WHEN it is mapped to the data directory THEN it is refused, naming it."""
    with pytest.raises(ArchiveError, match="outside the data folders"):
        archive.file_for_member(member)


def test_a_damaged_or_foreign_archive_is_refused_with_the_reason(tmp_path: Path) -> None:
    """GIVEN not a tar, a tar without a manifest, a newer format
    WHEN restored THEN each is refused with its own one-line reason."""
    from civiclab.site.backup.run import read_manifest, restore

    not_tar = write(tmp_path / "x.tar", b"hello")
    with pytest.raises(ArchiveError, match="not a backup archive"):
        restore(not_tar)
    empty = tmp_path / "empty.tar"
    with tarfile.open(empty, "w"):
        pass
    with tarfile.open(empty) as tar, pytest.raises(ArchiveError, match="no manifest"):
        read_manifest(tar)
    with pytest.raises(ArchiveError, match="format is version 99"):
        archive.check_manifest({"format": archive.FORMAT, "format_version": 99})


def test_rows_read_back_as_written_and_a_bad_line_is_named() -> None:
    """GIVEN a dump's lines WHEN read THEN each row comes with its model and fields; a row whose
    length is wrong, or a line that is not JSON, is refused with its line number."""
    import datetime as dt
    import decimal

    lines = [
        archive.header_line("network.city", ["id", "name", "at", "amount"]),
        archive.row_line([1, "Mobile", dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
                          decimal.Decimal("1.50")]),
    ]  # fmt: skip
    rows = list(archive.read_rows(lines))
    assert rows == [
        ("network.city", ["id", "name", "at", "amount"],
         [1, "Mobile", "2026-01-02T03:04:00+00:00", "1.50"]),
    ]  # fmt: skip
    with pytest.raises(ArchiveError, match="line 2: 1 values for 4 fields"):
        list(archive.read_rows([lines[0], "[1]\n"]))
    with pytest.raises(ArchiveError, match="line 1"):
        list(archive.read_rows(["{not json\n"]))


def test_settings_are_kept_with_their_secrets_masked() -> None:
    """GIVEN the environment WHEN its settings are kept THEN only CIVICLAB_* ones, with keys,
    tokens and URL passwords masked."""
    kept = archive.masked_settings({
        "CIVICLAB_DATABASE_URL": "postgres://civiclab:hunter2@db:5432/civiclab",
        "CIVICLAB_METRICS_TOKEN": "abc", "CIVICLAB_LANGUAGE": "fr", "HOME": "/root",
        "CIVICLAB_S3_ACCESS_KEY_ID": "AKIA123", "CIVICLAB_S3_SECRET_ACCESS_KEY": "s3cret",
        "CIVICLAB_OBJECT_STORE_URL": "s3://civiclab/prod",
    })  # fmt: skip
    assert kept == {
        "CIVICLAB_DATABASE_URL": "postgres://civiclab:***@db:5432/civiclab",
        "CIVICLAB_LANGUAGE": "fr",
        "CIVICLAB_METRICS_TOKEN": "(set, not kept)",
        "CIVICLAB_OBJECT_STORE_URL": "s3://civiclab/prod",
        "CIVICLAB_S3_ACCESS_KEY_ID": "(set, not kept)",
        "CIVICLAB_S3_SECRET_ACCESS_KEY": "(set, not kept)",
    }


@pytest.mark.django_db
def test_a_backup_into_a_missing_folder_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    """GIVEN a destination whose folder does not exist WHEN backed up THEN the command says
    so in one line, and no archive or partial file is left."""
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("backup", str(tmp_path / "missing" / "x.tar"), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_a_store_backed_installation_backs_up_from_an_empty_cache_and_restores_to_a_store(
    db: None, tmp_path: Path, fresh_installs: Any, object_store: Any, s3_server: str, settings: Any
) -> None:
    """GIVEN an installation whose datasets live in an object store, two versions imported on
    machine A WHEN machine B (same database and store, an empty data directory) backs it up, and
    the archive is restored into a fresh installation on another, empty bucket THEN the archive
    holds every version file byte for byte as the store does (fetched through the store), and
    the restore uploads them all to the new bucket, identical."""
    from tests.object_store import new_bucket, use_data_dir

    world = build_world()
    user = world.user("member")
    first = write(tmp_path / "requests.csv", "id,kind\n1,pothole\n")
    version = datasets.import_file(
        user, world.city, "Requests", first, first.name, datasets.ImportOptions()
    )
    second = write(tmp_path / "requests2.csv", "id,kind\n1,pothole\n2,graffiti\n")
    datasets.import_file(
        user, world.city, "Requests", second, second.name,
        datasets.ImportOptions(add_version=True),
    )  # fmt: skip
    files = sorted(version.dataset.versions.values_list("file", flat=True))
    machine_b = use_data_dir(settings, tmp_path / "machine-b")

    made = tmp_path / "made.tar"
    call_command("backup", str(made), stdout=io.StringIO())
    with tarfile.open(made) as tar:
        for name in files:
            member = tar.extractfile(archive.member_for_file(name))
            assert member is not None, name
            assert member.read() == object_store.read(name), name
    _, manifest = dump_of(made)
    assert sorted(manifest["files"]) == files
    assert all((machine_b / name).is_file() for name in files)  # the door cached them

    empty = new_bucket(s3_server)
    env = fresh_installs(connection.vendor) | empty.env()
    [restored] = civiclab(env, ["restore", str(made), "--json"])
    assert restored["uploaded_to_store"] == 2
    assert empty.object_keys() == sorted(empty.key(name) for name in files)
    for name in files:
        assert empty.read(name) == object_store.read(name)
