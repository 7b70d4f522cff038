"""Imports of catalogue files and funds entered by hand: checked, validated, audited.

An import is one transaction: a file that fails anywhere leaves the catalogue as it was, and
the failure is kept on its ``CatalogueImport`` row (written outside the failed transaction).
Records are read as a stream and written in batches of ``BATCH`` (one query to find the
stored rows, one ``bulk_create``, one ``bulk_update``, one for the history), so memory holds
one batch whatever the file's size. A record whose content hash equals the stored one is not
written at all: re-importing the same file writes nothing and records no change.
"""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core.scoping import actor_for
from civiclab.funding import search_index
from civiclab.funding.catalogue import applicants
from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.catalogue.formats import content_hash, detect, file_sha256, reader_for
from civiclab.funding.catalogue.history import changes
from civiclab.funding.catalogue.records import DocType, OpportunityRecord
from civiclab.funding.models import CatalogueImport, Opportunity, OpportunityChange

# Records written per batch (and per query): 1,000 keeps a batch's rows (descriptions up to
# 20,000 characters) a few MB and under SQLite's parameter limits for ``external_id__in``.
BATCH = 1_000
GRANTS_GOV = "grants.gov"
MANUAL = "manual"

# The model fields a record sets (its other fields are the import's bookkeeping).
RECORD_FIELDS = (
    "number",
    "title",
    "doc_type",
    "category",
    "instruments",
    "activity_categories",
    "assistance_listings",
    "applicant_codes",
    "eligibility_text",
    "agency_code",
    "agency_name",
    "post_date",
    "close_date",
    "close_date_explanation",
    "archive_date",
    "last_updated",
    "award_ceiling",
    "award_floor",
    "total_funding",
    "expected_awards",
    "cost_sharing",
    "description",
    "url",
    "estimated_post_date",
    "estimated_close_date",
    "fiscal_year",
)
WRITTEN_FIELDS = (*RECORD_FIELDS, "applicant_mask", "content_hash", "updated_at")


def may_import(by: Any) -> bool:
    """The command line (``by`` None) and network admins import catalogue files: the
    catalogue is shared by every network."""
    return by is None or bool(actor_for(by).network_admin_of())


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0  # forecasts whose synopsis is stored or in the same file
    changes: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def import_catalogue(by: Any, path: Path | str, *, file_name: str | None = None) -> CatalogueImport:
    """Import the catalogue file at ``path``; return its ``CatalogueImport`` (succeeded).

    Raises ``CatalogueError`` (after recording the failed import) when the file cannot be
    imported; the catalogue is then unchanged."""
    if not may_import(by):
        raise PermissionDenied(_("Only network admins import catalogue files."))
    path = Path(path)
    run = CatalogueImport.objects.create(
        file_name=(file_name or path.name)[:300], sha256=file_sha256(path), by=by
    )
    started = time.monotonic()
    counts = Counts()
    try:
        run.format = detect(path)
        with transaction.atomic():
            _import_records(run, reader_for(run.format)(path), counts)
    except (CatalogueError, OSError, zipfile.BadZipFile, ValidationError) as error:
        failure = error if isinstance(error, CatalogueError) else CatalogueError(str(error))
        run.status = "failed"
        run.error = str(failure)[:5_000]
        run.finished_at = timezone.now()
        run.save()
        record(
            by,
            "funding.catalogue_import_failed",
            run,
            file=run.file_name,
            sha256=run.sha256,
            error=run.error,
        )
        failure.catalogue_import = run  # type: ignore[attr-defined]
        raise failure from None
    run.status = "succeeded"
    run.created, run.updated, run.unchanged = counts.created, counts.updated, counts.unchanged
    run.finished_at = timezone.now()
    run.save()
    record(
        by,
        "funding.catalogue_import",
        run,
        file=run.file_name,
        sha256=run.sha256,
        format=run.format,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        superseded=counts.superseded,
        changes=counts.kinds,
        seconds=round(time.monotonic() - started, 1),
    )
    run.superseded = counts.superseded  # type: ignore[attr-defined]
    run.change_counts = counts.kinds  # type: ignore[attr-defined]
    return run


def _batches(records: Iterator[OpportunityRecord]) -> Iterator[list[OpportunityRecord]]:
    batch: list[OpportunityRecord] = []
    for item in records:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def source_and_id(item: OpportunityRecord) -> tuple[str, str]:
    return GRANTS_GOV, item.opportunity_id


def _values(item: OpportunityRecord, digest: str, now: dt.datetime) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in RECORD_FIELDS}
    values["doc_type"] = str(item.doc_type)
    values["applicant_mask"] = applicants.mask_of(item.applicant_codes)
    values["content_hash"] = digest
    values["updated_at"] = now
    return values


def _import_records(
    run: CatalogueImport, records: Iterator[OpportunityRecord], counts: Counts
) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for batch in _batches(records):
        ids = list(dict.fromkeys(item.opportunity_id for item in batch))
        stored = {
            row["external_id"]: row
            for row in Opportunity.objects.filter(source=GRANTS_GOV, external_id__in=ids).values(
                "pk", "external_id", "content_hash", "doc_type"
            )
        }
        # What each opportunity is after the records before it in this batch (a forecast
        # and its synopsis may both be in the batch).
        pending: dict[str, dict[str, Any]] = {}
        full: dict[str, dict[str, Any]] = {}
        history: list[tuple[str, list[Any]]] = []
        for item in batch:
            key = item.opportunity_id
            current = pending.get(key) or stored.get(key)
            if (
                current is not None
                and current["doc_type"] == DocType.SYNOPSIS
                and item.doc_type == DocType.FORECAST
            ):
                counts.superseded += 1
                continue
            digest = content_hash(item)
            if current is not None and current["content_hash"] == digest:
                counts.unchanged += 1
                continue
            if current is None:
                before = None
            elif key in pending:
                before = pending[key]
            else:
                if not full:
                    full.update(_stored_rows(stored, batch))
                before = full[key]
            values = _values(item, digest, now)
            values["pk"] = current["pk"] if current is not None else None
            history.append((key, changes(before, item, today)))
            pending[key] = values
        if pending:
            _write(run, pending, stored, history, counts, now)


def _stored_rows(
    stored: dict[str, dict[str, Any]], batch: list[OpportunityRecord]
) -> dict[str, dict[str, Any]]:
    pks = [row["pk"] for row in stored.values()]
    return {
        row["external_id"]: row
        for row in Opportunity.objects.filter(pk__in=pks).values(
            "pk", "external_id", "archive_date", *RECORD_FIELDS
        )
    }


def _write(
    run: CatalogueImport,
    pending: dict[str, dict[str, Any]],
    stored: dict[str, dict[str, Any]],
    history: list[tuple[str, list[Any]]],
    counts: Counts,
    now: dt.datetime,
) -> None:
    new = [
        Opportunity(source=GRANTS_GOV, external_id=key, first_seen=now, **_without_pk(values))
        for key, values in pending.items()
        if values["pk"] is None
    ]
    changed = [
        Opportunity(pk=values["pk"], **_without_pk(values))
        for values in pending.values()
        if values["pk"] is not None
    ]
    if new:
        Opportunity.objects.bulk_create(new, batch_size=BATCH)
        counts.created += len(new)
    if changed:
        Opportunity.objects.bulk_update(changed, WRITTEN_FIELDS, batch_size=BATCH)
        counts.updated += len(changed)
    pks = {obj.external_id: obj.pk for obj in new}
    pks.update({key: values["pk"] for key, values in pending.items() if values["pk"]})
    rows = []
    for key, found in history:
        for change in found:
            counts.kinds[change.kind] = counts.kinds.get(change.kind, 0) + 1
            rows.append(
                OpportunityChange(
                    opportunity_id=pks[key],
                    kind=change.kind,
                    field=change.field,
                    before=change.before,
                    after=change.after,
                    at=now,
                    catalogue_import=run,
                )
            )
    OpportunityChange.objects.bulk_create(rows, batch_size=BATCH)
    counts.changes += len(rows)
    search_index.reindex(sorted(set(pks.values())))


def _without_pk(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "pk"}
