"""Every CSV civiclab writes is safe to open in a spreadsheet: text that would start a formula
gets a single quote in front (OWASP "CSV Injection"); typed numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from civiclab.core.csv_cells import FORMULA_STARTS, safe_cell, safe_text_array
from civiclab.core.permissions import Visibility
from civiclab.datasets import services as datasets
from civiclab.datasets.models import Dataset
from civiclab.indicators import services as indicators
from tests.portfolio import factories as f
from tests.world import World

ATTACKS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
DATASET_CSV = (
    '"=total",label,amount\n'
    '1,"=HYPERLINK(""http://x"",""y"")",-5\n'
    "2,+1+1,3.5\n"
    "3,-2+3,-0.25\n"
    "4,@SUM(A1),1\n"
    '5,"\tcmd",2\n'
    "6,plain,7\n"
    "7,'already quoted,8\n"
)


def test_safe_cell_quotes_only_text_that_starts_a_formula() -> None:
    """GIVEN cells of every kind WHEN made safe THEN only text starting a formula is quoted."""
    for attack in ATTACKS:
        assert safe_cell(attack) == "'" + attack
    assert safe_cell("plain") == "plain" and safe_cell("a=b") == "a=b" and safe_cell("") == ""
    assert safe_cell(-5) == -5 and safe_cell(-0.25) == -0.25 and safe_cell(None) is None


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=20))
def test_arrow_columns_follow_the_same_rule(values: list[str | None]) -> None:
    """GIVEN any text column WHEN made safe as an Arrow array THEN each cell is safe_cell's."""
    for kind in (pa.string(), pa.large_string()):
        assert safe_text_array(pa.array(values, kind)).to_pylist() == [safe_cell(v) for v in values]
    numbers = pa.array([-5, 3, None], pa.int64())
    assert safe_text_array(numbers) is numbers


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]


def _imported(world: World, tmp_path: Path) -> Dataset:
    path = tmp_path / "attacks.csv"
    path.write_text(DATASET_CSV, encoding="utf-8")
    version = datasets.import_file(
        None, world.city, "Attacks", path, path.name, datasets.ImportOptions()
    )
    Dataset.objects.filter(pk=version.dataset_id).update(visibility=Visibility.PUBLIC)
    return version.dataset


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cities/city-a/datasets/attacks/download.csv",
        "/cities/city-a/data/attacks/download.csv",
    ],
)
def test_dataset_downloads_neutralise_formulas(world: World, tmp_path: Path, url: str) -> None:
    """GIVEN a public dataset whose header and text cells start formulas, and negative numbers
    WHEN it is downloaded as CSV (API and page) THEN text is quoted, numbers stay numbers."""
    _imported(world, tmp_path)
    response = Client().get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["'=total", "label", "amount"]
    labels = [row[1] for row in rows[1:]]
    assert labels[:5] == ["'" + a for a in ATTACKS[:5]]
    assert labels[5:] == ["plain", "'already quoted"]
    amounts = [row[2] for row in rows[1:]]
    assert amounts[0] in ("-5", "-5.0") and amounts[2] == "-0.25"  # numbers, not quoted
    assert [c for c in _formula_cells(rows) if c not in amounts] == []


@pytest.mark.django_db
def test_portfolio_csv_neutralises_formulas(world: World) -> None:
    """GIVEN a challenge and a solution titled like formulas WHEN the portfolio CSV is read
    THEN their cells are quoted."""
    challenge = f.challenge(world.city, title='=HYPERLINK("http://x","y")', visibility="public")
    f.solution(challenge, title="@SUM(A1)", visibility="public")
    response = Client().get("/portfolio/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [rows[1][1], rows[1][5]] == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)"]
    assert _formula_cells(rows) == []


@pytest.mark.django_db
def test_indicator_csv_keeps_negative_numbers(world: World, tmp_path: Path) -> None:
    """GIVEN an indicator whose monthly sums are negative WHEN its series CSV is read
    THEN the values are plain negative numbers (not quoted) and no cell starts a formula
    other than those numbers."""
    path = tmp_path / "money.csv"
    path.write_text("day,amount\n2024-01-05,-5\n2024-02-05,-7.5\n", encoding="utf-8")
    version = datasets.import_file(
        None, world.city, "Money", path, path.name, datasets.ImportOptions()
    )
    spec = {
        "measure": {"type": "sum", "column": "amount"},
        "time": {"column": "day", "period": "month"},
    }
    indicator = indicators.create_indicator(world.user("member"), version.dataset, "Spend", spec)
    client = Client()
    client.force_login(world.user("member"))
    response = client.get(f"/cities/city-a/indicators/{indicator.slug}/series.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[2] for row in rows[1:]] == ["-5.0", "-7.5"]
