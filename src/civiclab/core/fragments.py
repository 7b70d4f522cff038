"""Parts of pages rendered once and kept in the shared cache (Redis or the data directory's
file cache: every process of the installation reads the same), under a key that names
everything the part is drawn from, so a change to any of it draws the part afresh and nothing
needs to be forgotten by hand.

Only parts that do not depend on the reader go here; whether the reader may see the page is
checked before a part is looked up. The reader's language is always in the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

FRAGMENT_SECONDS = 3600


def fragment_key(name: str, parts: Iterable[object]) -> str:
    """The cache key of part ``name`` drawn from ``parts``, in the current language."""
    text = "|".join([*(str(p) for p in parts), get_language() or ""])
    return f"fragment:{name}:" + hashlib.sha1(text.encode()).hexdigest()


def kept_html(
    name: str, parts: Iterable[object], draw: Callable[[], tuple[str, bool]]
) -> SafeString:
    """The HTML of part ``name`` for ``parts``: from the cache, or drawn by ``draw``, which
    says with the HTML whether it may be kept (an error read from a query that timed out is
    said afresh on the next read, not kept for an hour)."""
    key = fragment_key(name, parts)
    found = cache.get(key)
    if isinstance(found, str):
        return mark_safe(found)  # HTML this module rendered and kept
    html, keep = draw()
    if keep:
        cache.set(key, str(html), FRAGMENT_SECONDS)
    return mark_safe(html)  # rendered by the template engine
