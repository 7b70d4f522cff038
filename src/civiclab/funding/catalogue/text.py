"""Text as the catalogue stores it: HTML descriptions as plain text, long text cut."""

from __future__ import annotations

import html
import re

# Tags that end a paragraph or a line: they become line breaks before the other tags go.
_BLOCK = re.compile(r"<\s*/?\s*(?:br|p|div|li|h[1-6]|tr|ul|ol|table|blockquote)\b[^>]*>", re.I)
_DROP = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities unescaped, paragraph breaks
    kept as blank lines, runs of spaces as one."""
    if "<" not in value and "&" not in value:
        return _tidy(value)
    lowered = value.lower()
    text = _DROP.sub(" ", value) if "script" in lowered or "style" in lowered else value
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub(" ", text)
    # Entities go last, so that an escaped "&lt;b&gt;" stays visible text, not a tag.
    return _tidy(html.unescape(text))


def _tidy(text: str) -> str:
    # str.split() (any whitespace, no-break spaces included) is many times faster than a
    # regular expression over descriptions of thousands of characters.
    lines = [" ".join(line.split()) for line in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        # A block tag inside a block gives several breaks: one blank line between paragraphs.
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
