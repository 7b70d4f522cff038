"""Numbers are kept exactly as written: a value that a number type would change stays text."""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civiclab.datasets.ingest.columns import ColumnType
from civiclab.datasets.ingest.exports import export_csv
from civiclab.datasets.ingest.infer import is_identifier_name
from tests.datasets.helpers import REAL, ingest, rows, write

NUMBER_TYPES = {ColumnType.INTEGER, ColumnType.DECIMAL}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_syracuse_parcel_ids_stay_distinct(tmp_path: Path) -> None:
    """GIVEN the real Syracuse downtown parcels, whose tax_id has 26 digits
    WHEN the file is imported
    THEN tax_id is text and its 389 distinct ids stay 389 (they used to collapse to 81)."""
    output, con = ingest(REAL / "syracuse-downtown-parcels" / "downtown-syr.geojson", tmp_path)
    types = {c.name: c.type for c in output.columns}
    assert types["tax_id"] is ColumnType.TEXT
    assert rows(con, output, "count(*), count(DISTINCT tax_id)") == [(389, 389)]
    assert rows(con, output, "tax_id", "WHERE stnum = '484-98'") == [
        ("31150010100000100080010000",)
    ]


def test_long_digit_strings_stay_text_whatever_the_column_name(tmp_path: Path) -> None:
    """GIVEN 19- and 26-digit numbers under a neutral name, and short ids under id names
    THEN none becomes a number; short quantities still do."""
    path = write(
        tmp_path / "ids.csv",
        "reference,amount,tax_id,ReferenceID,count\n"
        "1234567890123456789,12.5,1,7,3\n"
        "1234567890123456788,0.30000000000000004,2,8,4\n",
    )
    output, con = ingest(path, tmp_path)
    types = {c.name: c.type.value for c in output.columns}
    assert types == {
        "reference": "text",
        "amount": "decimal",
        "tax_id": "text",
        "ReferenceID": "text",
        "count": "integer",
    }
    assert rows(con, output, "count(DISTINCT reference)") == [(2,)]


def test_a_number_column_refuses_a_later_value_it_cannot_keep(tmp_path: Path) -> None:
    """GIVEN a decimal column (by the user's choice) with a 20-digit value, 1.5 in an integer
    column, and 1_000 / 0x1F that DuckDB's cast would read
    THEN those rows are refused and reported, never rounded."""
    path = write(
        tmp_path / "x.csv",
        "amount,whole\n1.5,12\n12345678901234567891,12.0\n2,1.5\n3,1_000\n4,0x1F\n",
    )
    overrides = {"amount": {"type": "decimal"}, "whole": {"type": "integer"}}
    output, con = ingest(path, tmp_path, max_bad_rows=10, overrides=overrides)
    assert rows(con, output, "amount, whole") == [(1.5, 12)]
    assert output.report.bad_rows == 4
    refused = {(p.row, p.column, p.value) for p in output.report.examples}
    assert refused == {
        (2, "amount", "12345678901234567891"),
        (3, "whole", "1.5"),
        (4, "whole", "1_000"),
        (5, "whole", "0x1F"),
    }


def test_identifier_names() -> None:
    identifiers = ["tax_id", "ReferenceID", "Unique Key", "OBJECTID", "parcel", "zipcode", "Id"]
    quantities = ["valid_votes", "amount", "paid", "units", "keynote_count"]
    assert all(is_identifier_name(name) for name in identifiers)
    assert not any(is_identifier_name(name) for name in quantities)


# Anything that reads as a number somewhere: digits of any length, leading zeros, signs,
# decimal points, exponents — and the occasional blank.
digits = st.text(alphabet="0123456789", min_size=1, max_size=30)
number_like = st.one_of(
    digits,
    st.builds(lambda s, d: s + d, st.sampled_from(["", "-", "+"]), digits),
    st.builds(lambda a, b: f"{a}.{b}", digits, digits),
    st.builds(lambda a, e: f"{a}e{e}", digits, st.integers(-400, 400)),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(2**70), 2**70).map(str),
    st.just(""),
)


def _as_exported(cell: str) -> str:
    """The cell without the mark that keeps a spreadsheet from reading text as a formula."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(number_like, min_size=1, max_size=25))
def test_export_gives_back_the_values_as_written(values: list[str]) -> None:
    """GIVEN any column of number-like text
    WHEN it is imported (types inferred) and exported as CSV
    THEN every row imports, and each exported value is the written text — or, where a number
    type was chosen, exactly the same number (12.50 may come back as 12.5, never rounded)."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "values.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["value", "row"])
            writer.writerows([value, n] for n, value in enumerate(values))
        output, _con = ingest(path, work)
        assert output.report.bad_rows == 0
        exported = work / "export.csv"
        export_csv(output.path, output.columns, exported)
        with exported.open(encoding="utf-8", newline="") as handle:
            back = sorted(csv.DictReader(handle), key=lambda r: int(r["row"]))
        kind = next(c.type for c in output.columns if c.name == "value")
        assert len(back) == len(values)
        for written, row in zip(values, back, strict=True):
            cell = _as_exported(row["value"])
            if kind in NUMBER_TYPES and written.strip():
                assert Decimal(cell) == Decimal(written), (kind, written, cell)
            else:
                assert cell == written, (kind, written, cell)
