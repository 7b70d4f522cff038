"""HTML → tagged, accessible PDF (PDF/UA-1) with WeasyPrint: the one place that renders a PDF.

WeasyPrint is heavy (about 1 s to import): it is imported here, on first use, and rendering
runs in the worker (or the command line), never in a web request. The HTML must carry
``<html lang>`` and a ``<title>``: PDF/UA reads the document's language and title from them.
Fonts are the system's (DejaVu on Debian); nothing is fetched: a URL outside the static files
is refused, so a template can never make the renderer reach the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

# PDF/UA-1: tagged structure, a title shown in the window, the language declared.
PDF_VARIANT = "pdf/ua-1"


class PdfUrlRefused(ValueError):
    """A document asked the renderer for something that is not one of our static files."""


def _static_fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)  # type: ignore[no-any-return]
    static_url = str(getattr(settings, "STATIC_URL", "/static/"))
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "://" in url else path
    if not path.startswith(static_url):
        raise PdfUrlRefused(url)
    found = finders.find(path[len(static_url) :])
    if not found:
        raise PdfUrlRefused(url)
    return {"string": Path(str(found)).read_bytes(), "filename": Path(str(found)).name}


def render_pdf(html: str, *, stylesheets: list[str] | None = None) -> bytes:
    """The PDF of one HTML document (a page of the app rendered to a string).

    ``stylesheets``: static paths (``"reports/print.css"``) applied on top of the document's own.
    """
    from weasyprint import CSS, HTML

    sheets = []
    for name in stylesheets or []:
        found = finders.find(name)
        if not found:
            raise PdfUrlRefused(name)
        sheets.append(CSS(filename=str(found)))
    document = HTML(string=html, base_url="http://civiclab.invalid/", url_fetcher=_static_fetcher)
    pdf = document.write_pdf(stylesheets=sheets, pdf_variant=PDF_VARIANT)
    assert pdf is not None
    return bytes(pdf)
