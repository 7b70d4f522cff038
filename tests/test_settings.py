"""Settings come from CIVICLAB_* variables with safe defaults."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from civiclab.config import ConfigError, env_bool, env_int, load_or_create_secret_key

PROBE = (
    "import json, civiclab.settings as s; print(json.dumps({"
    "'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'],"
    "'db_name': str(s.DATABASES['default']['NAME']),"
    "'secure': s.__dict__.get('SESSION_COOKIE_SECURE', False),"
    "'hsts': s.__dict__.get('SECURE_HSTS_SECONDS', 0), 'hosts': s.ALLOWED_HOSTS,"
    "'data_dir': str(s.DATA_DIR), 'email': s.EMAIL_BACKEND, 'huey': s.HUEY,"
    "'db_options': s.DATABASES['default'].get('OPTIONS', {})}))"
)


def read_settings(tmp_path: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLAB_")}
    clean["CIVICLAB_DATA_DIR"] = str(tmp_path / "data")
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_are_safe(tmp_path: Path) -> None:
    values = read_settings(tmp_path)
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "data" / "civiclab.sqlite3")
    assert values["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert values["email"].endswith("smtp.EmailBackend")
    assert values["huey"]["huey_class"] == "huey.SqliteHuey"
    assert values["huey"]["connection"] == {"filename": str(tmp_path / "data" / "jobs.sqlite3")}
    assert values["huey"]["immediate"] is False  # never inside a web request


def test_postgres_url_and_https(tmp_path: Path) -> None:
    values = read_settings(
        tmp_path,
        CIVICLAB_DATABASE_URL="postgres://postgres@127.0.0.1:5432/civiclab",
        CIVICLAB_HTTPS="true",
        CIVICLAB_ALLOWED_HOSTS="civiclab.example.org, www.civiclab.example.org",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "civiclab"
    assert values["secure"] is True and values["hsts"] > 0
    assert values["hosts"] == ["civiclab.example.org", "www.civiclab.example.org"]


def test_redis_job_queue(tmp_path: Path) -> None:
    values = read_settings(tmp_path, CIVICLAB_REDIS_URL="redis://127.0.0.1:6379/3")
    assert values["huey"]["huey_class"] == "huey.RedisHuey"
    assert values["huey"]["connection"] == {"url": "redis://127.0.0.1:6379/3"}


def test_secret_key_is_generated_once_with_private_permissions(tmp_path: Path) -> None:
    first = load_or_create_secret_key(tmp_path)
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 50
    assert load_or_create_secret_key(tmp_path) == first


def test_bad_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVICLAB_DEBUG", "perhaps")
    with pytest.raises(ConfigError, match="CIVICLAB_DEBUG='perhaps' is not a boolean"):
        env_bool("CIVICLAB_DEBUG", False)
    monkeypatch.setenv("CIVICLAB_EMAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="CIVICLAB_EMAIL_PORT='twenty-five' is not a whole"):
        env_int("CIVICLAB_EMAIL_PORT", 25)
    with pytest.raises(ConfigError, match="not a declared civiclab setting"):
        env_bool("CIVICLAB_UNDECLARED", False)


def test_postgresql_prepares_unless_told_not_to(tmp_path: Path) -> None:
    """GIVEN a PostgreSQL URL WHEN the settings are read THEN server-side binding and automatic
    preparing are on (tests/test_prepared_statements.py sees them work); with
    CIVICLAB_DATABASE_PREPARED_STATEMENTS=false (a pooler that cannot follow them) both are off."""
    url = "postgres://civiclab@db.example.org:5432/civiclab"
    on = read_settings(tmp_path, CIVICLAB_DATABASE_URL=url)["db_options"]
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 2
    off = read_settings(
        tmp_path, CIVICLAB_DATABASE_URL=url, CIVICLAB_DATABASE_PREPARED_STATEMENTS="false"
    )["db_options"]
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    # The URL's own options stay beside them.
    secure = read_settings(tmp_path, CIVICLAB_DATABASE_URL=f"{url}?sslmode=require")["db_options"]
    assert secure["sslmode"] == "require" and secure["prepare_threshold"] == 2
