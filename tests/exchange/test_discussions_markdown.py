"""Markdown in posts: formatting kept, anything active removed (markdown-it-py + nh3)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from civiclab.exchange.discussions_markdown import plain_excerpt, render_markdown
from tests.clients import as_user, body
from tests.exchange.discussions_helpers import XSS_PAYLOADS, challenge_thread
from tests.world import World

SAFE_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:")
SAFE_SCHEMES = ("http:", "https:", "mailto:", "/", "#", "?")


class ActiveMarkup(HTMLParser):
    """What a browser would treat as active in an HTML fragment: elements outside the safe
    list, event-handler attributes, and URLs to another scheme."""

    def __init__(self, allowed_tags: set[str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.allowed_tags is not None and tag not in self.allowed_tags:
            self.found.append(f"<{tag}>")
        if self.allowed_tags is None and tag in {"iframe", "object", "embed", "svg", "math"}:
            self.found.append(f"<{tag}>")
        if self.allowed_tags is None and tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.found.append("<script> inline")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in {"href", "src", "action", "data", "formaction"}:
                target = "".join((value or "").split()).lower()
                # A scheme is a letter then letters, digits, + . - before the colon; anything
                # else ("%6Aavascript:…") is a relative path, which runs nothing.
                if SCHEME.match(target) and not target.startswith(SAFE_SCHEMES):
                    self.found.append(f"{tag} {name}={target}")


def active(html: str, allowed_tags: set[str] | None = SAFE_TAGS) -> list[str]:
    parser = ActiveMarkup(allowed_tags)
    parser.feed(html)
    parser.close()
    return parser.found


def inert(html: str) -> bool:
    return not active(html)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_inert(payload: str) -> None:
    html = render_markdown(payload)
    assert inert(html), html
    html = render_markdown(f"Some **text** and {payload} inline, then\n\n> {payload}")
    assert inert(html), html


def test_links_get_nofollow_noopener_and_only_safe_schemes() -> None:
    html = render_markdown("[site](https://example.org) [mail](mailto:a@b.org) <https://x.org>")
    assert html.count('rel="nofollow noopener"') == 3
    assert 'href="https://example.org"' in html and 'href="mailto:a@b.org"' in html
    assert "href" not in render_markdown("[x](ftp://example.org/file)")


def test_basic_markdown_is_preserved() -> None:
    html = render_markdown(
        "# Title\n\n**bold** _it_ ~~gone~~ `code`\n\n- one\n- two\n\n1. first\n\n"
        "> quote\n\n```\nblock <b>\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    for fragment in (
        "<h1>Title</h1>",
        "<strong>bold</strong>",
        "<em>it</em>",
        "<s>gone</s>",
        "<code>code</code>",
        "<li>one</li>",
        "<ol>",
        "<blockquote>",
        "<pre><code>block &lt;b&gt;",
        "<td>1</td>",
    ):
        assert fragment in html, fragment


def test_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_excerpt_is_one_bounded_line() -> None:
    assert plain_excerpt("a\n\nb   c") == "a b c"
    assert len(plain_excerpt("x" * 500, 50)) == 50


@pytest.mark.django_db
def test_payloads_in_title_and_body_are_inert_on_the_pages(world: World) -> None:
    """GIVEN a thread whose title and posts are XSS payloads WHEN its page, the index and the
    challenge's panel render THEN no payload appears as markup."""
    from civiclab.exchange.services import discussions as services

    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    challenge, thread = challenge_thread(world, "city", title=payload)
    writers = ("member", "city_admin", "team_member")
    for i, each in enumerate(XSS_PAYLOADS):
        services.reply(world.user(writers[i % 3]), thread, each)
    client = as_user(world.user("member"))
    for url in (
        f"/exchange/discussions/{thread.pk}/?page=1",
        f"/exchange/discussions/{thread.pk}/?page=2",
        "/exchange/discussions/",
        f"/challenges/{challenge.pk}/",
    ):
        page = body(client.get(url))
        assert active(page, allowed_tags=None) == [], url
