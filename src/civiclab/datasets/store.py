"""Datasets' version files on an S3-compatible object store, the data directory their cache.

With ``CIVICLAB_OBJECT_STORE_URL`` set, every version file is uploaded when its version is
committed (``services._publish``), under the store's prefix and the same relative path it has
in the data directory (``datasets/<city>/<dataset>/v<n>.parquet``). Servers on other machines
share the database, not the disk: :func:`local_file` — what ``queries.version_path``, the one
door to version files, returns — gives a path in the local data directory, downloading the file
first when this machine does not hold it yet. Versions are never changed once written, so a
cached file never needs invalidating; the worker trims the cache to
``CIVICLAB_OBJECT_CACHE_BYTES``, the least recently read first (:func:`trim_cache`).

Reading a cached file costs a ``stat`` and no network call. pyarrow (whose S3 client takes a
while to import and start) is loaded only when the store is first used.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from civiclab.config import ObjectStoreLocation
from civiclab.core.errors import DomainError
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import pyarrow.fs as pafs
else:
    pafs = lazy_module("pyarrow.fs")

# Copied in pieces of this size: bounded memory for any file.
CHUNK = 8 << 20
# A cached file's access time is brought forward at most this often (a metadata write, not
# one per read), and trimming never removes a file read more recently than RECENTLY_READ: a
# query that has just been handed its path will have opened the file well before then.
TOUCH_EVERY_SECONDS = 60
RECENTLY_READ_SECONDS = 600
# The object written, read and deleted by `civiclab check`.
PROBE_KEY = "civiclab-check-probe"


class StoreError(DomainError):
    """The object store could not be reached, refused a request, or lacks a file; the message
    says which and what to do."""

    status = 503
    code = "object_store"


def location() -> ObjectStoreLocation | None:
    """Where the version files go, or None: on the local disk only."""
    found: ObjectStoreLocation | None = settings.OBJECT_STORE
    return found


def configured() -> bool:
    return settings.OBJECT_STORE is not None


_FILESYSTEM: dict[tuple[Any, ...], Any] = {}
_FILESYSTEM_LOCK = threading.Lock()


def filesystem() -> pafs.S3FileSystem:
    """This process's S3 client, made on first use (and again in a forked child, whose AWS SDK
    connections are not to be shared across the fork, or when the settings changed)."""
    made_for = (
        os.getpid(), settings.S3_ENDPOINT, settings.S3_REGION, settings.S3_ACCESS_KEY_ID,
        settings.S3_SECRET_ACCESS_KEY,
    )  # fmt: skip
    with _FILESYSTEM_LOCK:
        made = _FILESYSTEM.get(made_for)
        if made is None:
            _FILESYSTEM.clear()
            made = _FILESYSTEM[made_for] = pafs.S3FileSystem(**client_options())
    return made


def client_options() -> dict[str, Any]:
    """pyarrow's S3FileSystem arguments from the settings. Without an access key, AWS's own
    chain (its environment variables, ~/.aws/credentials, an instance role) is used."""
    options: dict[str, Any] = {
        "region": settings.S3_REGION,
        # Bounded waits: a store that does not answer fails the request, not the server.
        "connect_timeout": 5,
        "request_timeout": 60,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=3),
    }
    if settings.S3_ENDPOINT is not None:
        scheme, host = settings.S3_ENDPOINT
        options["scheme"] = scheme
        options["endpoint_override"] = host
        # MinIO and its kin name buckets in the path, not in the host name.
        options["force_virtual_addressing"] = False
    if settings.S3_ACCESS_KEY_ID:
        options["access_key"] = settings.S3_ACCESS_KEY_ID
        options["secret_key"] = settings.S3_SECRET_ACCESS_KEY
    return options


def _where() -> ObjectStoreLocation:
    found = location()
    if found is None:
        raise StoreError("No object store is configured (CIVICLAB_OBJECT_STORE_URL is empty).")
    return found


def key(relative: str) -> str:
    """The object's path (``bucket/prefix/relative``) of the file at ``relative`` in the data
    directory."""
    return _where().key(relative)


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def object_size(relative: str) -> int | None:
    """The size of the file's object in the store, or None when the store has none."""
    try:
        info = filesystem().get_file_info(key(relative))
    except OSError as exc:
        raise StoreError(f"The object store did not answer for {relative}: {_reason(exc)}") from exc
    if info.type != pafs.FileType.File:
        return None
    return int(info.size)


def upload(local: Path, relative: str) -> None:
    """Copy ``local`` to the store as the object of ``relative``; StoreError when it fails."""
    try:
        with (
            local.open("rb") as source,
            filesystem().open_output_stream(key(relative)) as target,
        ):
            while chunk := source.read(CHUNK):
                target.write(chunk)
    except OSError as exc:
        # Closing a stream that failed half-way may still have completed a short object.
        with contextlib.suppress(OSError):
            filesystem().delete_file(key(relative))
        raise StoreError(f"The object store did not take {relative}: {_reason(exc)}") from exc


def delete(relative: str) -> None:
    """Remove the object of ``relative`` (none: nothing to do); StoreError when it fails."""
    try:
        filesystem().delete_file(key(relative))
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise StoreError(f"The object store did not delete {relative}: {_reason(exc)}") from exc


def local_file(relative: str, size: int) -> Path:
    """The path in the data directory of the version file ``relative``, of ``size`` bytes.

    Without a store, the path (the file is there). With one, a file this machine holds
    already costs one ``stat``; a missing one is downloaded first — once, whatever the number
    of processes asking at the same time — and checked against ``size``."""
    path = Path(settings.DATA_DIR) / relative
    if not configured():
        return path
    try:
        found = path.stat()
    except FileNotFoundError:
        _download(relative, path, size)
        # Every machine keeps its own cache within the bound, web servers included (the
        # worker trims only the machine it runs on): a download is the one moment it grows.
        _trim_after_download()
        return path
    now = time.time()
    if now - found.st_atime > TOUCH_EVERY_SECONDS:
        _touch(path, found)
    return path


def fetch(relative: str, path: Path) -> Path:
    """``path``, downloaded from the object of ``relative`` when this machine lacks it (an
    upload a web server on another machine kept for the worker)."""
    if not path.exists():
        _download(relative, path, None)
    return path


def _touch(path: Path, found: os.stat_result) -> None:
    """Bring the file's access time forward — the cache's "last read" — keeping its
    modification time (a pooled DuckDB connection is keyed on it, see engine._pool_key)."""
    # Trimmed meanwhile, or a read-only data directory: only the order of trimming suffers.
    with contextlib.suppress(OSError):
        os.utime(path, ns=(time.time_ns(), found.st_mtime_ns))


@contextmanager
def _held(lock_path: Path) -> Iterator[None]:
    handle = os.open(lock_path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _download(relative: str, path: Path, size: int | None) -> None:
    """Fetch the object of ``relative`` to ``path`` atomically: into a partial file beside it,
    checked, then renamed. A lock beside it makes other processes wait for this download
    rather than repeat it (and the partial file is only ever written by the lock's holder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _held(path.parent / f".{path.name}.lock"):
        if path.exists():  # another process fetched it while this one waited
            return
        partial = path.parent / f".{path.name}.partial"
        try:
            with (
                filesystem().open_input_stream(key(relative)) as source,
                partial.open("wb") as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
            got = partial.stat().st_size
            if size is not None and got != size:
                raise StoreError(
                    f"The object store's copy of {relative} is {got} bytes, not the {size} "
                    "bytes its version recorded: it was changed or damaged in the store."
                )
            partial.chmod(stat.S_IRUSR | stat.S_IRGRP)
            os.replace(partial, path)
        except FileNotFoundError as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(
                f"The object store has no {relative} (at {key(relative)}): if the datasets "
                "were imported before the store was configured, run `civiclab objectstore "
                "push` on the machine that holds them."
            ) from exc
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(f"The object store did not give {relative}: {_reason(exc)}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


# --- The cache -------------------------------------------------------------------------------


@dataclass
class Trimmed:
    """What one trim of the cache removed, and what it holds after."""

    removed: list[str] = field(default_factory=list)
    removed_bytes: int = 0
    kept_bytes: int = 0
    kept_files: int = 0


def cached_files() -> list[tuple[Path, os.stat_result]]:
    """The version files in the data directory (``datasets/<city>/<dataset>/v<n>.parquet``),
    each with its ``stat``; a city's ``staging/`` folder is not among them."""
    found = []
    for path in Path(settings.DATASETS_DIR).glob("*/*/v*.parquet"):
        try:
            found.append((path, path.stat()))
        except FileNotFoundError:
            continue
    return found


def trim_cache(limit: int | None = None) -> Trimmed:
    """Remove the least recently read version files until the cache holds at most ``limit``
    bytes (``CIVICLAB_OBJECT_CACHE_BYTES``). A file read in the last ten minutes stays (it
    may be in use; the bound may be passed for that while), and so does one the store does
    not hold with the same size: then it is the only copy (`civiclab objectstore push` is due).
    Nothing is done without a store."""
    limit = settings.OBJECT_CACHE_BYTES if limit is None else limit
    result = Trimmed()
    if not configured():
        return result
    _remove_abandoned_downloads()
    files = sorted(cached_files(), key=lambda item: item[1].st_atime)
    total = sum(found.st_size for _path, found in files)
    recent = time.time() - RECENTLY_READ_SECONDS
    data_dir = Path(settings.DATA_DIR)
    for path, found in files:
        if total <= limit:
            break
        if found.st_atime > recent:
            continue
        relative = str(path.relative_to(data_dir))
        try:
            if object_size(relative) != found.st_size:
                continue
        except StoreError:
            break  # the store is down: nothing can be checked, so nothing goes
        path.unlink(missing_ok=True)
        total -= found.st_size
        result.removed.append(relative)
        result.removed_bytes += found.st_size
    result.kept_bytes = total
    result.kept_files = len(files) - len(result.removed)
    return result


# A download killed half-way leaves its partial file (the next download of that version writes
# over it); one this old belongs to no download still running.
ABANDONED_DOWNLOAD_SECONDS = 24 * 3600


def _remove_abandoned_downloads() -> None:
    cutoff = time.time() - ABANDONED_DOWNLOAD_SECONDS
    for partial in Path(settings.DATASETS_DIR).glob("*/*/.v*.parquet.partial"):
        with contextlib.suppress(OSError):
            if partial.stat().st_mtime < cutoff:
                partial.unlink()


def _trim_after_download() -> None:
    # A file gone meanwhile (another process trimming it): the next download tries again.
    with contextlib.suppress(OSError):
        trim_cache()


# --- For the operator ------------------------------------------------------------------------


def probe() -> tuple[bool, str]:
    """`civiclab check`'s item: the bucket exists, and an object can be written, read back
    and deleted under the prefix."""
    where = _where()
    shown = f"s3://{where.key('')}" + (
        f" at {settings.S3_ENDPOINT_URL}" if settings.S3_ENDPOINT_URL else ""
    )
    try:
        fs = filesystem()
        bucket = fs.get_file_info(where.bucket)
        if bucket.type == pafs.FileType.NotFound:
            return False, f"{shown}: the bucket {where.bucket!r} does not exist: create it"
        name = where.key(f"{PROBE_KEY}-{os.getpid()}-{time.time_ns()}")
        payload = os.urandom(64)
        with fs.open_output_stream(name) as out:
            out.write(payload)
        with fs.open_input_stream(name) as back:
            same = back.read() == payload
        fs.delete_file(name)
    except (OSError, StoreError) as exc:
        return False, f"{shown} unreachable or refusing: {_reason(exc)}"
    if not same:
        return False, f"{shown}: an object written was read back different"
    return True, f"{shown} reachable (write, read and delete)"
