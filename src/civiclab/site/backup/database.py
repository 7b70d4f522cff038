"""Every table of every model, written out and read back in a form both databases share.

Rows are read and written through the *historical* models of the migrations applied (Django's
migration state), not the code's models: an archive made before an upgrade is loaded at the
state it was made at, and the upgrade's migrations then run over it as over any database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.apps.registry import Apps
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from civiclab.site.backup.archive import ArchiveError, header_line, row_line

# Rows read per query while dumping, and inserted per statement while loading: bounds memory.
BATCH = 2_000
# Tables Django fills itself on every migrate; a database holding only these is fresh.
FILLED_BY_MIGRATE = {"contenttypes.contenttype", "auth.permission"}

Migration = tuple[str, str]


def applied_migrations() -> list[Migration]:
    """The migrations applied to the database, in a stable order."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(loader.applied_migrations)


def known_migrations() -> set[Migration]:
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def state_apps(applied: Iterable[Migration]) -> Apps:
    """The models as the migrations ``applied`` left them: the code's own when every migration
    is applied (the usual case, and rendering a migration state takes seconds), else those
    the migration state renders."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = set(applied)
    if applied == set(loader.graph.nodes):
        from django.apps import apps

        return apps
    leaves = [
        node for node in applied
        if not any(child in applied for child in loader.graph.node_map[node].children)
    ]  # fmt: skip
    return loader.project_state(leaves, at_end=True).apps


def concrete_models(apps: Apps) -> list[type[models.Model]]:
    """Every model with a table of its own (many-to-many tables included), by label."""
    found = [
        model for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]  # fmt: skip
    return sorted(found, key=lambda model: model._meta.label_lower)


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields]


def dump(apps: Apps, write: Callable[[str], Any]) -> dict[str, int]:
    """Write every row of every model of ``apps``, by primary key, with ``write``; the rows
    per model. The caller holds the transaction that makes it one consistent snapshot."""
    counts: dict[str, int] = {}
    for model in concrete_models(apps):
        fields = _columns(model)
        names = [field.attname for field in fields]
        label = model._meta.label_lower
        write(header_line(label, names))
        count = 0
        rows = model._base_manager.order_by("pk").values_list(*names)
        for row in rows.iterator(chunk_size=BATCH):
            write(row_line(row))
            count += 1
        counts[label] = count
    return counts


def holds_data(apps: Apps) -> list[str]:
    """The models, beyond what migrate fills itself, that already have rows."""
    return [
        model._meta.label_lower for model in concrete_models(apps)
        if model._meta.label_lower not in FILLED_BY_MIGRATE and model._base_manager.exists()
    ]  # fmt: skip


def migrate_to(targets: list[Migration] | None) -> None:
    """Apply migrations up to ``targets`` (every leaf when None), as ``civiclab migrate``."""
    executor = MigrationExecutor(connection)
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    if any(backwards for _migration, backwards in plan):
        raise ArchiveError(
            "the database is at newer migrations than the backup: restore into an empty database"
        )
    if plan:  # even an empty plan renders the whole migration state
        executor.migrate(targets, plan=plan)


def leaf_targets(applied: Iterable[Migration]) -> list[Migration]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = set(applied)
    return sorted(
        node for node in applied
        if not any(child in applied for child in loader.graph.node_map[node].children)
    )  # fmt: skip


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    if isinstance(target, models.JSONField):
        return lambda value: value
    return target.to_python  # type: ignore[no-any-return]


def load(apps: Apps, rows: Iterator[tuple[str, list[str], list[Any]]]) -> dict[str, int]:
    """Replace every table of ``apps`` by the ``rows`` of a dump, in one transaction, keeping
    primary keys; the rows per model. Foreign keys are checked once, at the end."""
    all_models = concrete_models(apps)
    by_label = {model._meta.label_lower: model for model in all_models}
    counts: dict[str, int] = dict.fromkeys(by_label, 0)
    with (
        connection.constraint_checks_disabled(),
        _times_kept(all_models),
        transaction.atomic(),
    ):
        tables = [model._meta.db_table for model in all_models]
        for statement in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            with connection.cursor() as cursor:
                cursor.execute(statement)
        batch: list[models.Model] = []
        current: type[models.Model] | None = None
        converters: list[Callable[[Any], Any]] = []
        names: list[str] = []
        line_model = ""
        for label, fields, values in rows:
            if label != line_model:
                _flush(current, batch)
                batch = []
                model = by_label.get(label)
                if model is None:
                    raise ArchiveError(f"the backup holds rows of {label}, a model this "
                                       "database's migrations do not have")  # fmt: skip
                known = {field.attname: field for field in _columns(model)}
                missing = [name for name in fields if name not in known]
                if missing:
                    raise ArchiveError(f"{label}: the backup's fields {missing} are not in the "
                                       "database at the backup's migrations")  # fmt: skip
                current, line_model, names = model, label, fields
                converters = [_converter(known[name]) for name in fields]
            try:
                converted = {
                    name: None if value is None else convert(value)
                    for name, convert, value in zip(names, converters, values, strict=True)
                }
            except Exception as exc:  # a value the field refuses: say which one
                raise ArchiveError(f"{label}: row {values[:1]} has a value its field refuses: "
                                   f"{exc}") from exc  # fmt: skip
            assert current is not None
            batch.append(current(**converted))
            counts[label] += 1
            if len(batch) >= BATCH:
                _flush(current, batch)
                batch = []
        _flush(current, batch)
        try:
            connection.check_constraints()
        except Exception as exc:  # IntegrityError with the table and row
            raise ArchiveError(f"the restored rows do not hold together: {exc}") from exc
        sequences = connection.ops.sequence_reset_sql(no_style(), all_models)
        with connection.cursor() as cursor:
            for statement in sequences:
                cursor.execute(statement)
    return counts


def _flush(model: type[models.Model] | None, batch: list[models.Model]) -> None:
    if model is None or not batch:
        return
    try:
        with transaction.atomic():
            model._base_manager.bulk_create(batch)
    except (DatabaseError, ValueError) as exc:
        # e.g. a NUL character, which SQLite stores and PostgreSQL refuses.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiveError(
            f"{model._meta.label_lower}: the database refused rows with ids "
            f"{batch[0].pk}…{batch[-1].pk}: {first}"
        ) from exc


@contextlib.contextmanager
def _times_kept(all_models: list[type[models.Model]]) -> Iterator[None]:
    """A restored row keeps its times: ``auto_now``/``auto_now_add`` would stamp "now" on
    insert. Turned off while loading, and back on after (the models may be the code's own)."""
    switched = [
        (field, field.auto_now, field.auto_now_add)  # type: ignore[attr-defined]
        for model in all_models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    try:
        for field, _now, _add in switched:
            field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]
        yield
    finally:
        for field, now, add in switched:
            field.auto_now, field.auto_now_add = now, add  # type: ignore[attr-defined]


@contextlib.contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of the whole database while the server keeps writing: PostgreSQL's
    REPEATABLE READ, read-only; SQLite's read transaction (its write-ahead log lets writers go
    on while it lasts). Inside a caller's transaction (the tests), that one's view is used."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
