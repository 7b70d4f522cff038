"""Every write to datasets: imports, rollbacks, catalogue edits — checked, atomic, audited."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.permissions import DEFAULT_POLICY, Action, Target, Visibility
from civiclab.core.scoping import require
from civiclab.core.services import apply_changes, check_may_share
from civiclab.datasets import store
from civiclab.datasets.ingest.columns import ColumnSpec
from civiclab.datasets.ingest.formats import open_source
from civiclab.datasets.ingest.infer import SAMPLE_ROWS
from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.merge import check_same_columns, merge
from civiclab.datasets.ingest.pipeline import (
    ImportSettings,
    ProgressCallback,
    TypedOutput,
    ingest_connection,
    plan_columns,
    read_source,
)
from civiclab.datasets.ingest.profile import profile_file
from civiclab.datasets.ingest.report import IngestError, english, errors_name_the_file
from civiclab.datasets.ingest.sources import RawSource
from civiclab.datasets.ingest.tables import table_columns, write_table
from civiclab.datasets.models import (
    DICTIONARY_DESCRIPTION_MAX,
    DICTIONARY_UNIT_MAX,
    MAX_TAGS,
    TAG_MAX,
    THEMES,
    Dataset,
    DatasetVersion,
)
from civiclab.datasets.queries import owner_candidates, version_path
from civiclab.datasets.signals import version_published

if TYPE_CHECKING:
    import pyarrow as pa

MODES = ("replace", "append", "upsert")
# Languages whose cities write 12,5 for twelve and a half.
DECIMAL_COMMA_LANGUAGES = {"fr"}
PREVIEW_ROWS = 20


@dataclass
class ImportOptions:
    format: str = "auto"
    mode: str = "replace"
    key: str | None = None
    max_bad_rows: int = 0
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    visibility: str = Visibility.CITY
    description: str = ""
    # Whether numbers may be written with a decimal comma (12,5 · 1 234,5) when types are
    # detected; None: as the city's language writes them (French: yes).
    decimal_comma: bool | None = None
    # Importing under the name of an existing dataset adds a version to it only when asked
    # explicitly (append and upsert ask by their nature); otherwise the name clash is an error.
    add_version: bool = False
    team_id: int | None = None  # a new dataset's team (derived rows of a team-only source)
    # Datasets the rows were derived from (a saved analysis): recorded as the dataset's
    # lineage, which caps who sees it for as long as they are narrower (visible_datasets).
    sources: tuple[Dataset, ...] = ()

    @property
    def adds_to_existing(self) -> bool:
        return self.add_version or self.mode in ("append", "upsert")


def city_dir(city: Any) -> Path:
    return settings.DATASETS_DIR / str(city.pk)


# The file in a staging folder its import holds locked while it runs: the lock goes with the
# process (even one killed with SIGKILL), so housekeeping knows a folder whose lock it can take
# belongs to no running import (datasets/housekeeping.py).
STAGING_LOCK = ".in-use"


@contextmanager
def _staging(city: Any) -> Iterator[Path]:
    """A work folder of its own for one import or preview, locked while in use and removed
    with everything in it afterwards (whatever happened, a full disk included)."""
    try:
        path, lock = _locked_folder(city_dir(city) / "staging")
    except OSError as exc:
        if _disk_full(exc):
            raise _no_space() from exc
        raise
    try:
        yield path
    except Exception as exc:
        if _disk_full(exc):
            raise _no_space() from exc
        raise
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(lock)


def _locked_folder(parent: Path) -> tuple[Path, int]:
    """A new folder in ``parent`` and the descriptor of its held lock."""
    while True:
        path = parent / uuid.uuid4().hex
        path.mkdir(parents=True)
        try:
            lock = os.open(path / STAGING_LOCK, os.O_CREAT | os.O_WRONLY, 0o600)
        except OSError:
            shutil.rmtree(path, ignore_errors=True)
            raise
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Housekeeping may have found the lock free between the open and the flock, and
        # removed the folder holding it: then it is not ours to use; take another.
        if path.exists():
            return path, lock
        os.close(lock)


def _disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a full disk: an OSError of ENOSPC, or an
    engine's error quoting it (DuckDB and Arrow raise their own types with the system's
    words, and the pipeline re-raises those as an unreadable file)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if os.strerror(errno.ENOSPC) in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _no_space() -> IngestError:
    return IngestError(
        "There is no space left on the disk holding the data directory: nothing was "
        "imported. Free some space on it (or move the data directory to a larger disk), "
        "then import again.",
        code="disk_full",
    )


def _settings_for(city: Any, options: ImportOptions) -> ImportSettings:
    return ImportSettings(
        timezone=city.timezone,
        # Outside the United States 03/04/2024 is the 3rd of April.
        day_first=city.country != "US",
        decimal_comma=(
            options.decimal_comma
            if options.decimal_comma is not None
            else city.default_language in DECIMAL_COMMA_LANGUAGES
        ),
        max_bad_rows=options.max_bad_rows,
        max_columns=settings.MAX_IMPORT_COLUMNS,
        memory_limit=f"{settings.IMPORT_MEMORY_MB}MB",
        overrides=options.overrides,
    )


def read_limits(preview: bool = False) -> ReadLimits:
    """The limits of an import, or of a preview (within a web request, so shorter, and of
    the first rows only: as many as type inference samples, so both infer the same)."""
    return ReadLimits(
        max_unpacked_bytes=settings.MAX_UNPACKED_BYTES,
        max_zip_ratio=settings.MAX_ZIP_RATIO,
        max_rows=settings.MAX_IMPORT_ROWS,
        max_cells=settings.MAX_IMPORT_CELLS,
        timeout_seconds=(
            settings.QUERY_TIMEOUT_SECONDS if preview else settings.IMPORT_TIMEOUT_SECONDS
        ),
        preview_rows=SAMPLE_ROWS if preview else None,
    ).started()


def check_file_size(path: Path) -> None:
    """Refuse an empty file or one over CIVICLAB_MAX_UPLOAD_MB before any work is done."""
    size = path.stat().st_size
    if size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise IngestError(
            "The file is {size} MB, over the {limit} MB limit (CIVICLAB_MAX_UPLOAD_MB).",
            code="too_large",
            params={"size": round(size / 1024 / 1024), "limit": limit},
        )
    if size == 0:
        raise IngestError("The file is empty.", code="empty")


def check_may_import(
    by: Any,
    city: Any,
    name: str,
    visibility: str = Visibility.CITY,
    adds_to_existing: bool = False,
) -> None:
    """Raise PermissionDenied unless ``by`` may import into the city's dataset ``name``, and
    IngestError when ``name`` cannot name a new dataset or names an existing one that the
    import was not explicitly meant to add a version to (``adds_to_existing``)."""
    dataset = find_dataset(city, name)
    check_name_free(dataset, name, adds_to_existing)
    _check_may_import(by, city, dataset, visibility)
    if dataset is None:
        _new_slug(name)


class NameTaken(IngestError):
    """The name is an existing dataset's, and adding a version to it was not asked for."""

    def __init__(self, dataset: Dataset) -> None:
        version = dataset.current_version
        super().__init__(
            english(
                "A dataset named {name!r} already exists (version {version}, {rows} rows, "
                "visible to: {visibility}). Choose another name, or confirm that you want to "
                "add a new version of the existing dataset."
            )
            if version
            else english(
                "A dataset named {name!r} already exists (visible to: {visibility}). Choose "
                "another name, or confirm that you want to add a new version of the existing "
                "dataset."
            ),
            code="name_taken",
            params={
                "name": dataset.name,
                "visibility": dataset.visibility,
                **({"version": version.number, "rows": version.rows} if version else {}),
            },
        )
        self.dataset = dataset


def check_name_free(dataset: Dataset | None, name: str, adds_to_existing: bool) -> None:
    """Raise NameTaken when ``dataset`` (found by ``name``) exists and the import was not
    meant to add a version to it: a new version silently replacing someone's data is the
    mistake this stops, whoever imports (the command line included)."""
    if dataset is not None and not adds_to_existing:
        raise NameTaken(dataset)


def check_may_upload(by: Any, city: Any, name: str) -> None:
    """Raise PermissionDenied unless ``by`` may import anything at all into the city's
    dataset ``name`` (a new version of it, or a new dataset within the city) — what can be
    known before the upload's options and file are read."""
    _check_may_import(by, city, find_dataset(city, name), Visibility.CITY)


def _check_may_import(by: Any, city: Any, dataset: Dataset | None, visibility: str) -> None:
    if by is None:
        return  # the command line, run by the server's operator
    if dataset is not None:
        require(by, Action.EDIT, dataset)
        # New rows in a dataset shared beyond the city are shared as widely: publishing.
        check_may_share(by, dataset, dataset.visibility)
    else:
        target = Target(city.network_id, city.pk, Visibility(visibility))
        require(by, Action.CREATE, target)
        check_may_share(by, target, visibility)


# Words the dataset pages use after /cities/<slug>/data/ cannot be a dataset's slug.
RESERVED_SLUGS = {"import", "jobs", "upload"}


def find_dataset(city: Any, name: str) -> Dataset | None:
    """The city's dataset with this slug, or with this name (renaming keeps the slug)."""
    slug = slugify(name) or name
    return (
        Dataset.objects.filter(city=city, slug=slug).first()
        or Dataset.objects.filter(city=city, name__iexact=name.strip()).first()
    )


def _new_slug(name: str) -> str:
    slug = slugify(name) or name
    if slug in RESERVED_SLUGS:
        raise IngestError(
            "{name!r} cannot name a dataset: its address would clash with a page.",
            code="name",
            params={"name": name},
        )
    return slug


def preview_file(
    by: Any, city: Any, path: Path, source_name: str, options: ImportOptions
) -> dict[str, Any]:
    """The columns civiclab would create and the first rows as written, without importing."""
    # Previewing is the first step of importing something new into the city.
    _check_may_import(by, city, None, options.visibility)
    check_file_size(path)
    with _staging(city) as work_dir, errors_name_the_file(source_name, [path, work_dir]):
        return _preview(city, path, source_name, options, work_dir)


def _preview(
    city: Any, path: Path, source_name: str, options: ImportOptions, work_dir: Path
) -> dict[str, Any]:
    con = ingest_connection(_settings_for(city, options))
    limits = read_limits(preview=True)
    source = open_source(path, source_name, options.format, work_dir, limits)
    try:
        for name, table in source.tables.items():
            con.register(name, table)
        with limits.watch(con):
            columns = plan_columns(con, source, _settings_for(city, options))
            sample = con.execute(f"SELECT * FROM {source.from_sql} LIMIT {PREVIEW_ROWS}")
            rows = [[None if isinstance(v, bytes) else v for v in r] for r in sample.fetchall()]
    finally:
        source.cleanup()
    return {
        "format": source.format,
        "details": source.details,
        "columns": [c.as_dict() for c in columns],
        "sample": {"columns": source.columns, "rows": rows},
    }


def import_file(
    by: Any,
    city: Any,
    name: str,
    path: Path,
    source_name: str,
    options: ImportOptions,
    progress: ProgressCallback | None = None,
) -> DatasetVersion:
    """Import a file as a new version of the city's dataset ``name`` (made if new).

    The new version is written beside the old ones and becomes current only when complete
    and valid: a failed, interrupted or killed import leaves the previous version as it was.
    """
    if options.mode not in MODES:
        raise IngestError(
            "Unknown mode {mode!r}: use {modes}.",
            code="mode",
            params={"mode": options.mode, "modes": ", ".join(MODES)},
        )
    dataset = find_dataset(city, name)
    check_name_free(dataset, name, options.adds_to_existing)
    _check_may_import(by, city, dataset, options.visibility)
    check_file_size(path)
    if dataset is None:
        _new_slug(name)
    previous = dataset.current_version if dataset else None
    if options.mode != "replace" and previous is None:
        raise IngestError(
            "There is no earlier version of {name!r} to {mode} to: import it with --mode "
            "replace first.",
            code="mode",
            params={"name": name, "mode": options.mode},
        )
    with _staging(city) as work_dir:
        with errors_name_the_file(source_name, [path, work_dir]):
            final, output, profile, source = _convert(
                city, path, source_name, options, previous, work_dir, progress
            )
        return _publish(
            by,
            city,
            name,
            dataset,
            final,
            output,
            profile,
            source.format,
            source.details,
            source_name,
            options,
        )


def import_table(
    by: Any,
    city: Any,
    name: str,
    table: pa.Table,
    options: ImportOptions,
    types: Mapping[str, str] | None = None,
    source_name: str = "",
) -> DatasetVersion:
    """Save a typed Arrow table as a new version of the city's dataset ``name`` (made if new).

    Everything an upload checks and records applies — who may import, the name, the
    visibility (sharing beyond the city is publishing), the limits on rows, cells and
    columns, values a type cannot hold, the audit log, lineage (``options.sources``) — but
    the rows are never written as text and read back: each column keeps its type, the one
    ``types`` names (``category``, ``latitude``…) or its Arrow type's own (see
    ``ingest.tables``). A table replaces the dataset's rows (``options.mode`` "replace").
    """
    if options.mode != "replace":
        raise IngestError(
            "Unknown mode {mode!r}: use {modes}.",
            code="mode",
            params={"mode": options.mode, "modes": "replace"},
        )
    if options.overrides:
        raise ValueError("a table's columns are typed by `types`, not by options.overrides")
    dataset = find_dataset(city, name)
    check_name_free(dataset, name, options.adds_to_existing)
    _check_may_import(by, city, dataset, options.visibility)
    if dataset is None:
        _new_slug(name)
    columns = table_columns(table.schema, types)
    import_settings = _settings_for(city, options)
    limits = read_limits()
    limits.check_table(table.num_rows, table.num_columns)
    with _staging(city) as work_dir:
        con = ingest_connection(import_settings)
        try:
            with limits.watch(con):
                output = write_table(con, table, columns, import_settings, work_dir)
                if output.rows == 0 and not output.report.bad_rows:
                    raise IngestError("The file has column names but no rows.", code="empty")
                profile = profile_file(con, output.path, output.columns)
        finally:
            con.close()
        return _publish(
            by, city, name, dataset, output.path, output, profile, "table",
            {}, source_name, options,
        )  # fmt: skip


def _convert(
    city: Any,
    path: Path,
    source_name: str,
    options: ImportOptions,
    previous: DatasetVersion | None,
    work_dir: Path,
    progress: ProgressCallback | None,
) -> tuple[Path, TypedOutput, dict[str, Any], RawSource]:
    """The file as the new version's Parquet in ``work_dir`` (merged with ``previous`` when
    appending or upserting), its output and profile, and the source it was read from."""
    import_settings = _settings_for(city, options)
    con = ingest_connection(import_settings)
    con.execute(f"SET temp_directory = '{work_dir / 'spill'}'")
    limits = read_limits()
    source = open_source(path, source_name, options.format, work_dir, limits)
    try:
        with limits.watch(con):
            columns = None
            if previous is not None and options.mode != "replace":
                columns = [ColumnSpec.from_dict(c) for c in previous.columns]
                check_same_columns(columns, source.columns)
            output = read_source(con, source, import_settings, work_dir, progress, columns)
            # Text files are counted as they are converted (in-memory sources earlier).
            limits.check_table(output.rows + output.report.bad_rows, len(output.columns))
            if output.rows == 0 and not output.report.bad_rows:
                raise IngestError("The file has column names but no rows.", code="empty")
            final = output.path
            if previous is not None and options.mode != "replace":
                if progress:
                    progress(f"{options.mode} to version {previous.number}", 0.8)
                final = work_dir / "merged.parquet"
                merge(
                    con,
                    version_path(previous),
                    output.path,
                    output.columns,
                    options.mode,
                    final,
                    options.key,
                )
            if progress:
                progress("profiling", 0.9)
            profile = profile_file(con, final, output.columns)
    finally:
        source.cleanup()
    con.close()
    return final, output, profile, source


def _publish(
    by: Any,
    city: Any,
    name: str,
    dataset: Dataset | None,
    final: Path,
    output: Any,
    profile: dict[str, Any],
    fmt: str,
    details: dict[str, Any],
    source_name: str,
    options: ImportOptions,
) -> DatasetVersion:
    """Move the finished file into place and switch the dataset to it, in one transaction.
    With an object store, the file is uploaded before the transaction commits: a version the
    database names is always in the store (and an upload that fails imports nothing)."""
    moved: Path | None = None
    uploaded: str | None = None
    try:
        with transaction.atomic():
            if dataset is None:
                dataset = Dataset.objects.create(
                    city=city,
                    name=name,
                    slug=_new_slug(name),
                    description=options.description,
                    visibility=options.visibility,
                    team_id=options.team_id,
                    owner=by if by is not None else None,
                )
                record(by, "dataset.create", dataset)
            dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
            _record_lineage(dataset, options.sources)
            number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            relative = Path("datasets") / str(city.pk) / str(dataset.pk) / f"v{number}.parquet"
            moved = settings.DATA_DIR / relative
            moved.parent.mkdir(parents=True, exist_ok=True)
            os.replace(final, moved)
            # Versions never change once written.
            moved.chmod(stat.S_IRUSR | stat.S_IRGRP)
            if store.configured():
                _upload(moved, str(relative))
                uploaded = str(relative)
            version = DatasetVersion.objects.create(
                dataset=dataset,
                number=number,
                file=str(relative),
                rows=profile["rows"],
                size_bytes=moved.stat().st_size,
                columns=[c.as_dict() for c in output.columns],
                profile=profile,
                report=output.report.as_dict(),
                details={"format": fmt, **details},
                mode=options.mode,
                source_name=source_name[:300],
                created_by=by if by is not None else None,
            )
            dataset.current_version = version
            dataset.save(update_fields=["current_version", "updated_at"])
            _announce_on_commit(dataset, version)
            record(
                by,
                "dataset.import",
                dataset,
                version=number,
                rows=version.rows,
                bad_rows=output.report.bad_rows,
                mode=options.mode,
            )
            return version
    except BaseException:
        if moved is not None:
            moved.unlink(missing_ok=True)
        if uploaded is not None:
            # Left behind, it would be an object no version names: harmless, and written
            # over by the next version of that number.
            with contextlib.suppress(store.StoreError):
                store.delete(uploaded)
        raise


def _upload(path: Path, relative: str) -> None:
    try:
        store.upload(path, relative)
    except store.StoreError as exc:
        raise IngestError(
            "The object store (CIVICLAB_OBJECT_STORE_URL) did not take the new version's "
            "file, so nothing was imported: {reason}. Import again once `civiclab check` "
            "finds the store reachable.",
            code="object_store",
            params={"reason": str(exc)},
        ) from exc


def _record_lineage(dataset: Dataset, sources: tuple[Dataset, ...]) -> None:
    """Add ``sources`` and their own sources to the dataset's lineage (kept, never dropped: a
    later version does not make the earlier rows' origin public)."""
    if not sources:
        return
    ancestors = set(Dataset.objects.filter(derived__in=sources).values_list("pk", flat=True))
    lineage = ({s.pk for s in sources} | ancestors) - {dataset.pk}
    dataset.sources.add(*lineage)


def _announce_on_commit(dataset: Dataset, version: DatasetVersion) -> None:
    """Tell the apps that keep results computed from this dataset (indicators…) that it has a
    new current version, once the transaction has committed (never for a rolled-back one)."""
    transaction.on_commit(
        lambda: version_published.send(sender=Dataset, dataset=dataset, version=version)
    )


@transaction.atomic
def rollback(by: Any, dataset: Dataset, number: int) -> DatasetVersion:
    """Make an earlier version current again; later versions stay in the history."""
    if by is not None:
        require(by, Action.EDIT, dataset)
    version = dataset.versions.filter(number=number).first()
    if version is None:
        raise IngestError(
            "{name} has no version {number}.",
            code="version",
            params={"name": dataset.name, "number": number},
        )
    dataset.current_version = version
    dataset.save(update_fields=["current_version", "updated_at"])
    _announce_on_commit(dataset, version)
    record(by, "dataset.rollback", dataset, version=number)
    return version


@transaction.atomic
def update_dataset(by: Any, dataset: Dataset, **changes: Any) -> Dataset:
    """Change a catalogue entry; its owner (reminded when an update is due) must be an active
    member of the dataset's city."""
    if "themes" in changes:
        changes["themes"] = clean_themes(changes["themes"])
    if "tags" in changes:
        changes["tags"] = clean_tags(changes["tags"])
    owner = changes.get("owner")
    if owner is not None and not owner_candidates(dataset.city_id).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("The owner must be a member of the city.")})
    diff = apply_changes(by, dataset, changes, DEFAULT_POLICY)
    record(by, "dataset.update", dataset, changes=diff)
    return dataset


@transaction.atomic
def update_dictionary(
    by: Any, dataset: Dataset, entries: Mapping[str, Mapping[str, str]]
) -> Dataset:
    """Set the description and unit of some of the current version's columns (the data
    dictionary); a column given an empty description and unit loses its entry. Columns not
    in ``entries`` keep theirs. Who may edit the dataset may edit its dictionary."""
    require(by, Action.EDIT, dataset)
    version = dataset.current_version
    names = {c["name"] for c in version.columns} if version else set()
    errors: list[str] = []
    cleaned: dict[str, dict[str, str]] = {}
    for column, entry in entries.items():
        if column not in names:
            errors.append(
                _("%(column)s is not a column of the current version.") % {"column": column}
            )
            continue
        description = str(entry.get("description") or "").strip()
        unit = str(entry.get("unit") or "").strip()
        if len(description) > DICTIONARY_DESCRIPTION_MAX:
            errors.append(
                _("The description of %(column)s is over %(max)s characters.")
                % {"column": column, "max": DICTIONARY_DESCRIPTION_MAX}
            )
        if len(unit) > DICTIONARY_UNIT_MAX:
            errors.append(
                _("The unit of %(column)s is over %(max)s characters.")
                % {"column": column, "max": DICTIONARY_UNIT_MAX}
            )
        cleaned[column] = {"description": description, "unit": unit}
    if errors:
        raise ValidationError({"dictionary": errors})
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    dictionary = dict(locked.dictionary or {})
    changed = []
    for column, entry in cleaned.items():
        old = dictionary.get(column)
        new = entry if entry["description"] or entry["unit"] else None
        if old == new:
            continue
        changed.append(column)
        if new is None:
            dictionary.pop(column, None)
        else:
            dictionary[column] = new
    if changed:
        locked.dictionary = dictionary
        locked.save(update_fields=["dictionary", "updated_at"])
        dataset.dictionary = dictionary
        record(by, "dataset.dictionary", dataset, columns=changed)
    return dataset


def clean_themes(themes: Any) -> list[str]:
    """Known theme codes, each once, in the list's order; an unknown one is an error."""
    known = {code for code, _label in THEMES}
    values = list(themes or [])
    unknown = [str(t) for t in values if t not in known]
    if unknown:
        raise ValidationError(
            {"themes": _("Unknown theme: %(themes)s.") % {"themes": ", ".join(unknown[:5])}}
        )
    return sorted(set(values), key=values.index)


def clean_tags(tags: Any) -> list[str]:
    """Tags lower-cased and trimmed, each once; at most MAX_TAGS of TAG_MAX characters."""
    cleaned: list[str] = []
    for tag in tags or []:
        text = " ".join(str(tag).split()).lower()
        if not text or text in cleaned:
            continue
        if len(text) > TAG_MAX:
            raise ValidationError(
                {"tags": _("A tag is at most %(max)s characters.") % {"max": TAG_MAX}}
            )
        cleaned.append(text)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(max)s tags.") % {"max": MAX_TAGS}})
    return cleaned
