"""Datasets that refresh themselves: binding a dataset to a source, and each refresh as an
``ImportJob`` that first downloads the source, then imports it through the same
``services.import_file`` as an upload — the same checks, versions and bad-row reports. A
refresh that fails (the server, the limits, the file, its columns, its bad rows) ends as a
failed job and the dataset keeps its current version; the source remembers how it went.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.datasets import services
from civiclab.datasets.ingest import remote
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.models import Dataset, DataSource, ImportJob

INTERVALS = {
    DataSource.Schedule.HOURLY: timedelta(hours=1),
    DataSource.Schedule.DAILY: timedelta(days=1),
    DataSource.Schedule.WEEKLY: timedelta(weeks=1),
}
MAX_BAD_ROWS = 1_000_000
OPEN311_KEY = "service_request_id"
ACTIVE = (ImportJob.State.QUEUED, ImportJob.State.RUNNING)


def fetch_limits() -> remote.FetchLimits:
    """The operator's limits on one refresh's download (the settings REFRESH_*)."""
    return remote.FetchLimits(
        max_bytes=settings.REFRESH_MAX_BYTES,
        max_decompressed_bytes=settings.REFRESH_MAX_UNPACKED_BYTES,
        max_pages=settings.REFRESH_MAX_PAGES,
        max_rows=settings.REFRESH_MAX_ROWS,
        timeout_seconds=settings.REFRESH_TIMEOUT_SECONDS,
        allow_private_hosts=settings.REFRESH_ALLOW_PRIVATE_HOSTS,
    )


def shown_address(url: str) -> str:
    """The address as the dataset's readers see it (a version's "from"): without its query,
    which may hold an access token."""
    return urlunsplit(urlsplit(url)._replace(query="", fragment=""))


def _check_may_refresh(by: Any, dataset: Dataset) -> None:
    # Who may add versions to the dataset (an editor; publishing if it is shared widely).
    services.check_may_import(by, dataset.city, dataset.slug, dataset.visibility, True)


def key_columns(key: str) -> list[str]:
    return [c.strip() for c in key.split(",") if c.strip()]


def _clean(dataset: Dataset, fields: dict[str, Any]) -> dict[str, Any]:
    """The source's fields checked; ValidationError naming each field that is wrong."""
    errors: dict[str, str] = {}
    kind = fields.get("kind")
    if kind not in DataSource.Kind.values:
        errors["kind"] = _("Choose the kind of source.")
    url = str(fields.get("url") or "").strip()
    try:
        url = remote.check_url(url, settings.REFRESH_ALLOW_PRIVATE_HOSTS)
    except IngestError as exc:
        from civiclab.datasets.ingest_text import error_message

        errors["url"] = error_message(exc)
    if len(url) > 2000:
        errors["url"] = _("The address is over 2,000 characters.")
    mode = fields.get("mode") or "replace"
    key = ", ".join(key_columns(str(fields.get("key") or "")))
    if kind == DataSource.Kind.OPEN311:
        # Each refresh reads requests from the last one's newest, with an overlap: only an
        # upsert on the request's id adds them without doubles or losses.
        if mode != "upsert":
            errors["mode"] = _("An Open311 source is upserted on service_request_id.")
        key = key or OPEN311_KEY
    if mode not in services.MODES:
        errors["mode"] = _("Choose replace, append or upsert.")
    elif mode == "upsert":
        if not key:
            errors["key"] = _("Upserting needs the key column(s) that identify a row.")
        elif dataset.current_version is not None:
            columns = {c["source"] for c in dataset.current_version.columns} | {
                c["name"] for c in dataset.current_version.columns
            }
            unknown = [k for k in key_columns(key) if k not in columns]
            if unknown:
                errors["key"] = _("Not a column of the dataset: %(columns)s.") % {
                    "columns": ", ".join(unknown)
                }
    schedule = fields.get("schedule") or DataSource.Schedule.OFF
    if schedule not in DataSource.Schedule.values:
        errors["schedule"] = _("Choose hourly, daily, weekly or off.")
    try:
        max_bad_rows = int(fields.get("max_bad_rows") or 0)
    except (TypeError, ValueError):
        max_bad_rows = -1
    if not 0 <= max_bad_rows <= MAX_BAD_ROWS:
        errors["max_bad_rows"] = _("Between 0 and %(max)s.") % {"max": f"{MAX_BAD_ROWS:,}"}
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "url": url,
        "mode": mode,
        "key": key if mode == "upsert" else "",
        "schedule": schedule,
        "enabled": bool(fields.get("enabled", True)),
        "max_bad_rows": max_bad_rows,
        "start_from": fields.get("start_from"),
    }


@transaction.atomic
def bind_source(by: Any, dataset: Dataset, **fields: Any) -> DataSource:
    """Bind the dataset to a source (or change its source): kind, url, mode, key, schedule,
    enabled, max_bad_rows, start_from (Open311's first refresh). Checked: who may add
    versions to the dataset; the address public unless the operator allows private ones."""
    _check_may_refresh(by, dataset)
    cleaned = _clean(dataset, fields)
    source = DataSource.objects.filter(dataset=dataset).first()
    if source is None:
        source = DataSource(dataset=dataset)
    elif (source.kind, source.url) != (cleaned["kind"], cleaned["url"]):
        source.high_water = None  # another source: its high-water mark is not this one's
    for name, value in cleaned.items():
        setattr(source, name, value)
    source.bound_by = by
    source.save()
    record(
        by,
        "dataset.source.bind",
        dataset,
        kind=source.kind,
        url=source.url,
        mode=source.mode,
        schedule=source.schedule,
        enabled=source.enabled,
    )
    return source


@transaction.atomic
def unbind_source(by: Any, dataset: Dataset) -> None:
    """The dataset no longer refreshes itself; its versions (refreshed ones too) stay."""
    _check_may_refresh(by, dataset)
    source = DataSource.objects.filter(dataset=dataset).first()
    if source is None:
        return
    url = source.url
    source.delete()
    record(by, "dataset.source.unbind", dataset, url=url)


def refresh_now(by: Any, dataset: Dataset) -> ImportJob:
    """Queue a refresh of the dataset from its source at once (an editor's "Refresh now")."""
    _check_may_refresh(by, dataset)
    source = DataSource.objects.filter(dataset=dataset).first()
    if source is None:
        raise ValidationError(_("This dataset is not bound to a source."))
    job = start_refresh(source, by, audit=True)
    return job


def start_refresh(
    source: DataSource, by: Any, audit: bool = False, queue: bool = True
) -> ImportJob:
    """Create the source's refresh job and queue it once created (refused while one is
    under way); ``audit``: someone asked for it (the schedule's are not logged); not
    ``queue``: the caller runs it (the command line, without a worker)."""
    with transaction.atomic():
        source = DataSource.objects.select_for_update().select_related("dataset").get(pk=source.pk)
        if source.jobs.filter(state__in=ACTIVE).exists():
            raise ValidationError(_("A refresh of this dataset is already under way."))
        dataset = source.dataset
        options = services.ImportOptions(
            format="auto",
            mode=source.mode,
            key=source.key or None,
            max_bad_rows=source.max_bad_rows,
            visibility=dataset.visibility,
            add_version=True,
        )
        job = ImportJob.objects.create(
            city_id=dataset.city_id,
            dataset_name=dataset.name,
            dataset=dataset,
            upload="",
            source_name=shown_address(source.url)[:300],
            options=asdict(options),
            created_by=by,
            source=source,
        )
        source.last_attempt_at = timezone.now()
        source.save(update_fields=["last_attempt_at"])
        if audit:
            record(by, "dataset.source.refresh", dataset, job=job.pk)
    if queue:
        from civiclab.datasets.jobs import enqueue

        enqueue(job)
    return job


def due_sources(now: dt.datetime | None = None) -> list[DataSource]:
    """Enabled, scheduled sources whose interval has passed since their last attempt and
    that are not being refreshed already."""
    now = now or timezone.now()
    due = Q(last_attempt_at__isnull=True)
    for schedule, interval in INTERVALS.items():
        due |= Q(schedule=schedule, last_attempt_at__lte=now - interval)
    return list(
        DataSource.objects.filter(enabled=True, schedule__in=list(INTERVALS))
        .filter(due)
        .exclude(jobs__state__in=ACTIVE)
        .select_related("dataset", "bound_by")
        .order_by("last_attempt_at", "pk")
    )


def refresh_due(now: dt.datetime | None = None) -> list[ImportJob]:
    """Queue a refresh of every due source (the worker's sweep); the jobs queued."""
    queued = []
    for source in due_sources(now):
        try:
            queued.append(start_refresh(source, source.bound_by))
        except ValidationError:
            continue  # started meanwhile
    return queued


def _folder() -> Path:
    folder = settings.DATA_DIR / "uploads" / "jobs" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def download(job: ImportJob) -> Path:
    """Download the job's source into the job's own folder (kept from housekeeping while the
    job runs, removed when it ends); the file to import. Open311's high-water mark is kept
    in the job's options until the import succeeds."""
    source = DataSource.objects.select_related("dataset__current_version").get(
        pk=job.source_id or 0
    )
    folder = _folder()
    job.upload = str((folder / "download").relative_to(settings.DATA_DIR))
    job.save(update_fields=["upload"])
    current = source.dataset.current_version
    try:
        fetched = remote.fetch(
            source.kind,
            source.url,
            folder,
            fetch_limits(),
            now=timezone.now(),
            last_high_water=source.high_water,
            first_from=source.start_from,
            expected_columns=[c["source"] for c in current.columns] if current else None,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job.upload = str(fetched.path.relative_to(settings.DATA_DIR))
    job.options = {
        **job.options,
        "format": fetched.format,
        "fetched": {
            "pages": fetched.pages,
            "bytes": fetched.bytes,
            "rows": fetched.rows,
            "high_water": fetched.high_water.isoformat() if fetched.high_water else None,
        },
    }
    job.save(update_fields=["upload", "options"])
    return fetched.path


def import_options(job: ImportJob) -> dict[str, Any]:
    """The job's import options; a refresh's first import (no version yet) replaces."""
    options = {k: v for k, v in job.options.items() if k != "fetched"}
    if job.source_id is not None and options.get("mode") != "replace":
        dataset = Dataset.objects.filter(pk=job.dataset_id or 0).only("current_version").first()
        if dataset is None or dataset.current_version_id is None:
            options["mode"] = "replace"
    return options


def record_outcome(job: ImportJob) -> None:
    """Write how the job's refresh went on its source (success resets the failures and
    moves the high-water mark; a failure keeps both, with the error)."""
    now = timezone.now()
    updates: dict[str, Any]
    if job.state == ImportJob.State.DONE:
        updates = {"last_success_at": now, "last_error": "", "consecutive_failures": 0}
        mark = (job.options.get("fetched") or {}).get("high_water")
        if mark:
            updates["high_water"] = dt.datetime.fromisoformat(mark)
    else:
        updates = {
            "last_error": str((job.error or {}).get("message") or "")[:2000],
            "consecutive_failures": F("consecutive_failures") + 1,
        }
    DataSource.objects.filter(pk=job.source_id or 0).update(**updates)


def source_of(dataset: Dataset) -> DataSource | None:
    return DataSource.objects.filter(dataset=dataset).first()


def last_jobs(source: DataSource, limit: int = 5) -> list[ImportJob]:
    return list(source.jobs.order_by("-created_at")[:limit])


def source_for_editor(by: Any, dataset: Dataset) -> DataSource | None:
    """The dataset's source, for those who may refresh it: its address may hold an access
    token (Socrata's ``$$app_token``), so readers of the dataset do not see it."""
    _check_may_refresh(by, dataset)
    return source_of(dataset)
