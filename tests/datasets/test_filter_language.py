"""The filter language indicators and maps share (datasets/filters/): checked filters, values
read from what people type, and parameterised SQL. Pure: no database."""

from __future__ import annotations

import pytest

from civiclab.datasets.filters.language import (
    OPS,
    SpecError,
    filter_value,
    local_span,
    parse_filter,
)
from civiclab.datasets.filters.sql import NO_COLUMN, WRONG_KIND, FilterCompiler, compile_filters


@pytest.mark.parametrize(
    ("op", "value", "template"),
    [
        ("is null", 3, "'{op}' takes no value"),
        ("in", [], "'{op}' needs a non-empty list of values"),
        ("between", [1], "'between' needs a list of two values [low, high]"),
        ("=", [1, 2], "'{op}' needs one value"),
    ],
)
def test_a_value_that_does_not_fit_its_operator_is_refused(
    op: str, value: object, template: str
) -> None:
    """GIVEN a filter whose value does not fit its operator WHEN it is parsed THEN the problem
    is a translatable template naming the operator."""
    with pytest.raises(SpecError) as refused:
        parse_filter({"column": "kind", "op": op, "value": value})
    (problem,) = refused.value.details
    assert problem.path == "(filter)" and problem.template == template
    assert problem.message == template.format(op=op)


def test_every_operator_parses() -> None:
    values: dict[str, object] = {"in": ["a"], "not in": ["a"], "between": [1, 2]}
    for op in OPS:
        value = None if op.startswith("is ") else values.get(op, "a")
        assert parse_filter({"column": "c", "op": op, "value": value}).op == op


@pytest.mark.parametrize(
    ("op", "text", "kind", "value"),
    [
        ("=", " 12 ", "integer", 12),
        ("=", "12.5", "decimal", 12.5),
        ("=", "twelve", "integer", "twelve"),  # refused later, by the column's type
        ("between", "1, 5", "decimal", [1.0, 5.0]),
        ("in", "a, b,,", "text", ["a", "b"]),
        ("=", "True", "boolean", True),
        ("is null", "ignored", "text", None),
    ],
)
def test_typed_values_are_read_as_the_column(op: str, text: str, kind: str, value: object) -> None:
    assert filter_value(op, text, kind) == value


def test_local_dates_are_whole_days_in_the_city() -> None:
    """GIVEN a date, a local time and an instant WHEN read in New York time THEN a date is the
    local day, a local time gets the city's offset and an instant keeps its own."""
    zone = "America/New_York"
    assert local_span("2018-01-31", zone) == (
        "2018-01-31T00:00:00-05:00",
        "2018-02-01T00:00:00-05:00",
    )
    assert local_span("2018-01-31T19:00", zone) == ("2018-01-31T19:00:00-05:00", None)
    assert local_span("2018-02-01T00:00Z", zone) == ("2018-02-01T00:00:00+00:00", None)
    assert local_span("last tuesday", zone) is None and local_span(3, zone) is None


def test_values_are_parameters_and_columns_are_checked() -> None:
    """GIVEN filters on known columns WHEN compiled THEN values are $n parameters and names are
    quoted; an unknown column is a problem at its path."""
    filters = [
        parse_filter({"column": "kind", "op": "in", "value": ["a'; DROP", "b"]}),
        parse_filter({"column": "n", "op": "between", "value": [1, 5]}),
        parse_filter({"column": "kind", "op": "contains", "value": "No"}),
    ]
    sql, params = compile_filters(filters, {"kind": "text", "n": "integer"}, timezone="UTC")
    assert sql == (
        '"kind" IN ($1, $2) AND "n" BETWEEN $3 AND $4 AND '
        'contains(lower(CAST("kind" AS VARCHAR)), $5)'
    )
    assert params == ["a'; DROP", "b", 1, 5, "no"]
    assert compile_filters([], {}, timezone="UTC") == ("TRUE", [])
    with pytest.raises(SpecError) as refused:
        compile_filters([filters[0]], {"n": "integer"}, timezone="UTC")
    assert [(p.path, p.template) for p in refused.value.details] == [
        ("filters.0.column", NO_COLUMN)
    ]


def test_a_column_of_the_wrong_kind_is_a_problem() -> None:
    compiler = FilterCompiler({"n": "text"}, "UTC")
    assert compiler.column("n", "measure.column", {"integer", "decimal"}) == '"n"'
    (problem,) = compiler.problems
    assert problem.template == WRONG_KIND
    assert problem.message == "column 'n' is text, not decimal or integer"
