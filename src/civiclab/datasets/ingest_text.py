"""Import errors and bad-row reasons in the reader's language.

The ingest package (no Django) writes each error and each reason as an English template with
parameters (see ``ingest.report``), and stores both with a job's error and a version's
report. Whoever shows them — the pages, the API — fills in the template's translation for
the current language, with numbers written the reader's way. A template without a
translation, or an error stored before templates were kept, reads as its English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from civiclab.datasets.ingest.report import IngestError, render


def translate(template: str, params: Mapping[str, Any] | None = None) -> str:
    """``template`` translated and filled with ``params``; numbers as the reader writes
    them (1 234 in French, 1,234 in English). Values from the file or the engine (names,
    GEOS's reasons) are shown as they are."""
    if not params:
        return _(template)
    shown = {
        name: formats.number_format(value, use_l10n=True, force_grouping=True)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in params.items()
    }
    try:
        return _(template).format(**shown)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return render(template, dict(params))


def error_message(error: IngestError | Mapping[str, Any] | None) -> str:
    """An IngestError's message, or a stored error's (a job's ``error``), for the reader."""
    if error is None:
        return ""
    if isinstance(error, IngestError):
        stored: Mapping[str, Any] = error.as_dict()
    else:
        stored = error
    template = stored.get("template")
    if not template or _(str(template)) == template:
        return str(stored.get("message") or "")  # English, or stored before templates
    params = dict(stored.get("params") or {})
    if "summary" in params and stored.get("report"):
        # The English summary of the reasons, said again from the report in the reader's.
        params["summary"] = _summary(report_for_reader(stored["report"]) or {})
    return translate(str(template), params)


def _summary(report: Mapping[str, Any]) -> str:
    counts = list((report.get("counts") or {}).items())
    return "; ".join(
        f"{formats.number_format(count, use_l10n=True, force_grouping=True)} × {reason}"
        for reason, count in counts
    )


def report_for_reader(report: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stored bad-row report with its reasons (counts and examples) in the reader's
    language; the templates stay under ``reasons``, keyed by the translated text too."""
    if not report:
        return dict(report) if report is not None else None
    reasons = report.get("reasons") or {}

    def shown(reason: str) -> str:
        known = reasons.get(reason)
        if known is None:
            return _(reason)  # a report stored before templates: its text may be a msgid
        return translate(known["template"], known.get("params") or {})

    return {
        **report,
        "counts": {shown(reason): count for reason, count in (report.get("counts") or {}).items()},
        "examples": [
            {**example, "reason": shown(str(example.get("reason", "")))}
            for example in report.get("examples") or []
        ],
        "reasons": {shown(reason): known for reason, known in reasons.items()},
    }


def error_for_reader(error: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stored job error ({code, message, template, params, report}) for the reader."""
    if not error:
        return None
    return {
        **error,
        "message": error_message(error),
        "report": report_for_reader(error.get("report")),
    }
