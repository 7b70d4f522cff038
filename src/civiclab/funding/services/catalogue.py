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
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civiclab.audit.services import record
from civiclab.core import fulltext
from civiclab.core.permissions import Role
from civiclab.core.scoping import actor_for
from civiclab.core.services import changed_values
from civiclab.funding import search_index
from civiclab.funding.catalogue import applicants
from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.catalogue.formats import detect, file_sha256
from civiclab.funding.catalogue.history import changes
from civiclab.funding.catalogue.prefetch import IndexEntry, PreparedRecord
from civiclab.funding.catalogue.records import (
    ACTIVITY_CATEGORIES,
    INSTRUMENTS,
    DocType,
    OpportunityRecord,
)
from civiclab.funding.catalogue.search_terms import CATEGORY_BIT, INSTRUMENT_BIT, mask
from civiclab.funding.models import CatalogueImport, Opportunity, OpportunityChange
from civiclab.funding.services.read_ahead import read_ahead

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
WRITTEN_FIELDS = (
    *RECORD_FIELDS,
    "applicant_mask",
    "activity_mask",
    "instrument_mask",
    "content_hash",
    "updated_at",
)


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
    indexed: int = 0
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
        with transaction.atomic(), fulltext.bulk_writes(search_index.OPPORTUNITIES):
            stored_digests = dict(
                Opportunity.objects.filter(source=GRANTS_GOV).values_list(
                    "external_id", "content_hash"
                )
            )
            batches = read_ahead(
                run.format, path, BATCH, stored_digests, connection.vendor == "postgresql"
            )
            _import_records(run, batches, counts)
            search_index.analyze_after(counts.indexed)
    except (CatalogueError, OSError, zipfile.BadZipFile, ValidationError) as error:
        failure = error if isinstance(error, CatalogueError) else CatalogueError(str(error))
        run.status = "failed"
        run.error = str(failure)[:5_000]
        run.finished_at = timezone.now()
        run.save()
        record(
            by,
            "catalogue.import_failed",
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
        "catalogue.import",
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


def source_and_id(item: OpportunityRecord) -> tuple[str, str]:
    return GRANTS_GOV, item.opportunity_id


def _values(item: OpportunityRecord, digest: str, now: dt.datetime) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in RECORD_FIELDS}
    values["doc_type"] = str(item.doc_type)
    values["applicant_mask"] = applicants.mask_of(item.applicant_codes)
    # Written with the row: search_index.reindex would otherwise UPDATE every new row once more.
    values["activity_mask"] = mask(item.activity_categories, CATEGORY_BIT)
    values["instrument_mask"] = mask(item.instruments, INSTRUMENT_BIT)
    values["content_hash"] = digest
    values["updated_at"] = now
    return values


def _import_records(
    run: CatalogueImport, batches: Iterator[list[PreparedRecord]], counts: Counts
) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for prepared in batches:
        ids = list(dict.fromkeys(each.key for each in prepared))
        stored: dict[str, dict[str, Any]] = {
            row["external_id"]: dict(row)
            for row in Opportunity.objects.filter(source=GRANTS_GOV, external_id__in=ids).values(
                "pk", "external_id", "content_hash", "doc_type"
            )
        }
        # What each opportunity is after the records before it in this batch (a forecast
        # and its synopsis may both be in the batch).
        pending: dict[str, dict[str, Any]] = {}
        full: dict[str, dict[str, Any]] = {}
        history: list[tuple[str, list[Any]]] = []
        entries: dict[str, IndexEntry | None] = {}
        for each in prepared:
            key = each.key
            current = pending.get(key) or stored.get(key)
            if (
                current is not None
                and current["doc_type"] == DocType.SYNOPSIS
                and each.doc_type == DocType.FORECAST
            ):
                counts.superseded += 1
                continue
            digest = each.digest
            if current is not None and current["content_hash"] == digest:
                counts.unchanged += 1
                continue
            item = each.item
            if item is None:
                # Unchanged when the import started, changed since (by another import).
                raise CatalogueError(
                    _("The catalogue changed while this file was imported: import it again."),
                    opportunity_id=key,
                )
            if current is None:
                before = None
            elif key in pending:
                before = pending[key]
            else:
                if not full:
                    full.update(_stored_rows(stored))
                before = full[key]
            values = _values(item, digest, now)
            values["pk"] = current["pk"] if current is not None else None
            history.append((key, changes(before, item, today)))
            pending[key] = values
            entries[key] = each.index_entry
        if pending:
            _write(run, pending, stored, history, entries, counts, now)


def _stored_rows(stored: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
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
    entries: dict[str, IndexEntry | None],
    counts: Counts,
    now: dt.datetime,
) -> None:
    new = {key: values for key, values in pending.items() if values["pk"] is None}
    changed = [
        Opportunity(pk=values["pk"], **_without_pk(values))
        for values in pending.values()
        if values["pk"] is not None
    ]
    pks: dict[str, int] = {}
    if new:
        rows = [
            {"source": GRANTS_GOV, "external_id": key, "first_seen": now, **_without_pk(values)}
            for key, values in new.items()
        ]
        _insert(Opportunity, rows)
        pks.update(
            Opportunity.objects.filter(source=GRANTS_GOV, external_id__in=list(new)).values_list(
                "external_id", "pk"
            )
        )
        counts.created += len(new)
    if changed:
        Opportunity.objects.bulk_update(changed, WRITTEN_FIELDS, batch_size=BATCH)
        counts.updated += len(changed)
    pks.update({key: values["pk"] for key, values in pending.items() if values["pk"]})
    changes_rows = []
    for key, found in history:
        for change in found:
            counts.kinds[change.kind] = counts.kinds.get(change.kind, 0) + 1
            changes_rows.append(
                {
                    "opportunity": pks[key],
                    "kind": change.kind,
                    "field": change.field,
                    "before": change.before,
                    "after": change.after,
                    "at": now,
                    "catalogue_import": run.pk,
                }
            )
    _insert(OpportunityChange, changes_rows)
    counts.changes += len(changes_rows)
    # Indexed from the entries prepared with the records just written (reading them back
    # would read every description again); the masks were written with the rows, so the
    # index writes nothing else.
    counts.indexed += search_index.index_entries(
        [(pks[key], entries[key], values) for key, values in pending.items()]
    )


def _insert(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (field name → value; the fields' defaults for the others) with one
    ``executemany``. ``bulk_create`` spent two thirds of a fresh import's time in Django's SQL
    compiler, value by value; the values here go through the same ``get_db_prep_save``, except
    those it returns unchanged (text, whole numbers, booleans, None outside JSON), which are
    most of them."""
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read once per value
    # A generated column (Opportunity.open_until) is the database's to write.
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    defaults = {f.name: f.get_default() for f in fields}
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = conn.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    plain = [_plain_types(f) for f in fields]
    prepared = []
    for row in rows:
        values = []
        for f, kinds in zip(fields, plain, strict=True):
            value = row[f.name] if f.name in row else defaults[f.name]
            values.append(value if type(value) in kinds else f.get_db_prep_save(value, conn))
        prepared.append(tuple(values))
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY: several times faster than INSERTs of rows with kilobytes of text.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for prepared_row in prepared:
                    copy.write_row(prepared_row)
        else:
            cursor.executemany(sql, prepared)


def _plain_types(model_field: Any) -> frozenset[type]:
    """The types of value ``model_field.get_db_prep_save`` returns unchanged."""
    if isinstance(model_field, models.JSONField):
        return frozenset()
    kinds: set[type] = {type(None)}
    if isinstance(model_field, models.CharField | models.TextField):
        kinds.add(str)
    elif isinstance(model_field, models.BooleanField):
        kinds.add(bool)
    elif isinstance(model_field, models.IntegerField | models.ForeignKey):
        kinds.add(int)
    return frozenset(kinds)


def _without_pk(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "pk"}


# --- Funds entered by hand ------------------------------------------------------------------

# What a person may set on a fund entered by hand (the rest is the catalogue's bookkeeping).
FUND_FIELDS = (
    "title",
    "number",
    "description",
    "agency_name",  # the funder's name
    "funder_type",
    "country",
    "eligibility_text",
    "applicant_codes",
    "activity_categories",
    "instruments",
    "post_date",
    "close_date",
    "close_date_explanation",
    "award_ceiling",
    "award_floor",
    "total_funding",
    "currency",
    "cost_sharing",
    "url",
)


def may_enter_funds(by: Any, network_id: int) -> bool:
    """The command line, the network's admins and the city admins of its cities enter funds
    for the network (a fund is seen by every member of the network: sharing that widely is a
    city admin's call, as publishing is)."""
    if by is None:
        return True
    return any(
        grant.network_id == network_id and grant.role in {Role.CITY_ADMIN, Role.NETWORK_ADMIN}
        for grant in actor_for(by).grants
    )


def may_edit_fund(by: Any, opportunity: Opportunity) -> bool:
    if opportunity.source != MANUAL or opportunity.network_id is None:
        return by is None
    if by is not None and opportunity.created_by_id == by.pk:
        return opportunity.network_id in {g.network_id for g in actor_for(by).grants}
    return may_enter_funds(by, opportunity.network_id)


def _check_fund_values(values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(FUND_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be set: %s.") % ", ".join(unknown))
    errors: dict[str, str] = {}
    codes = values.get("applicant_codes")
    if codes is not None and (
        not isinstance(codes, list) or any(code not in applicants.BY_CODE for code in codes)
    ):
        errors["applicant_codes"] = _("Unknown applicant type.")
    for name, table in (
        ("activity_categories", ACTIVITY_CATEGORIES),
        ("instruments", INSTRUMENTS),
    ):
        chosen = values.get(name)
        if chosen is not None and (
            not isinstance(chosen, list) or any(code not in table for code in chosen)
        ):
            errors[name] = _("Unknown category.")
    if errors:
        raise ValidationError(errors)


def _save_fund(fund: Opportunity) -> None:
    fund.applicant_mask = applicants.mask_of(fund.applicant_codes)
    if (
        fund.award_ceiling is not None
        and fund.award_floor is not None
        and fund.award_floor > fund.award_ceiling
    ):
        raise ValidationError({"award_floor": _("The floor is above the ceiling.")})
    fund.updated_at = timezone.now()
    fund.full_clean()
    fund.save()


def create_fund(by: Any, network: Any, **fields: Any) -> Opportunity:
    """A fund entered by hand (state, philanthropic, French…), seen by ``network``."""
    if not may_enter_funds(by, network.pk):
        raise PermissionDenied(_("Only the network's admins and city admins enter funds."))
    _check_fund_values(fields)
    with transaction.atomic():
        fund = Opportunity(
            source=MANUAL,
            external_id=f"manual-new-{time.monotonic_ns()}",
            network=network,
            created_by=by,
            doc_type=DocType.SYNOPSIS,
            funder_type=fields.pop("funder_type", "other"),
            **fields,
        )
        _save_fund(fund)
        fund.external_id = f"manual-{fund.pk}"
        fund.save(update_fields=["external_id"])
        OpportunityChange.objects.create(opportunity=fund, kind="created", after=fund.title)
        record(by, "fund.create", fund, network=network, title=fund.title)
        search_index.reindex([fund.pk])
    return fund


def update_fund(by: Any, opportunity: Opportunity, **changes_: Any) -> Opportunity:
    """Change a fund entered by hand (Grants.gov's opportunities change only by import)."""
    if opportunity.source != MANUAL:
        raise ValidationError(
            _("Grants.gov opportunities change only when the catalogue is imported.")
        )
    if not may_edit_fund(by, opportunity):
        raise PermissionDenied(_("Only the fund's author and the network's admins edit it."))
    _check_fund_values(changes_)
    with transaction.atomic():
        before = {name: getattr(opportunity, name) for name in changes_}
        for name, value in changes_.items():
            setattr(opportunity, name, value)
        _save_fund(opportunity)
        diff = changed_values(before, changes_)
        kinds = _fund_change_kinds(before, changes_)
        OpportunityChange.objects.bulk_create(
            [
                OpportunityChange(
                    opportunity=opportunity,
                    kind=kind,
                    field=name,
                    before="" if before[name] is None else str(before[name]),
                    after="" if changes_[name] is None else str(changes_[name]),
                )
                for name, kind in kinds
            ]
        )
        record(by, "fund.update", opportunity, network=opportunity.network, changes=diff)
        search_index.reindex([opportunity.pk])
    return opportunity


def _fund_change_kinds(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str]]:
    kinds = []
    for name, value in after.items():
        old = before[name]
        if old == value:
            continue
        if name == "close_date":
            if old is None:
                kinds.append((name, "deadline_set"))
            elif value is None:
                kinds.append((name, "changed"))
            else:
                kinds.append(
                    (name, "deadline_extended" if value > old else "deadline_moved_earlier")
                )
        elif name in {"award_ceiling", "award_floor", "total_funding"}:
            kinds.append(
                (
                    name,
                    {"award_ceiling": "ceiling_changed", "award_floor": "floor_changed"}.get(
                        name, "funding_changed"
                    ),
                )
            )
        elif name in {"applicant_codes", "eligibility_text"}:
            kinds.append((name, "eligibility_changed"))
        else:
            kinds.append((name, "changed"))
    return kinds
