"""Every sentence the statistics can say has its French translation, with the same named
parameters (pure: reads the catalogue, needs no database)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib

STATS = Path(__file__).resolve().parents[2] / "src/civiclab/evaluation/stats"
CATALOGUE = STATS.parents[1] / "locale/fr/LC_MESSAGES/django.po"
MODULES = (
    "wording.py", "evidence.py", "rct.py", "rct_checks.py", "permutation.py", "power.py",
    "randomise.py", "balance.py", "history.py",
)  # fmt: skip
_MESSAGE_CALLS = {"Message", "refuse", "passed", "_refuse"}


def templates() -> set[str]:
    """The English templates: the second argument of Message(...) and the refusal helpers,
    and the module-level sentence constants of the wording."""
    found: set[str] = set()
    for name in MODULES:
        tree = ast.parse((STATS / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and len(node.args) >= 2:
                called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                argument = node.args[1]
                if called in _MESSAGE_CALLS and isinstance(argument, ast.Constant):
                    found.add(argument.value)
        if name == "wording.py":
            for node in ast.walk(tree):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and "{" in text and len(text) > 30:
                    found.add(text)
    return found


def test_every_statistics_message_is_translated() -> None:
    catalogue = {entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOGUE))}
    found = templates()
    assert len(found) > 80
    missing = sorted(t for t in found if not catalogue.get(t))
    assert missing == []
    for template in found:
        assert set(re.findall(r"{\w+}", template)) == set(
            re.findall(r"{\w+}", catalogue[template])
        ), template
