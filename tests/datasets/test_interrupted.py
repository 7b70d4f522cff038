"""Killing an import mid-way leaves the previous version current and readable."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.migrated import Migrated
from tests.test_cli import subprocess_env

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate_311.py"


def civiclab_steps(tmp_path: Path, *commands: list[str]) -> list[str]:
    """Run several civiclab commands in one process (Django starts once); their outputs."""
    script = (
        "import io, json, sys, django; django.setup()\n"
        "from contextlib import redirect_stdout\n"
        "from django.core.management import call_command\n"
        "outputs = []\n"
        "for command in json.loads(sys.argv[1]):\n"
        "    buffer = io.StringIO()\n"
        "    with redirect_stdout(buffer):\n"
        "        call_command(*command, stdout=buffer)\n"
        "    outputs.append(buffer.getvalue())\n"
        "print(json.dumps(outputs))\n"
    )
    env = subprocess_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "civiclab.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(list(commands))],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_killed_import_keeps_the_previous_version(tmp_path: Path, migrated: Migrated) -> None:
    """GIVEN a dataset at version 1 WHEN a large import into it is killed (SIGKILL) while
    converting THEN version 1 is still current and readable, and a later import works."""
    small = tmp_path / "small.csv"
    small.write_text("Unique Key,Status\n1,Open\n2,Closed\n")
    big = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(GENERATOR), "400000", str(big)], check=True)
    migrated.copy_sqlite(tmp_path / "cli.sqlite3")
    civiclab_steps(
        tmp_path,
        ["city", "add", "mobile", "--name", "Mobile", "--country", "US"],
        ["ingest", str(small), "--city", "mobile", "--dataset", "311", "--json"],
    )

    importing = subprocess.Popen(
        [sys.executable, "-m", "civiclab", "ingest", str(big), "--city", "mobile",
         "--dataset", "311", "--add-version"],
        env=subprocess_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    # Wait until it has started writing the new version, then kill it without warning.
    deadline = time.monotonic() + 60
    while not list((tmp_path / "datasets").glob("*/staging/*/data.parquet")):
        assert importing.poll() is None, importing.stderr.read().decode()
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    importing.send_signal(signal.SIGKILL)
    importing.wait(timeout=30)

    shown, again = civiclab_steps(
        tmp_path,
        ["datasets", "show", "311", "--city", "mobile", "--json"],
        ["ingest", str(small), "--city", "mobile", "--dataset", "311", "--add-version", "--json"],
    )
    state = json.loads(shown)
    assert state["version"] == 1 and state["rows"] == 2
    assert [v["version"] for v in state["versions"]] == [1]
    assert json.loads(again)["version"] == 2
