"""REST routes for city data: parse, call a query or service, return.

Uploads stream to disk (Django's TemporaryFileUploadHandler writes anything over
FILE_UPLOAD_MAX_MEMORY_SIZE to FILE_UPLOAD_TEMP_DIR); the file is moved, never read into
memory. Imports run in the background: the upload answers 202 with the job to follow.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate

from civiclab.accounts.authentication import AUTH, AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import (
    ERRORS,
    MAX_OFFSET,
    READ_ERRORS,
    ErrorResponse,
    Id,
    Page,
    error,
    error_response,
)
from civiclab.core.permissions import Visibility
from civiclab.core.uploads import (
    declared_too_large,
    leave_body_unread,
    limit_upload,
    too_large_message,
    upload_was_cut,
)
from civiclab.datasets import jobs, refresh, services
from civiclab.datasets.display import dictionary_csv, json_value
from civiclab.datasets.engine import QueryError
from civiclab.datasets.ingest.columns import ColumnSpec
from civiclab.datasets.ingest.exports import export_csv, export_parquet
from civiclab.datasets.models import Dataset, DataSource, ImportJob
from civiclab.datasets.queries import (
    catalogue_search,
    data_dictionary,
    dataset_rows,
    version_path,
    visible_datasets,
    visible_jobs,
)
from civiclab.datasets.schemas import (
    FREQUENCIES,
    THEME_CODES,
    DatasetDetail,
    DatasetOut,
    DatasetUpdate,
    DataSourceIn,
    DataSourceOut,
    DictionaryEntry,
    DictionaryIn,
    ImportForm,
    JobOut,
    PreviewForm,
    PreviewOut,
    RollbackIn,
    RowsOut,
    VersionOut,
)
from civiclab.network.models import City
from civiclab.network.queries import visible_cities

router = Router(tags=["datasets"])
DATASET = "/cities/{slug}/datasets/{dataset}"


def _dataset(request: ApiRequest, slug: str, dataset: str) -> Dataset:
    return get_object_or_404(visible_datasets(request.auth), city__slug=slug, slug=dataset)


def _binary(media_type: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": "The file",
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _city(request: ApiRequest, slug: str) -> City:
    return get_object_or_404(visible_cities(request.auth), slug=slug)


@router.get(
    "/datasets",
    response=list[DatasetOut],
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_datasets",
    summary="Datasets you can see",
)
@paginate(Page)
def list_datasets(
    request: ApiRequest,
    city: str | None = Query(None, max_length=200, description="Only this city's (slug)"),
    q: str | None = Query(
        None, max_length=200, description="Words in the name, description, tags or columns"
    ),
    theme: str | None = Query(None, max_length=200, description=f"One of {THEME_CODES}"),
    tag: str | None = Query(None, max_length=200),
    licence: str | None = Query(None, max_length=200),
    format: str | None = Query(None, max_length=200, description="The source file's format"),
    frequency: str | None = Query(None, max_length=200, description=f"One of {FREQUENCIES}"),
    visibility: str | None = Query(None, max_length=200),
):
    facets = {
        "theme": theme,
        "tag": tag,
        "licence": licence,
        "format": format,
        "frequency": frequency,
        "visibility": visibility,
    }
    if q or any(facets.values()):
        selected = {k: v for k, v in {**facets, "city": city}.items() if v}
        return catalogue_search(request.auth, q or "", selected).datasets
    datasets = visible_datasets(request.auth).order_by("city__slug", "name", "pk")
    if city:
        datasets = datasets.filter(city__slug=city)
    return datasets


@router.get(
    DATASET,
    response={200: DatasetDetail, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_dataset",
    summary="One dataset, with its columns and profile",
)
def get_dataset(request: ApiRequest, slug: str, dataset: str) -> Dataset:
    return _dataset(request, slug, dataset)


@router.patch(
    DATASET,
    response={200: DatasetDetail, **ERRORS},
    operation_id="update_dataset",
    summary="Change a dataset's description (members; visibility: city admins)",
)
def update_dataset(request: ApiRequest, slug: str, dataset: str, payload: DatasetUpdate) -> Dataset:
    found = _dataset(request, slug, dataset)
    changes = payload.dict(exclude_unset=True)
    if changes.get("owner") is not None:
        owner = get_user_model().objects.filter(pk=changes["owner"]).first()
        if owner is None:  # said as the service says a non-member: ids are not probed
            raise ValidationError({"owner": _("The owner must be a member of the city.")})
        changes["owner"] = owner
    return services.update_dataset(request.auth, found, **changes)


@router.get(
    f"{DATASET}/dictionary",
    response={200: list[DictionaryEntry], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_dataset_dictionary",
    summary="The data dictionary: each current column's type, description and unit",
)
def get_dataset_dictionary(request: ApiRequest, slug: str, dataset: str) -> list[dict[str, str]]:
    return data_dictionary(_dataset(request, slug, dataset))


@router.patch(
    f"{DATASET}/dictionary",
    response={200: list[DictionaryEntry], **ERRORS},
    operation_id="update_dataset_dictionary",
    summary="Set some columns' descriptions and units (those who may edit the dataset)",
)
def update_dataset_dictionary(
    request: ApiRequest, slug: str, dataset: str, payload: DictionaryIn
) -> list[dict[str, str]]:
    found = _dataset(request, slug, dataset)
    entries = {e.name: {"description": e.description, "unit": e.unit} for e in payload.columns}
    return data_dictionary(services.update_dictionary(request.auth, found, entries))


@router.get(
    f"{DATASET}/dictionary.csv",
    response=READ_ERRORS,
    auth=AUTH_OR_ANONYMOUS,
    operation_id="download_dataset_dictionary_csv",
    summary="The data dictionary as CSV (column, type, description, unit)",
    openapi_extra=_binary("text/csv"),
)
def download_dataset_dictionary_csv(request: ApiRequest, slug: str, dataset: str) -> HttpResponse:
    found = _dataset(request, slug, dataset)
    if found.current_version is None:
        raise Http404
    response = HttpResponse(
        dictionary_csv(data_dictionary(found)), content_type="text/csv; charset=utf-8"
    )
    filename = f"{found.slug}-v{found.current_version.number}-dictionary.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


ROWS_DESCRIPTION = """\
One page of the current version's rows, as objects keyed by column name. Dates and times
are ISO 8601 text (times in UTC), geometries WKT text.

- `sort`: a column name; `desc=true` sorts from the largest. Empty values sort last.
- `filter`: `column:text`, repeatable; keeps rows whose value contains the text, ignoring
  case. Several filters must all match. The column is everything before the **last** colon
  that leaves a column name, so names with colons work (`filter=Time: local:2024`).
"""


@router.get(
    f"{DATASET}/rows",
    response={200: RowsOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_dataset_rows",
    summary="Rows of a dataset, paged, sorted and filtered",
    description=ROWS_DESCRIPTION,
)
def list_dataset_rows(
    request: ApiRequest,
    slug: str,
    dataset: str,
    page: int = Query(1, ge=1, le=MAX_OFFSET),
    page_size: int = Query(50, ge=1, le=500),
    sort: str | None = Query(None, description="Column to sort by"),
    desc: bool = Query(False, description="Sort in descending order"),
    filter: list[str] = Query([], description="`column:text`, repeatable"),  # noqa: B008
) -> dict[str, Any] | HttpResponse:
    found = _dataset(request, slug, dataset)
    names = [c["name"] for c in (found.current_version.columns if found.current_version else [])]
    if sort and sort not in names:
        raise ValidationError({"sort": f"{sort!r} is not a column of this dataset."})
    filters = {}
    for text in filter:
        column, value = _split_filter(text, names)
        filters[column] = value
    try:
        result = dataset_rows(
            found,
            page=page,
            page_size=page_size,
            sort=sort,
            descending=desc,
            filters=filters,
            full_geometry=True,
        )
    except QueryError as exc:
        return error(request, 422, "query_error", str(exc))
    return {
        "columns": result.columns,
        "rows": [
            {name: json_value(value) for name, value in zip(names, row, strict=True)}
            for row in result.rows
        ],
        "total": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "pages": result.pages,
    }


def _split_filter(text: str, names: list[str]) -> tuple[str, str]:
    """``"Time: local:2024"`` → ``("Time: local", "2024")`` when that is a column."""
    position = text.rfind(":")
    while position > 0:
        if text[:position] in names:
            return text[:position], text[position + 1 :]
        position = text.rfind(":", 0, position)
    raise ValidationError({"filter": f"{text!r} is not `column:text` with a column's name."})


@router.get(
    f"{DATASET}/versions",
    response={200: list[VersionOut], 404: ErrorResponse},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_dataset_versions",
    summary="A dataset's versions, newest first",
)
@paginate(Page)
def list_dataset_versions(request: ApiRequest, slug: str, dataset: str):
    found = _dataset(request, slug, dataset)
    return (
        found.versions.select_related("created_by")
        .annotate(
            is_current=Case(
                When(pk=found.current_version_id, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-number")
    )


@router.post(
    f"{DATASET}/rollback",
    response={200: DatasetDetail, **ERRORS},
    operation_id="rollback_dataset",
    summary="Make an earlier version current again (members)",
)
def rollback_dataset(request: ApiRequest, slug: str, dataset: str, payload: RollbackIn) -> Dataset:
    found = _dataset(request, slug, dataset)
    services.rollback(request.auth, found, payload.version)
    return _dataset(request, slug, dataset)


@contextmanager
def _upload_on_disk(file: UploadedFile) -> Iterator[Path]:
    """The upload as a file on disk: Django's own temporary file when it made one, else the
    (small, in-memory) upload written out in chunks. Whatever is left is removed after."""
    if hasattr(file, "temporary_file_path"):
        path = Path(file.temporary_file_path())
    else:
        handle, name = tempfile.mkstemp(suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR)
        path = Path(name)
        with os.fdopen(handle, "wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
    try:
        yield path
    finally:
        # Moved away by a queued job, or ours to delete (Django deletes its own too).
        path.unlink(missing_ok=True)


def _import_name(dataset: str, name: str | None) -> str:
    """The name services know the dataset by: its slug if it exists, else the new name."""
    if not name:
        return dataset
    made = slugify(name) or name
    if made != dataset:
        message = f"A dataset named {name!r} has the slug {made!r}: use it in the path."
        raise ValidationError({"name": message})
    return name


def _check_import(
    request: ApiRequest, slug: str, dataset: str, visibility: str, adds_to_existing: bool = False
) -> City:
    """The city, after checking the caller may import into its dataset ``dataset``.

    A dataset the caller cannot see is a 404, as everywhere; one they see but may not
    change, or a new one they may not create, is a 403.
    """
    city = _city(request, slug)
    if (slugify(dataset) or dataset) != dataset:
        # Services find a dataset by the slug of its name: anything else would miss it.
        raise ValidationError({"dataset": f"{dataset!r} is not a dataset slug."})
    existing = Dataset.objects.filter(city=city, slug=dataset)
    if existing.exists() and not visible_datasets(request.auth).filter(pk__in=existing).exists():
        raise Http404
    services.check_may_import(request.auth, city, dataset, visibility, adds_to_existing)
    return city


def _may_upload(request: ApiRequest, slug: str, dataset: str) -> None:
    """Raise unless the caller may import something into ``dataset`` of the city ``slug``:
    404 for a city or dataset they cannot see, 403 for one they may not change."""
    city = _city(request, slug)
    existing = Dataset.objects.filter(city=city, slug=dataset)
    if existing.exists() and not visible_datasets(request.auth).filter(pk__in=existing).exists():
        raise Http404
    services.check_may_upload(request.auth, city, dataset)


def _bounded_upload(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps an upload route so the body is read only by someone who may upload there, only
    if its declared length is within the limit, and only up to the limit (else 413)."""

    @wraps(run)
    def checked_first(request: ApiRequest, **path: Any) -> HttpResponse:
        leave_body_unread(request)
        try:
            request.auth = AUTH.identify(request)
            if request.auth is None:
                return run(request, **path)  # refused (401) before the body is read
            _may_upload(request, path["slug"], path["dataset"])
        except Exception as exc:  # the API's own error responses (401, 403, 404)
            return error_response(request, exc)
        if declared_too_large(request):
            return error(request, 413, "too_large", too_large_message())
        limit_upload(request)
        request.FILES  # noqa: B018  (read now, bounded, so a cut upload is told as such)
        if upload_was_cut(request):
            return error(request, 413, "too_large", too_large_message())
        return run(request, **path)

    return checked_first


IMPORT_DESCRIPTION = """\
Send the file as `multipart/form-data` in the field `file`. It is kept and imported in the
background: the answer is `202` with the job; follow its `url` until `state` is `done` (its
`version` is the new one) or `failed` (its `error` explains, with a report of bad rows).

`{dataset}` is the slug of a new dataset, or of an existing one, which gets a new version
only when `add_version` is true (or `mode` is `append` or `upsert`): otherwise the answer is
a `422` with code `name_taken`, so a name clash never replaces data silently. Adding to a
dataset shared beyond the city needs the right to publish there. `name` gives a new dataset
a name (it must make that slug). `columns` is JSON text
overriding how source columns are read, e.g.
`{"Created": {"type": "timestamp", "format": "%m/%d/%Y %H:%M"}, "Zip": {"type": "text"}}`.
"""


@router.post(
    f"{DATASET}/imports",
    response={202: JobOut, **ERRORS},
    operation_id="import_dataset_file",
    summary="Upload a file to import as a new version (members)",
    description=IMPORT_DESCRIPTION,
)
@decorate_view(_bounded_upload)
def import_dataset_file(
    request: ApiRequest,
    slug: str,
    dataset: str,
    response: HttpResponse,
    form: Form[ImportForm],
    file: File[UploadedFile],
) -> Status:
    name = _import_name(dataset, form.name)
    if form.mode == "upsert" and not form.key:
        raise ValidationError({"key": "An upsert needs the key column."})
    options = services.ImportOptions(
        format=form.format,
        mode=form.mode,
        key=form.key,
        max_bad_rows=form.max_bad_rows,
        overrides=form.overrides(),
        visibility=form.visibility,
        description=form.description,
        add_version=form.add_version,
    )
    city = _check_import(request, slug, dataset, form.visibility, options.adds_to_existing)
    with _upload_on_disk(file) as path:
        job = jobs.submit_import(request.auth, city, name, path, file.name or "upload", options)
    job = _job(request, job.pk)
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, job)


@router.post(
    f"{DATASET}/preview",
    response={200: PreviewOut, **ERRORS},
    operation_id="preview_dataset_file",
    summary="The columns and first rows civiclab would import from a file (members)",
    description=(
        "Send the file as in the import, with `format` and `columns` if needed; nothing is "
        "kept. A file that cannot be read is a `422` whose `code` says why and whose "
        "`details` is the report of bad rows (or `null`)."
    ),
)
@decorate_view(_bounded_upload)
def preview_dataset_file(
    request: ApiRequest,
    slug: str,
    dataset: str,
    form: Form[PreviewForm],
    file: File[UploadedFile],
) -> dict[str, Any]:
    city = _check_import(request, slug, dataset, Visibility.CITY, adds_to_existing=True)
    options = services.ImportOptions(format=form.format, overrides=form.overrides())
    with _upload_on_disk(file) as path:
        preview = services.preview_file(request.auth, city, path, file.name or "upload", options)
    sample = preview["sample"]
    preview["details"] = json_value(preview["details"])
    preview["sample"] = {
        "columns": sample["columns"],
        "rows": [
            {name: json_value(value) for name, value in zip(sample["columns"], row, strict=True)}
            for row in sample["rows"]
        ],
    }
    return preview


@router.get(
    f"{DATASET}/source",
    response={200: DataSourceOut, **ERRORS},
    operation_id="get_dataset_source",
    summary="The source the dataset refreshes itself from (those who may add versions)",
)
def get_dataset_source(request: ApiRequest, slug: str, dataset: str) -> DataSource:
    source = refresh.source_for_editor(request.auth, _dataset(request, slug, dataset))
    if source is None:
        raise Http404
    return source


@router.put(
    f"{DATASET}/source",
    response={200: DataSourceOut, **ERRORS},
    operation_id="bind_dataset_source",
    summary="Bind the dataset to a source that refreshes it (or change it)",
    description=(
        "Each refresh downloads the source (within the operator's refresh limits, see the "
        "configuration) and imports it as an upload would: same checks, a new version, the "
        "same bad-row report. A refresh that fails keeps the current version. The address must be "
        "http(s) on a public host unless the operator allows private ones."
    ),
)
def bind_dataset_source(
    request: ApiRequest, slug: str, dataset: str, payload: DataSourceIn
) -> DataSource:
    found = _dataset(request, slug, dataset)
    return refresh.bind_source(request.auth, found, **payload.dict())


@router.delete(
    f"{DATASET}/source",
    response={204: None, **ERRORS},
    operation_id="unbind_dataset_source",
    summary="Stop refreshing the dataset from its source (its versions stay)",
)
def unbind_dataset_source(request: ApiRequest, slug: str, dataset: str) -> Status:
    refresh.unbind_source(request.auth, _dataset(request, slug, dataset))
    return Status(204, None)


@router.post(
    f"{DATASET}/source/refresh",
    response={202: JobOut, **ERRORS},
    operation_id="refresh_dataset_source",
    summary="Refresh the dataset from its source now: the answer is the job to follow",
)
def refresh_dataset_source(request: ApiRequest, slug: str, dataset: str) -> Status:
    job = refresh.refresh_now(request.auth, _dataset(request, slug, dataset))
    job.refresh_from_db()
    return Status(202, job)


def _job(request: ApiRequest, job_id: int) -> ImportJob:
    jobs.expire_stale_jobs()  # a job whose worker died reads as failed, never running on
    return get_object_or_404(visible_jobs(request.auth).select_related("version"), pk=job_id)


@router.get(
    "/jobs/{job_id}",
    response={200: JobOut, **READ_ERRORS},
    operation_id="get_job",
    summary="An import job: its state, progress and error report",
)
def get_job(request: ApiRequest, job_id: Id) -> ImportJob:
    return _job(request, job_id)


def _download(
    request: ApiRequest,
    slug: str,
    dataset: str,
    suffix: str,
    write: Callable[[Path, list[ColumnSpec], Path], None],
) -> FileResponse:
    """Export the current version to a temporary file and stream it; the file is unlinked
    as soon as it is open, so it disappears when the response is closed."""
    found = _dataset(request, slug, dataset)
    version = found.current_version
    if version is None:
        raise Http404
    folder = settings.DATA_DIR / "exports"
    folder.mkdir(exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=folder)
    os.close(handle)
    target = Path(name)
    try:
        columns = [ColumnSpec.from_dict(c) for c in version.columns]
        write(version_path(version), columns, target)
        stream = target.open("rb")
    finally:
        target.unlink(missing_ok=True)
    # The one type Python's mimetypes does not know is the one the document states.
    content_type = "application/vnd.apache.parquet" if suffix == ".parquet" else None
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{found.slug}-v{version.number}{suffix}",
        content_type=content_type,
    )


@router.get(
    f"{DATASET}/download.csv",
    response=READ_ERRORS,
    auth=AUTH_OR_ANONYMOUS,
    operation_id="download_dataset_csv",
    summary="The current version as CSV (geometries as WKT)",
    openapi_extra=_binary("text/csv"),
)
def download_dataset_csv(request: ApiRequest, slug: str, dataset: str) -> FileResponse:
    return _download(
        request,
        slug,
        dataset,
        ".csv",
        lambda source, columns, target: export_csv(source, columns, target),
    )


@router.get(
    f"{DATASET}/download.parquet",
    response=READ_ERRORS,
    auth=AUTH_OR_ANONYMOUS,
    operation_id="download_dataset_parquet",
    summary="The current version as Parquet",
    openapi_extra=_binary("application/vnd.apache.parquet"),
)
def download_dataset_parquet(request: ApiRequest, slug: str, dataset: str) -> FileResponse:
    return _download(
        request,
        slug,
        dataset,
        ".parquet",
        lambda source, _columns, target: export_parquet(source, target),
    )
