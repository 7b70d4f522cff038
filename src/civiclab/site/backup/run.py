"""``civiclab backup`` and ``civiclab restore``: one consistent archive of an installation
while it runs, and an installation rebuilt from it — onto either database.

Consistency: the database is read inside one snapshot (``database.snapshot``), and the files
copied are the ones *that snapshot* names. Dataset versions and attachments are never changed
once written (a new version is a new file), so an import finishing during the backup adds a
file the snapshot does not name and is simply not in this backup; an import in flight is
neither in the database nor in the archive. The archive is written beside its destination and
renamed into place only when complete.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from civiclab.site.backup import archive, database
from civiclab.site.backup.archive import ArchiveError

# Read and hashed in pieces of this size: bounded memory for any file size.
CHUNK = 1 << 20


@dataclass
class BackupReport:
    path: str
    bytes: int
    seconds: float
    rows: dict[str, int]
    files: int
    file_bytes: int
    database: str
    with_secret_key: bool
    migrations: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "bytes": self.bytes, "seconds": round(self.seconds, 3),
            "database": self.database, "rows": sum(self.rows.values()),
            "rows_per_model": self.rows, "files": self.files, "file_bytes": self.file_bytes,
            "with_secret_key": self.with_secret_key, "migrations": self.migrations,
        }  # fmt: skip


@dataclass
class RestoreReport:
    path: str
    seconds: float
    rows: dict[str, int]
    files: int
    file_bytes: int
    database: str
    from_database: str
    made_at: str
    migrations_applied_after: int
    secret_key_restored: bool
    jobs_interrupted: int = 0
    reindexed: dict[str, int] = field(default_factory=dict)
    uploaded_to_store: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "seconds": round(self.seconds, 3), "database": self.database,
            "from_database": self.from_database, "made_at": self.made_at,
            "rows": sum(self.rows.values()), "rows_per_model": self.rows, "files": self.files,
            "file_bytes": self.file_bytes,
            "migrations_applied_after": self.migrations_applied_after,
            "secret_key_restored": self.secret_key_restored,
            "jobs_interrupted": self.jobs_interrupted, "reindexed": self.reindexed,
            "uploaded_to_store": self.uploaded_to_store,
        }  # fmt: skip


def named_files() -> Iterator[str]:
    """The files the database names, relative to the data directory: every dataset version's
    Parquet file and every attachment. Read inside the snapshot."""
    from civiclab.datasets.models import DatasetVersion
    from civiclab.portfolio.models import Attachment

    data_dir = Path(settings.DATA_DIR)
    yield from DatasetVersion.objects.order_by("pk").values_list("file", flat=True).iterator()
    attachments = Path(settings.ATTACHMENTS_DIR)
    for city_id, stored in Attachment.objects.order_by("pk").values_list("city_id", "stored_name"):
        yield str((attachments / str(city_id) / stored).relative_to(data_dir))


def _version_sizes() -> dict[str, int]:
    """Each dataset version's file and its size, as the snapshot names them."""
    from civiclab.datasets.models import DatasetVersion

    return dict(DatasetVersion.objects.values_list("file", "size_bytes").iterator())


def _local_source(data_dir: Path, relative: str, versions: dict[str, int]) -> Path:
    """Where to read ``relative`` from: a dataset version through datasets' one door (with an
    object store, fetched into this machine's cache first, so a backup made on a machine that
    never read a dataset has them all), anything else in the data directory."""
    if relative not in versions:
        return data_dir / relative
    from civiclab.datasets.store import StoreError, local_file

    try:
        return local_file(relative, versions[relative])
    except StoreError as exc:
        raise ArchiveError(f"{exc} Nothing was written.") from exc


def _upload_to_store(staging: Path, manifest: dict[str, Any]) -> int:
    """With an object store, put the archive's dataset versions (extracted into ``staging``)
    in it, before any row names them. An object already there under the same name is kept when
    its size is the file's (versions never change: the same installation's, restored again),
    and refused otherwise: the prefix belongs to another installation. The number uploaded."""
    from civiclab.datasets import store

    if not store.configured():
        return 0
    versions = sorted(
        (relative, entry["bytes"]) for relative, entry in manifest["files"].items()
        if relative.startswith("datasets/")
    )  # fmt: skip
    try:
        existing = {relative: store.object_size(relative) for relative, _size in versions}
        clashes = [r for r, size in versions if existing[r] not in (None, size)]
        if clashes:
            raise ArchiveError(
                f"the object store already holds other files under these names ({clashes[0]}"
                f"{'…' if len(clashes) > 1 else ''}): restore into an empty prefix "
                "(CIVICLAB_OBJECT_STORE_URL)"
            )
        missing = [relative for relative, _size in versions if existing[relative] is None]
        for relative in missing:
            store.upload(staging / relative, relative)
    except store.StoreError as exc:
        raise ArchiveError(f"{exc} Nothing was restored.") from exc
    return len(missing)


def _add_file(tar: tarfile.TarFile, source: Path, member: str) -> tuple[int, str]:
    """Add ``source`` as ``member``, hashing it on the way; its size and SHA-256."""
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        info = tar.gettarinfo(fileobj=handle, arcname=member)
        info.uid = info.gid = 0
        info.uname = info.gname = ""

        class Hashing(io.RawIOBase):
            def readinto(self, buffer: Any) -> int:
                chunk = handle.read(len(buffer))
                digest.update(chunk)
                buffer[: len(chunk)] = chunk
                return len(chunk)

            def readable(self) -> bool:
                return True

        tar.addfile(info, io.BufferedReader(Hashing(), CHUNK))
    return info.size, digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, member: str, data: bytes) -> None:
    info = tarfile.TarInfo(member)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def backup(destination: Path, *, with_secret_key: bool = False) -> BackupReport:
    """Write one archive of the installation to ``destination`` (a file, or a folder to put
    ``civiclab-<time>.tar`` in), while the server runs."""
    started = time.monotonic()
    made_at = timezone.now()
    if destination.is_dir():
        destination = destination / f"civiclab-{made_at:%Y%m%d-%H%M%S}.tar"
    if not destination.parent.is_dir():
        raise ArchiveError(f"{destination.parent} is not a folder")
    data_dir = Path(settings.DATA_DIR)
    partial = destination.with_name(destination.name + ".partial")
    files: dict[str, dict[str, Any]] = {}
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            with database.snapshot():
                applied = database.applied_migrations()
                apps = database.state_apps(applied)
                with tempfile.TemporaryFile(dir=destination.parent) as dump:
                    with gzip.GzipFile(fileobj=dump, mode="wb", compresslevel=6, mtime=0) as gz:
                        text = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
                        rows = database.dump(apps, text.write)
                        text.flush()
                        text.detach()
                    size = dump.tell()
                    dump.seek(0)
                    info = tarfile.TarInfo(archive.DATABASE_MEMBER)
                    info.size = size
                    info.mtime = int(made_at.timestamp())
                    tar.addfile(info, dump)
                versions = _version_sizes()
                for relative in sorted(set(named_files())):
                    source = _local_source(data_dir, relative, versions)
                    if not source.is_file():
                        raise ArchiveError(
                            f"{relative}, which the database names, is missing from the data "
                            "directory: `civiclab check` lists such files; nothing was written"
                        )
                    file_size, sha256 = _add_file(tar, source, archive.member_for_file(relative))
                    files[relative] = {"bytes": file_size, "sha256": sha256}
            _add_bytes(tar, archive.SETTINGS_MEMBER, json.dumps(
                archive.masked_settings(dict(os.environ)), indent=2).encode())  # fmt: skip
            if with_secret_key:
                _add_bytes(tar, archive.SECRET_KEY_MEMBER, settings.SECRET_KEY.encode())
            from civiclab import __version__

            manifest = {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "civiclab_version": __version__,
                "made_at": made_at.isoformat(),
                "database": connection.vendor,
                "migrations": [list(m) for m in applied],
                "rows": rows,
                "files": files,
                "with_secret_key": with_secret_key,
            }
            _add_bytes(tar, archive.MANIFEST_MEMBER, json.dumps(manifest, indent=1).encode())
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    from civiclab.core.backup_record import write_last_backup

    size = destination.stat().st_size
    write_last_backup(data_dir, str(destination), size)
    return BackupReport(
        path=str(destination), bytes=size, seconds=time.monotonic() - started, rows=rows,
        files=len(files), file_bytes=sum(f["bytes"] for f in files.values()),
        database=connection.vendor, with_secret_key=with_secret_key, migrations=len(applied),
    )  # fmt: skip


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(archive.MANIFEST_MEMBER)
    except KeyError:
        raise ArchiveError("not a civiclab backup: it has no manifest.json") from None
    if member is None:
        raise ArchiveError("not a civiclab backup: its manifest.json is not a file")
    try:
        manifest = json.load(member)
    except ValueError as exc:
        raise ArchiveError(f"the backup's manifest.json is not JSON: {exc}") from exc
    return archive.check_manifest(manifest)


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:")
    except FileNotFoundError:
        raise ArchiveError(f"{path}: no such file") from None
    except (tarfile.TarError, OSError) as exc:
        raise ArchiveError(f"{path} is not a backup archive (a tar file): {exc}") from exc


def _extract_files(
    tar: tarfile.TarFile, manifest: dict[str, Any], staging: Path
) -> tuple[int, int]:
    """Every file of the archive into ``staging``, each checked against the manifest's size
    and SHA-256; (files, bytes)."""
    expected: dict[str, dict[str, Any]] = manifest["files"]
    seen = 0
    total = 0
    for member in tar:
        if not member.name.startswith(archive.FILES_PREFIX):
            continue
        relative = archive.file_for_member(member.name)
        if not member.isfile():
            raise ArchiveError(f"{member.name} is not a plain file")
        if relative not in expected:
            raise ArchiveError(f"{member.name} is not listed in the manifest")
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        source = tar.extractfile(member)
        assert source is not None
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if member.size != expected[relative]["bytes"] or (
            digest.hexdigest() != expected[relative]["sha256"]
        ):
            raise ArchiveError(f"{relative} differs from what the manifest recorded: the "
                               "archive is damaged")  # fmt: skip
        seen += 1
        total += member.size
    if seen != len(expected):
        raise ArchiveError(
            f"the archive holds {seen} of the {len(expected)} files its manifest lists"
        )
    return seen, total


def restore(path: Path) -> RestoreReport:
    """Rebuild the installation from the archive at ``path`` into this (empty) database and
    data directory: every row with its id, every file byte for byte, then the migrations newer
    than the backup, the search indexes rebuilt, imports the backup caught in flight marked
    failed. Nothing is left half-written: the rows go in in one transaction, and the files are
    moved into place only once the rows are in."""
    started = time.monotonic()
    data_dir = Path(settings.DATA_DIR)
    with _open(path) as tar:
        manifest = read_manifest(tar)
        applied = [tuple(m) for m in manifest["migrations"]]
        unknown = sorted(set(applied) - database.known_migrations())  # type: ignore[arg-type]
        if unknown:
            raise ArchiveError(
                f"the backup was made by a newer civiclab (migrations {unknown[:3]} are unknown "
                "here): upgrade this installation's code first"
            )
        present = [
            root for root in archive.FILE_ROOTS
            if (data_dir / root).exists() and any((data_dir / root).rglob("*.*"))
        ]  # fmt: skip
        if present:
            raise ArchiveError(
                f"the data directory {data_dir} already holds data ({', '.join(present)}): "
                "restore into a new, empty data directory"
            )
        targets = database.leaf_targets(applied)  # type: ignore[arg-type]
        database.migrate_to(targets)
        apps = database.state_apps(applied)  # type: ignore[arg-type]
        filled = database.holds_data(apps)
        if filled:
            raise ArchiveError(
                f"the database already holds data ({', '.join(filled[:5])}…): restore into a "
                "new, empty database"
            )
        staging = Path(tempfile.mkdtemp(prefix="restore-", dir=data_dir))
        try:
            files, file_bytes = _extract_files(tar, manifest, staging)
            uploaded = _upload_to_store(staging, manifest)
            dump = tar.extractfile(archive.DATABASE_MEMBER)
            if dump is None:
                raise ArchiveError("the backup has no database dump")
            with gzip.GzipFile(fileobj=dump) as gz:
                lines: IO[str] = io.TextIOWrapper(gz, encoding="utf-8")
                try:
                    rows = database.load(apps, archive.read_rows(lines))
                except (OSError, EOFError, UnicodeDecodeError) as exc:
                    raise ArchiveError(f"the database dump is damaged: {exc}") from exc
            for root in archive.FILE_ROOTS:
                if (staging / root).exists():
                    (data_dir / root).mkdir(exist_ok=True)
                    for item in (staging / root).iterdir():
                        os.replace(item, data_dir / root / item.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        secret_restored = False
        if manifest.get("with_secret_key"):
            secret = tar.extractfile(archive.SECRET_KEY_MEMBER)
            if secret is not None:
                key_file = data_dir / "secret_key"
                key_file.write_bytes(secret.read())
                key_file.chmod(0o600)
                secret_restored = True
    before = len(database.applied_migrations())
    database.migrate_to(None)
    after = len(database.applied_migrations())
    interrupted = _interrupt_jobs()
    reindexed = _reindex()
    return RestoreReport(
        path=str(path), seconds=time.monotonic() - started, rows=rows, files=files,
        file_bytes=file_bytes, database=connection.vendor,
        from_database=str(manifest.get("database")), made_at=str(manifest.get("made_at")),
        migrations_applied_after=after - before, secret_key_restored=secret_restored,
        jobs_interrupted=interrupted, reindexed=reindexed, uploaded_to_store=uploaded,
    )  # fmt: skip


def _interrupt_jobs() -> int:
    """Imports queued or running when the backup was made: their uploads are not in it, so
    they can never finish here. Marked failed, as a killed worker's are."""
    from civiclab.datasets.models import ImportJob

    return ImportJob.objects.filter(
        state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]
    ).update(
        state=ImportJob.State.FAILED,
        finished_at=timezone.now(),
        error={
            "code": "restored_in_flight",
            "message": "The backup this installation was restored from was made while this "
            "import was under way; the dataset was not changed. Upload the file again.",
            "report": None,
        },
    )


def _reindex() -> dict[str, int]:
    """The full-text indexes are tables of their own, not models: rebuilt from the restored
    rows (deterministically: the rows they keep beside them come out the same)."""
    from civiclab.exchange import library_search
    from civiclab.funding import search_index
    from civiclab.search import index

    counts = {"site": index.refill_index()}
    counts["exchange.cases"] = library_search.reindex_all()
    counts["funding.opportunities"] = search_index.reindex()
    return counts
