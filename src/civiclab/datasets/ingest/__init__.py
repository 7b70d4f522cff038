"""Turning a city's files into typed, versioned Parquet: pure code, no Django.

Each source format becomes a DuckDB relation of raw text columns (values exactly as written),
then one pipeline infers or applies column types, casts in a single pass and writes Parquet,
sending rows whose values do not fit to a separate partition for the error report.
"""
