"""The civiclab command: dispatch, results as JSON, and errors as one line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections

from civiclab import __version__
from civiclab.cli import main
from civiclab.network.models import City, Membership
from tests.factories import CityFactory, NetworkFactory
from tests.migrated import Migrated


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    # Django closes every connection after a command run from argv; inside a test
    # transaction (PostgreSQL) that would end the test's own connection.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run_cli(*args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    assert code == 0


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLAB_")}
    env["CIVICLAB_DATA_DIR"] = str(tmp_path)
    env["CIVICLAB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env.update(extra)
    return env


def run_subprocess(tmp_path: Path, *args: str, stdin: str = "", **env: str):
    return subprocess.run(
        [sys.executable, "-m", "civiclab", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=subprocess_env(tmp_path, **env),
        timeout=120,
    )


def test_version_and_help_work_without_django(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__
    assert main([]) == 0
    assert "Create and seed a demo network" in capsys.readouterr().out


def test_console_script_and_module_are_the_same_entry_point() -> None:
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "civiclab"]
    assert script.value == "civiclab.cli:main"
    assert script.load() is main


@pytest.mark.django_db
def test_city_add_and_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    NetworkFactory(slug="net")
    run_cli(
        "city", "add", "lyon", "--name", "Lyon", "--country", "fr", "--language", "fr", "--json"
    )
    added = json.loads(capsys.readouterr().out)
    assert added["slug"] == "lyon" and added["country"] == "FR" and added["network"] == "net"
    run_cli("city", "list", "--json")
    assert [c["slug"] for c in json.loads(capsys.readouterr().out)] == ["lyon"]


@pytest.mark.django_db
def test_adduser_reads_password_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    city = CityFactory(slug="mobile")
    run_cli(
        "adduser",
        "Ana@Example.org",
        "--city",
        "mobile",
        "--role",
        "city_admin",
        "--password-stdin",
        "--json",
        stdin="a-long-passphrase\n",
        monkeypatch=monkeypatch,
    )
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "email": "ana@example.org",
        "role": "city_admin",
        "city": "mobile",
        "team": None,
        "network": city.network.slug,
        "password_set": True,
    }
    membership = Membership.objects.get(city=city)
    assert membership.user.check_password("a-long-passphrase")


@pytest.mark.django_db
def test_adduser_network_admin(capsys: pytest.CaptureFixture[str]) -> None:
    NetworkFactory(slug="net")
    run_cli("adduser", "boss@example.org", "--role", "network_admin", "--json")
    assert json.loads(capsys.readouterr().out)["network"] == "net"
    assert Membership.objects.get().city is None


@pytest.mark.django_db
def test_check_reports_each_item(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a migrated installation backed up an hour ago WHEN `civiclab check` runs
    THEN every item is reported, and all are ok."""
    from django.conf import settings

    from civiclab.core.backup_record import record_path, write_last_backup

    write_last_backup(settings.DATA_DIR, "/backups/civiclab.tar", 1234)
    try:
        run_cli("check", "--json")
    finally:
        record_path(settings.DATA_DIR).unlink()
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True, report
    assert list(report["checks"]) == [
        "database",
        "migrations",
        "data_dir",
        "disk",
        "configuration",
        "jobs",
        "worker",
        "queue",
        "files",
        "backup",
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["city", "add", "x", "--name", "X", "--country", "US", "--timezone", "Nowhere/Else"],
            "",
            "timezone",
        ),
        (["adduser", "a@example.org", "--city", "atlantis", "--role", "member"], "", "atlantis"),
        (["adduser", "a@example.org", "--role", "member"], "", "--city is required"),
        (
            ["adduser", "a@example.org", "--city", "x", "--role", "member", "--password-stdin"],
            "",
            "standard input was empty",
        ),
        (
            ["adduser", "a@example.org", "--city", "x", "--role", "member", "--password-stdin"],
            "123\n",
            "too short",
        ),
        (["token", "create", "nobody@example.org"], "", "no user"),
        (["nosuchcommand"], "", "Unknown command"),
    ],
)
def test_errors_are_one_line_without_traceback(
    migrated: Migrated, tmp_path: Path, args: list[str], stdin: str, message: str
) -> None:
    migrated.copy_sqlite(tmp_path / "cli.sqlite3")
    result = run_subprocess(tmp_path, *args, stdin=stdin)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert message in result.stderr, result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) <= 2


def test_bad_configuration_is_one_line(tmp_path: Path) -> None:
    result = run_subprocess(tmp_path, "check", CIVICLAB_DEBUG="maybe")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "civiclab: error: configuration: "
        "CIVICLAB_DEBUG='maybe' is not a boolean (use true or false)"
    )


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = run_subprocess(
        tmp_path, "city", "list", CIVICLAB_DATABASE_URL="postgres://nobody@127.0.0.1:1/none"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("civiclab: error: database:")


def test_check_fails_before_migrate(tmp_path: Path) -> None:
    result = run_subprocess(tmp_path, "check")
    assert result.returncode == 1
    assert "migration(s) not applied" in result.stdout


@pytest.mark.django_db
def test_city_add_refuses_a_duplicate_slug() -> None:
    CityFactory(slug="paris")
    assert main(["city", "add", "paris", "--name", "Paris", "--country", "FR"]) == 1
    assert City.objects.filter(slug="paris").count() == 1
