"""A map layer's errors (``LayerError``) in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civiclab.geo.spatial.layers import LayerError
from civiclab.indicators.problems import translated_problems


def layer_error_text(exc: LayerError) -> str:
    """The error's template translated and filled in; a filter's problems are translated one
    by one as the indicator builder shows them. An untranslated template reads in English."""
    problems = (
        "; ".join(message for _path, message in translated_problems(exc.spec_error))
        if exc.spec_error
        else ""
    )
    if not exc.params and not exc.spec_error:
        return _(exc.template)
    try:
        return _(exc.template).format(**exc.params, problems=problems)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return str(exc)
