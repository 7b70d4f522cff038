"""Text as the catalogue stores it: HTML descriptions as plain text, long text cut."""

from __future__ import annotations

import html
import re

# Tags that end a paragraph or a line: they become line breaks before the other tags go.
_BLOCK = re.compile(
    r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|/tr|/ul|/ol|/table|/blockquote)\b[^>]*>", re.I
)
_DROP = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BREAKS = re.compile(r"\n{3,}")


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities unescaped, paragraph breaks
    kept as blank lines, runs of spaces as one."""
    if "<" not in value and "&" not in value:
        return _tidy(value)
    text = _DROP.sub(" ", value)
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub(" ", text)
    # Entities go last, so that an escaped "&lt;b&gt;" stays visible text, not a tag.
    return _tidy(html.unescape(text))


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = "\n".join(lines)
    # A block tag inside a block gives several breaks: one blank line between paragraphs.
    return _BREAKS.sub("\n\n", joined).strip()


def cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
