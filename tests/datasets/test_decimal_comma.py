"""Numbers written the French way (12,5 · 1 234,5) are read as numbers in French-language
cities, as a column option everywhere, and kept as written where the option is off."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from civiclab.datasets import services
from civiclab.datasets.ingest.formats import open_source
from civiclab.datasets.ingest.limits import ReadLimits
from civiclab.datasets.ingest.pipeline import ImportSettings, ingest_connection, read_source
from tests.datasets.helpers import ingest, rows, write
from tests.factories import CityFactory

NNBSP, NBSP = "\u202f", "\u00a0"
MONTANTS = (
    "libellé;montant;effectif\n"
    f"Voirie;12,5;1 234\n"
    f"Écoles;1 234,5;2{NBSP}000\n"
    f"Parcs;1{NNBSP}000{NNBSP}000,25;3\n"
    "Cantines;-0,75;12\n"
)


def _read(path: Path, work: Path, *, decimal_comma: bool, overrides: dict | None = None):
    settings = ImportSettings(
        timezone="Europe/Paris", day_first=True, decimal_comma=decimal_comma,
        overrides=overrides or {},
    )  # fmt: skip
    con = ingest_connection(settings)
    source = open_source(path, path.name, "auto", work, ReadLimits())
    try:
        return read_source(con, source, settings, work), con
    finally:
        source.cleanup()


def test_french_numbers_are_read_when_the_option_is_on(tmp_path: Path) -> None:
    """GIVEN amounts written 12,5 · 1 234,5 · 1 000 000,25 (space, no-break space and narrow
    no-break space between thousands)
    WHEN a French-language city imports them
    THEN they are decimals that sum, and whole counts written 1 234 are whole numbers."""
    path = write(tmp_path / "budget.csv", MONTANTS)
    output, con = _read(path, tmp_path, decimal_comma=True)
    kinds = {c.name: (c.type.value, c.format) for c in output.columns}
    assert kinds["montant"] == ("decimal", "decimal-comma")
    assert kinds["effectif"] == ("integer", "decimal-comma")
    assert rows(con, output, "sum(montant), sum(effectif)") == [(1001246.5, 3249)]


def test_off_the_values_stay_as_written(tmp_path: Path) -> None:
    path = write(tmp_path / "budget.csv", MONTANTS)
    output, con = _read(path, tmp_path, decimal_comma=False)
    assert {c.name: c.type.value for c in output.columns}["montant"] == "text"
    assert rows(con, output, "montant", "LIMIT 1") == [("12,5",)]
    # Chosen for one column (the check step's format, the API's columns, --number-format).
    overrides = {"montant": {"type": "decimal", "format": "decimal-comma"}}
    output, con = _read(path, tmp_path, decimal_comma=False, overrides=overrides)
    assert rows(con, output, "sum(montant)") == [(1001246.5,)]


def test_a_value_that_is_not_a_french_number_is_refused_not_guessed(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "montant;n\n12,5;1\n12.5;2\n12 34,5;3\n")
    overrides = {"montant": {"type": "decimal", "format": "decimal-comma"}}
    output, con = ingest(path, tmp_path, max_bad_rows=5, overrides=overrides)
    assert rows(con, output, "montant") == [(12.5,)]
    assert [p.value for p in output.report.examples] == ["12.5", "12 34,5"]


@pytest.mark.django_db
def test_detected_for_french_language_cities_and_chosen_from_the_cli(tmp_path: Path) -> None:
    """GIVEN Mulhouse (French) and Mobile (English)
    THEN the same file's amounts are numbers in Mulhouse by default, text in Mobile unless
    the command line asks for them."""
    path = write(tmp_path / "budget.csv", MONTANTS)
    mulhouse = CityFactory(slug="mulhouse", country="FR", default_language="fr")
    mobile = CityFactory(slug="mobile", country="US", default_language="en")
    preview = services.preview_file(None, mulhouse, path, path.name, services.ImportOptions())
    assert {c["source"]: c["format"] for c in preview["columns"]}["montant"] == "decimal-comma"
    preview = services.preview_file(None, mobile, path, path.name, services.ImportOptions())
    assert {c["source"]: c["type"] for c in preview["columns"]}["montant"] == "text"
    for extra in (["--decimal-comma", "yes"], ["--number-format", "montant=decimal-comma"]):
        out = io.StringIO()
        call_command("ingest", str(path), "--city", "mobile", "--dataset", "budget", "--preview",
                     "--json", *extra, stdout=out)  # fmt: skip
        columns = {c["source"]: c for c in json.loads(out.getvalue())["columns"]}
        assert columns["montant"]["format"] == "decimal-comma", (extra, columns)
