"""``datasets`` announces a new current version; it never calls the apps built on it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

import civiclab.datasets
from civiclab.datasets import services
from civiclab.datasets.models import Dataset
from civiclab.datasets.signals import version_published
from tests.datasets.helpers import write
from tests.world import World

# The apps above ``datasets`` in the layers of docs/architecture.md.
HIGHER = ("indicators", "geo", "portfolio", "site")


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value  # import_module("civiclab.…") and the like


def test_datasets_code_imports_no_app_built_on_it() -> None:
    """GIVEN every module of civiclab.datasets WHEN its imports are read THEN none names
    indicators, geo, portfolio or the site: they learn of new versions through the signal."""
    root = Path(civiclab.datasets.__file__).parent
    upward = [
        f"{path.relative_to(root)}:{line}: {name}"
        for path in sorted(root.rglob("*.py"))
        for line, name in imported_modules(path)
        if any(name == f"civiclab.{app}" or name.startswith(f"civiclab.{app}.") for app in HIGHER)
    ]
    assert upward == []


@pytest.fixture
def announced() -> Iterator[list[dict[str, Any]]]:
    heard: list[dict[str, Any]] = []

    def listen(sender: Any, **kwargs: Any) -> None:
        heard.append({"sender": sender, **kwargs})

    version_published.connect(listen, dispatch_uid="test.listen")
    yield heard
    version_published.disconnect(dispatch_uid="test.listen")


def csv(tmp_path: Path, name: str, rows: int) -> Path:
    return write(tmp_path / name, "id,kind\n" + "".join(f"{i},a\n" for i in range(rows)))


@pytest.mark.django_db
def test_each_published_version_is_announced_once_after_commit(
    world: World,
    tmp_path: Path,
    announced: list[dict[str, Any]],
    django_capture_on_commit_callbacks,
) -> None:
    """GIVEN a listener WHEN a dataset is imported, given a second version and rolled back
    THEN each change is announced once, with its version, and only when it has committed."""
    member = world.user("member")
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.import_file(
            member, world.city, "Trees", csv(tmp_path, "a.csv", 2), "a.csv",
            services.ImportOptions(),
        )  # fmt: skip
    assert announced == []  # not before the commit
    for callback in callbacks:
        callback()
    dataset = Dataset.objects.get(pk=first.dataset_id)
    assert announced == [{"sender": Dataset, "signal": version_published,
                          "dataset": dataset, "version": first}]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        second = services.import_file(
            member, world.city, "Trees", csv(tmp_path, "b.csv", 3), "b.csv",
            services.ImportOptions(add_version=True),
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.rollback(member, dataset, 1)
    assert [(a["dataset"].pk, a["version"].number) for a in announced] == [
        (dataset.pk, 1),
        (dataset.pk, second.number),
        (dataset.pk, 1),
    ]


@pytest.mark.django_db
def test_a_version_whose_transaction_rolls_back_is_not_announced(
    world: World,
    tmp_path: Path,
    announced: list[dict[str, Any]],
    django_capture_on_commit_callbacks,
) -> None:
    """GIVEN an import inside a transaction that fails afterwards WHEN it rolls back THEN no
    listener hears of the version that never was."""
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.import_file(
            world.user("member"), world.city, "Trees", csv(tmp_path, "a.csv", 2), "a.csv",
            services.ImportOptions(),
        )  # fmt: skip
        raise RuntimeError("later step failed")
    assert announced == []
    assert not Dataset.objects.filter(name="Trees").exists()
