"""Markdown of discussion posts rendered to HTML that is safe to show (pure module, no Django).

Two locks, either enough on its own:

1. markdown-it-py parses CommonMark with raw HTML *off* (``<script>`` typed in a post is
   text, escaped), images off (no tracking pixels, no ``data:`` sources), and its link
   validator refusing ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` targets.
2. nh3 (ammonia) then keeps only the tags and attributes listed here, links only to http,
   https and mailto, and sets ``rel="nofollow noopener"`` on every link: no element can carry
   an event handler, a style or a script, whatever the parser produced.

Mentions (``@name``) are left as typed: whether a name resolved to a reader must not show.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.disable(["image", "html_inline", "html_block"])
    return parser


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML: formatting kept, anything active removed."""
    html = _parser().render(text or "")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def plain_excerpt(text: str, limit: int = 200) -> str:
    """The first ``limit`` characters of ``text`` on one line (for emails and lists; the
    caller escapes it like any text)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
