"""The cache is one for every process of an installation: files in the data directory by
default, Redis when configured; never Django's per-process memory cache, which kept another
process's dashboards stale until they expired."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from civiclab.config import ConfigError, cache_settings
from civiclab.reports.queries.dashboard import data_version

REDIS = "redis://127.0.0.1:6379/13"  # a database of its own (test_worker.py empties 15)

BUMP = """
import django
django.setup()
from civiclab.reports.queries.dashboard import bump_data_version
bump_data_version()
"""
SET = """
import sys, django
django.setup()
from django.core.cache import cache
cache.set(sys.argv[1], sys.argv[2], 60)
"""
GET = """
import json, sys, django
django.setup()
from django.core.cache import cache
print(json.dumps(cache.get(sys.argv[1])))
"""


def run(script: str, *args: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLAB_")}
    clean |= {"DJANGO_SETTINGS_MODULE": "civiclab.settings", **env}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=clean, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_write_in_another_process_changes_the_dashboard_data_version_here() -> None:
    """GIVEN this process has read the dashboard's data version WHEN another process of the
    same installation (same data directory) saves a row the dashboard reads THEN this process
    reads a new data version, so it renders the dashboard afresh instead of serving the page it
    cached."""
    assert "LocMemCache" not in settings.CACHES["default"]["BACKEND"]
    before = data_version()
    run(BUMP, CIVICLAB_DATA_DIR=os.environ["CIVICLAB_DATA_DIR"])
    assert data_version() != before


def test_redis_cache_is_shared_by_processes_with_different_data_directories(
    tmp_path: Path,
) -> None:
    """GIVEN two processes on two machines (two data directories) with CIVICLAB_REDIS_URL set
    WHEN one sets a value THEN the other reads it: the cache is Redis, not files."""
    key, value = f"probe-{uuid.uuid4().hex}", uuid.uuid4().hex
    run(SET, key, value, CIVICLAB_DATA_DIR=str(tmp_path / "one"), CIVICLAB_REDIS_URL=REDIS)
    seen = run(GET, key, CIVICLAB_DATA_DIR=str(tmp_path / "two"), CIVICLAB_REDIS_URL=REDIS)
    assert json.loads(seen) == value
    elsewhere = run(GET, key, CIVICLAB_DATA_DIR=str(tmp_path / "two"))
    assert json.loads(elsewhere) is None  # without Redis, that machine's own files


def test_cache_settings_choose_redis_files_or_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN CIVICLAB_REDIS_URL and CIVICLAB_CACHE_URL set or not WHEN the cache settings are
    made THEN the cache is the override, else the jobs' Redis, else files in the data
    directory; every one has civiclab's key prefix and none is per process."""
    monkeypatch.delenv("CIVICLAB_CACHE_URL", raising=False)
    files = cache_settings(tmp_path, "")
    assert files["BACKEND"] == "civiclab.core.cache.SharedFileCache"
    assert files["LOCATION"] == str(tmp_path / "cache")
    redis = cache_settings(tmp_path, "redis://127.0.0.1:6379/0")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/0"
    assert redis["OPTIONS"]["socket_timeout"] > 0  # a dead Redis is an error, not a hang
    monkeypatch.setenv("CIVICLAB_CACHE_URL", "redis://cache:6379/1")
    assert cache_settings(tmp_path, "redis://jobs:6379/0")["LOCATION"] == "redis://cache:6379/1"
    monkeypatch.setenv("CIVICLAB_CACHE_URL", "file:///var/cache/civiclab")
    assert cache_settings(tmp_path, "redis://jobs:6379/0")["LOCATION"] == "/var/cache/civiclab"
    for made in (files, redis):
        assert made["KEY_PREFIX"] == "civiclab"


@pytest.mark.parametrize(
    ("cache_url", "redis_url", "message"),
    [
        (
            "memcached://127.0.0.1:11211",
            "",
            "CIVICLAB_CACHE_URL='memcached://127.0.0.1:11211' is not",
        ),
        ("file://relative/folder", "", "needs an absolute folder"),
        ("", "127.0.0.1:6379", "CIVICLAB_REDIS_URL='127.0.0.1:6379' is not a Redis URL"),
    ],
)
def test_a_cache_url_that_cannot_be_used_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_url: str, redis_url: str, message: str
) -> None:
    """GIVEN a cache or Redis URL civiclab cannot use WHEN the settings are made THEN a
    configuration error names the variable and the value."""
    monkeypatch.setenv("CIVICLAB_CACHE_URL", cache_url)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        cache_settings(tmp_path, redis_url)


def test_file_cache_counts_its_entries_at_most_twice_a_minute(tmp_path: Path) -> None:
    """GIVEN the file cache past its largest size WHEN values are written in quick succession
    THEN only the first write lists the folder and deletes entries: Django's own would list it
    on every write (10 µs per entry each time)."""
    from civiclab.core.cache import SharedFileCache

    cache = SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    for n in range(10):
        cache.set(f"k{n}", n)
    cache._next_cull = 0.0  # the next write checks
    cache.set("over", 1)
    assert len(list(tmp_path.glob("*.djcache"))) == 6  # 10 halved, then the new one
    for n in range(10, 20):
        cache.set(f"k{n}", n)
    assert len(list(tmp_path.glob("*.djcache"))) == 16  # no listing until the time is up
