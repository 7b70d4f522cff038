"""Issue 16's help links: every ``{% help_link %}`` in a template names a file of docs/ and one
of its headings; the tag links to CIVICLAB_DOCS_URL when set and names the file otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings

REPO = Path(__file__).resolve().parents[1]
TAG = re.compile(r'{%\s*help_link\s+"([^"]+)"\s*%}')


def _anchors(markdown: str) -> set[str]:
    """The anchors a Markdown renderer gives the file's headings (GitHub's rule)."""
    found = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def _targets() -> list[tuple[Path, str]]:
    return [
        (path, target)
        for path in sorted((REPO / "src/civiclab").rglob("*.html"))
        for target in TAG.findall(path.read_text(encoding="utf-8"))
    ]


def test_the_main_pages_have_help_links() -> None:
    pages = {path.name for path, _ in _targets()}
    assert {"city_catalogue.html", "portfolio_table.html", "members.html"} <= pages


@pytest.mark.parametrize(("path", "target"), _targets(), ids=lambda value: str(value)[-40:])
def test_every_help_link_points_at_a_real_section(path: Path, target: str) -> None:
    file, _, anchor = target.partition("#")
    doc = REPO / "docs" / file
    assert doc.is_file(), f"{path.name}: docs/{file} does not exist"
    if anchor:
        assert anchor in _anchors(doc.read_text(encoding="utf-8")), (
            f"{path.name}: docs/{file} has no heading #{anchor}"
        )


def _render(target: str) -> str:
    return Template('{% load help_links %}{% help_link "' + target + '" %}').render(Context())


@override_settings(DOCS_URL="https://docs.example.org/civiclab/")
def test_with_a_docs_url_the_tag_links_there() -> None:
    html = _render("data.md#importing-a-file")
    assert 'href="https://docs.example.org/civiclab/data.md#importing-a-file"' in html


@override_settings(DOCS_URL="")
def test_without_one_it_names_the_file_in_the_repository() -> None:
    html = _render("data.md#importing-a-file")
    assert "<a" not in html and "docs/data.md#importing-a-file" in html


@pytest.mark.parametrize("target", ["../settings.py", "data.md#<script>", "javascript:x", ""])
def test_a_bad_target_is_refused(target: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        _render(target)
