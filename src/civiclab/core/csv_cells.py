"""Cells of every CSV civiclab writes, safe to open in a spreadsheet (no formula injection).

A spreadsheet reads a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, so a dataset row or a challenge title such as
``=HYPERLINK("http://evil", "Click")`` would run on the analyst's machine. As OWASP's
"CSV Injection" page advises, such a text cell is written with a single quote in front: the
spreadsheet shows the text as written (the quote is hidden as the "this is text" mark) and
never evaluates it.

Only text is changed. A typed number stays a number, so ``-5`` in an integer or decimal
column is still ``-5`` (a spreadsheet reads it as the number it is), while the text ``-5``
or ``-1+1`` in a text column gets the quote. Headers are text and get the same treatment.

Every CSV writer goes through :func:`safe_cell` — directly (:func:`safe_row`,
:class:`SafeWriter`) or, for Arrow batches, :func:`safe_text_array`, which applies the same
rule to a whole column at once. Pure: no Django.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")


# The first characters a spreadsheet reads as the start of a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What is put in front of such a cell: a spreadsheet shows the rest as plain text.
TEXT_MARK = "'"
_FORMULA_START_PATTERN = "^[=+\\-@\t\r]"


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may read it: text that would start a formula gets a quote.

    Anything that is not text (numbers, dates, ``None``) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return TEXT_MARK + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]


class SafeWriter:
    """``csv.writer`` whose rows (header included) go through :func:`safe_cell`."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_text_array(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`safe_cell` for a whole Arrow column: text columns get the quote where needed.

    Non-text columns (numbers, dates, booleans, binary) are returned unchanged.
    """
    kind = array.type
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
        array = array.cast(kind.value_type)
        kind = kind.value_type
    if not _is_text(kind):
        return array
    starts_formula = pc.fill_null(pc.match_substring_regex(array, _FORMULA_START_PATTERN), False)
    if not pc.any(starts_formula).as_py():
        return array
    marked = pc.binary_join_element_wise(pa.scalar(TEXT_MARK, kind), array, pa.scalar("", kind))
    return pc.if_else(starts_formula, marked, array)


def safe_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A record batch with its text columns and its column names made safe."""
    arrays = [safe_text_array(column) for column in batch.columns]
    names = [safe_cell(name) for name in batch.schema.names]
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
