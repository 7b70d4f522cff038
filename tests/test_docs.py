"""The documentation agrees with the code: settings, environment reads, CLI reference, links.

None of these tests needs the database.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from civiclab.config import SETTINGS, EnvSetting

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "civiclab"
CONFIGURATION_DOC = REPO / "docs" / "configuration.md"
# The only modules that touch CIVICLAB_* variables directly: config.py reads them all, and
# cli.py sets demo mode's defaults before Django starts (and reads CIVICLAB_DEBUG to decide
# whether to show a traceback, when settings may not have loaded).
ENV_READERS = {PACKAGE / "config.py", PACKAGE / "cli.py"}

# A CIVICLAB_ name ends in a letter or digit, so "CIVICLAB_*" (the family) is not one.
SETTING_NAME = re.compile(r"CIVICLAB_[A-Z0-9_]*[A-Z0-9]")
DECLARED = {setting.name for setting in SETTINGS}


# --- (a) docs/configuration.md documents exactly the declared settings ------------------------


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.lstrip().startswith("|")]


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_has_a_row_with_its_default(setting: EnvSetting) -> None:
    """GIVEN a setting declared in civiclab.config WHEN docs/configuration.md is read
    THEN a table row names it as `NAME` and states the default the code uses."""
    rows = [_cells(row) for row in _table_rows(CONFIGURATION_DOC.read_text())]
    mine = [cells for cells in rows if cells[0] == f"`{setting.name}`"]
    assert mine, f"{setting.name} has no table row in docs/configuration.md"
    defaults = [cells[1].strip("`") for cells in mine if len(cells) > 1]
    assert setting.default in defaults, (
        f"the row of {setting.name} gives the default {defaults}, the code {setting.default!r}"
    )


def test_configuration_doc_mentions_only_declared_settings() -> None:
    mentioned = set(SETTING_NAME.findall(CONFIGURATION_DOC.read_text()))
    undeclared = sorted(mentioned - DECLARED)
    assert not undeclared, f"docs/configuration.md mentions undeclared settings: {undeclared}"


# --- (b) CIVICLAB_* variables are read through civiclab.config only ---------------------------


def _python_files() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_environ(node: ast.expr) -> bool:
    return _dotted(node).split(".")[-1] == "environ"


def _names_in(node: ast.expr | None) -> set[str]:
    """CIVICLAB_ names in a key expression: a string, or the literal parts of an f-string."""
    if node is None:
        return set()
    strings = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)]
    found = set()
    for value in strings:
        if isinstance(value, str) and value.startswith("CIVICLAB_"):
            found.add(SETTING_NAME.match(value).group() if SETTING_NAME.match(value) else value)
    return found


def environment_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every os.environ / os.getenv access whose key is a CIVICLAB_ name."""
    reads = []
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call):
            func = node.func
            environ_method = isinstance(func, ast.Attribute) and _is_environ(func.value)
            getenv = _dotted(func).split(".")[-1] in ("getenv", "getenvb")
            if (environ_method or getenv) and node.args:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left  # "CIVICLAB_X" in os.environ
        reads += [(node.lineno, name) for name in sorted(_names_in(key))]
    return reads


def test_environment_reads_of_civiclab_settings_go_through_config() -> None:
    """GIVEN every module of the package WHEN its code reads os.environ or os.getenv
    THEN no CIVICLAB_* key is read outside config.py (and cli.py's demo defaults)."""
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {name}"
        for path in _python_files()
        if path not in ENV_READERS
        for line, name in environment_reads(ast.parse(path.read_text(), str(path)))
    ]
    assert not offenders, (
        "read CIVICLAB_* settings with civiclab.config's env_* helpers instead:\n"
        + "\n".join(offenders)
    )


def test_the_environment_check_finds_direct_reads() -> None:
    """The check above is only as good as its parser: prove it sees each way of reading."""
    code = """
import os
from os import environ, getenv
a = os.environ.get("CIVICLAB_A")
b = os.environ["CIVICLAB_B"]
c = os.getenv("CIVICLAB_C", "x")
d = environ.setdefault(f"CIVICLAB_D_{a}", "1")
e = "CIVICLAB_E" in os.environ
f = getenv("HOME")
"""
    names = [name for _line, name in environment_reads(ast.parse(code))]
    assert sorted(names) == ["CIVICLAB_A", "CIVICLAB_B", "CIVICLAB_C", "CIVICLAB_D", "CIVICLAB_E"]


def test_every_civiclab_name_in_the_code_is_declared() -> None:
    """A typo such as CIVICLAB_HTTP would silently never be read; the names must be declared."""
    undeclared = [
        f"{path.relative_to(REPO)}: {name}"
        for path in _python_files()
        for name in sorted(set(SETTING_NAME.findall(path.read_text())) - DECLARED)
    ]
    assert not undeclared, "CIVICLAB_ names not declared in civiclab.config.SETTINGS:\n" + (
        "\n".join(undeclared)
    )


# --- (c) docs/cli.md is the current --help output ---------------------------------------------


def test_cli_reference_is_up_to_date() -> None:
    """GIVEN the commands' real --help output WHEN docs/cli.md is regenerated in memory
    THEN it equals the committed file."""
    from scripts.gen_cli_docs import CLI_DOC, render_cli_docs

    committed = CLI_DOC.read_text() if CLI_DOC.exists() else ""
    generated = render_cli_docs()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            generated.splitlines(keepends=True),
            "docs/cli.md (committed)",
            "docs/cli.md (from --help)",
        )
    )
    assert not diff, f"docs/cli.md is stale; run `uv run python scripts/gen_cli_docs.py`:\n{diff}"


# --- (d) local links in README.md and docs/*.md lead to files that exist ----------------------

MARKDOWN_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
# [text](target "title") and ![alt](target); targets may be wrapped in <>.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")


def local_link_targets(markdown: str) -> list[tuple[int, str]]:
    """(line, target) of links and images that point into the repository, outside code."""
    targets = []
    in_fence = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        prose = INLINE_CODE.sub("", line)
        found = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
        for target in found:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
                continue  # http(s):, mailto:, or an anchor in the same page
            targets.append((number, target))
    return targets


def test_link_finder_skips_code_and_external_links() -> None:
    text = (
        "See [ops](operators.md#backups) and ![shot](docs/screenshot.png).\n"
        "[web](https://example.org) [top](#top) `[not](a-link.md)`\n"
        "```\n[inside](code.md)\n```\n"
        '[ref]: configuration.md "Settings"\n'
    )
    assert local_link_targets(text) == [
        (1, "operators.md#backups"),
        (1, "docs/screenshot.png"),
        (6, "configuration.md"),
    ]


@pytest.mark.parametrize("document", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_local_links_point_to_existing_files(document: Path) -> None:
    """GIVEN a Markdown file of the docs WHEN its links and images name a local file
    THEN that file exists (images included: a missing screenshot fails here)."""
    assert document.exists(), f"{document.relative_to(REPO)} is missing"
    missing = []
    for line, target in local_link_targets(document.read_text()):
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            continue
        resolved = (REPO / path.lstrip("/")) if path.startswith("/") else document.parent / path
        if not resolved.exists():
            missing.append(f"{document.relative_to(REPO)}:{line}: {target}")
    assert not missing, "links to files that do not exist:\n" + "\n".join(missing)


def tree_of_architecture_map() -> str:
    """The tree block at the top of docs/architecture.md: the map a newcomer reads first."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
    start = text.index("```text\nsrc/civiclab/")
    return text[start : text.index("\n```", start + 1)]


def test_every_module_is_on_the_architecture_map() -> None:
    """GIVEN every Python module under src/civiclab (migrations and package markers aside) WHEN
    the architecture map's tree is read THEN each module's file name stands in it, so a module
    added without a line on the map fails here rather than surprising the next reader."""
    package = Path(__file__).resolve().parent.parent / "src" / "civiclab"
    tree = tree_of_architecture_map()

    def on_the_map(module: Path) -> bool:
        if module.parent.name in ("commands", "templatetags"):
            return module.stem in tree  # commands and tag libraries are listed by name
        return module.name in tree

    missing = [
        str(module.relative_to(package))
        for module in sorted(package.rglob("*.py"))
        if "migrations" not in module.parts
        and module.name != "__init__.py"
        and not on_the_map(module)
    ]
    assert not missing, f"add these modules to the tree in docs/architecture.md: {missing}"
