"""Template filters showing import errors and bad-row reports in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template

from civiclab.datasets.ingest_text import error_message, report_for_reader

register = template.Library()


@register.filter
def reader_message(error: Any) -> str:
    """A stored import error's message in the reader's language."""
    return error_message(error or None)


@register.filter
def reader_report(report: Any) -> Any:
    """A stored bad-row report with its reasons in the reader's language."""
    return report_for_reader(report)
