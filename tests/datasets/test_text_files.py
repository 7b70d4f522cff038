"""CSV and TSV as cities write them: encodings, delimiters, byte-order marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.datasets.helpers import ingest, rows, write


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("windows.csv", "nom;ville;montant\nÉcole Jean-Jaurès;Mulhouse;12,5 €\n".encode("cp1252"),
         "cp1252"),
        ("latin1.csv", "nom;ville\nCrèche Hôtel-de-Ville;Paris\n".encode("latin-1"), "cp1252"),
        ("bom.csv", "\ufeffnom,ville\nÉcole,Paris\n".encode(), "utf-8"),
        ("utf16.csv", "nom\tville\nÉcole\tParis\n".encode("utf-16"), "utf-16"),
    ],
)  # fmt: skip
def test_french_city_files(tmp_path: Path, name: str, data: bytes, encoding: str) -> None:
    output, con = ingest(write(tmp_path / name, data), tmp_path, timezone="Europe/Paris")
    assert output.columns[0].name == "nom"  # no byte-order mark in the name
    first = rows(con, output, "nom", "LIMIT 1")[0][0]
    assert first in ("École Jean-Jaurès", "Crèche Hôtel-de-Ville", "École")


def test_euro_sign_and_semicolons(tmp_path: Path) -> None:
    data = "nom;ville;montant\nÉcole Jean-Jaurès;Mulhouse;12,5 €\n".encode("cp1252")
    output, con = ingest(write(tmp_path / "x.csv", data), tmp_path)
    assert rows(con, output) == [("École Jean-Jaurès", "Mulhouse", "12,5 €")]


def test_tab_separated(tmp_path: Path) -> None:
    path = write(tmp_path / "x.tsv", 'id\tnote\n1\thas, a comma\n2\t"quoted"\n')
    output, con = ingest(path, tmp_path)
    assert rows(con, output) == [("1", "has, a comma"), ("2", "quoted")]  # an id stays text


def test_day_first_dates_outside_the_us(tmp_path: Path) -> None:
    from civiclab.datasets.ingest.formats import open_source
    from civiclab.datasets.ingest.limits import ReadLimits
    from civiclab.datasets.ingest.pipeline import ImportSettings, ingest_connection, read_source

    path = write(tmp_path / "x.csv", "jour\n03/04/2024\n25/12/2024\n")
    settings = ImportSettings(timezone="Europe/Paris", day_first=True)
    source = open_source(path, path.name, "auto", tmp_path, ReadLimits())
    output = read_source(ingest_connection(settings), source, settings, tmp_path)
    assert output.columns[0].format == "%d/%m/%Y"
