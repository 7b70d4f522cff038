"""The CLI and a web worker start fast: no heavy library is imported at start-up.

Every management command runs Django's system checks, which import the URLconf and with it every
view and API router; a web worker imports it on its first request. scipy, pandas, pyarrow and
their kin take seconds to import on a small machine, so the modules they reach import them on
first use (``civiclab.lazy_modules``) or inside the function that needs them.
``benchmarks/cli_startup.py`` measures the start-up times.

Each check runs in a fresh Python process: other tests have long since imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("scipy", "pandas", "pyarrow", "pyogrio", "shapely", "h3", "openpyxl", "statsmodels")

# Prints which heavy libraries, and which civiclab modules, are in sys.modules after it has run
# django.setup() and then `{load}`.
PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiclab.settings")
import django
django.setup()
{load}
heavy = {heavy!r}
print(json.dumps({{
    "heavy": sorted({{name.split(".")[0] for name in sys.modules}} & set(heavy)),
    "civiclab": sorted(name for name in sys.modules if name.startswith("civiclab.")),
}}))
"""

LOAD_URLCONF = "import civiclab.site.urls"
LOAD_COMMANDS = """
from django.core.management import get_commands, load_command_class
for name, app in get_commands().items():
    if app.startswith("civiclab."):
        load_command_class(app, name)
"""


def loaded_after(tmp_path: Path, load: str) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLAB_", "DJANGO_"))}
    env["CIVICLAB_DATA_DIR"] = str(tmp_path)
    child = subprocess.run(
        [sys.executable, "-c", PROBE.format(load=load, heavy=HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    result: dict[str, list[str]] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        # The URLconf mounts every app's views and API routers (geo's analysis among them).
        (LOAD_URLCONF, "civiclab.geo.api.analysis"),
        # Every command's module is loaded before its options are even parsed.
        (LOAD_COMMANDS, "civiclab.site.management.commands.demo"),
    ],
    ids=["urlconf", "management-commands"],
)
def test_start_up_imports_no_heavy_library(tmp_path: Path, load: str, expected: str) -> None:
    """GIVEN a fresh Python process and django.setup()
    WHEN it imports civiclab.urls (what the system checks of every command and a web worker's
    first request do), or the module of every civiclab management command
    THEN none of scipy, pandas, pyarrow, pyogrio, shapely, h3, openpyxl, statsmodels is loaded."""
    loaded = loaded_after(tmp_path, load)
    assert expected in loaded["civiclab"], "the probe did not load what it means to check"
    assert loaded["heavy"] == [], (
        f"{', '.join(loaded['heavy'])} imported at start-up: import it where it is used "
        "(civiclab.lazy_modules.lazy_module, or inside the function); find the chain with "
        "`python -X importtime -m civiclab city list`"
    )
