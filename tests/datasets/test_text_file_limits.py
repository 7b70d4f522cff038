"""Text files that end or are shaped badly give a clear IngestError, never an engine's
exception (which the pages turned into a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest.sources import MAX_COLUMN_NAME
from tests.datasets.helpers import ingest, rows, write


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_cut_in_the_middle_of_a_character_is_refused(
    tmp_path: Path, encoding: str
) -> None:
    """GIVEN a UTF-16 CSV whose last character lost a byte (an upload cut short) WHEN it is
    read THEN the error says the file ends inside a character, with the offset and line."""
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    data = bom + "nom,ville\nÉcole,Paris\nCrèche,Lyon".encode(encoding)
    path = write(tmp_path / "cut.csv", data[:-1])
    with pytest.raises(IngestError) as caught:
        ingest(path, tmp_path)
    error = caught.value
    assert error.code == "encoding"
    assert "ends in the middle of a character" in error.message
    assert f"offset {len(data) - 2}" in error.message and "line 3" in error.message
    assert "cut short" in error.message


def test_a_bad_byte_in_a_utf16_file_names_its_offset_and_line(tmp_path: Path) -> None:
    """GIVEN a UTF-16 CSV with a lone surrogate on its third line WHEN it is read THEN the
    error names that byte's offset and line."""
    good = b"\xff\xfe" + "a,b\n1,2\n3,".encode("utf-16-le")
    path = write(tmp_path / "bad.csv", good + b"\x00\xdc" + "4\n".encode("utf-16-le"))
    with pytest.raises(IngestError) as caught:
        ingest(path, tmp_path)
    assert caught.value.code == "encoding"
    assert f"offset {len(good)}" in caught.value.message
    assert "line 3" in caught.value.message


def test_a_header_name_over_128_kb_is_a_clear_error(tmp_path: Path) -> None:
    """GIVEN a header field of 200,000 characters (beyond Python's CSV field limit) WHEN the
    file is read THEN the error names the column and the limit on a column name."""
    path = write(tmp_path / "wide.csv", "id," + "x" * 200_000 + "\n1,2\n")
    with pytest.raises(IngestError) as caught:
        ingest(path, tmp_path)
    error = caught.value
    assert error.code == "header"
    assert "Column 2 of the header" in error.message
    assert f"{MAX_COLUMN_NAME:,}" in error.message and "200,000" in error.message


def test_a_header_ending_in_a_bare_carriage_return_is_read(tmp_path: Path) -> None:
    """GIVEN a file whose header line ends with a lone carriage return (old Mac line ends)
    WHEN it is read THEN the header is read (Python's CSV reader used to raise on it)."""
    path = write(tmp_path / "mac.csv", 'id,note\r1,"a long note"\r\n2,short\n')
    output, con = ingest(path, tmp_path)
    assert [spec.name for spec in output.columns] == ["id", "note"]
    assert len(rows(con, output)) == 2
