from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import TEST_PASSWORD
from tests.migrated import Migrated
from tests.world import World, build_world

# The S3 protocol server (moto) and an installation on a bucket of it: s3_server, object_store.
pytest_plugins = ["tests.object_store"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: object, request: pytest.FixtureRequest) -> None:
    # Argon2 is deliberately slow; tests that are about hashing ask for it with the marker.
    if "real_hasher" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # The cache is files in the run's data directory, shared like a server's processes share it:
    # each test starts with none of an earlier test's pages, readings or data version (its rows
    # were rolled back; a value kept under an id the next test's rows reuse — the language of a
    # user's city, a rendered page — must not reach it). Clearing an almost empty folder takes a
    # fraction of a millisecond.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_at_once() -> None:
    # Background jobs run inside the test that queues them; test_worker.py runs a real one.
    import civiclab.datasets.tasks  # noqa: F401  (registers the tasks)
    from civiclab.core.jobqueue import queue

    queue().immediate = True


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migrated]:
    """The session's migrated, empty installations (tests/migrated.py), which tests that
    start civiclab processes copy instead of migrating their own."""
    made = Migrated(tmp_path_factory.mktemp("migrated"))
    yield made
    made.close()
