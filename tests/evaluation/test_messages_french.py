"""Every message the panel and time-series estimators write (the literal template of each
``Message(...)`` and ``refuse(...)``) has a French entry with the same ``{fields}``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib

STATS = Path(__file__).parents[2] / "src" / "civiclab" / "evaluation" / "stats"
FR_PO = STATS.parents[1] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MODULES = ["_common", "did", "staggered", "its", "synth", "prepost", "router"]
FIELD = re.compile(r"\{(\w+)\}")


def templates() -> list[str]:
    found = []
    for module in MODULES:
        tree = ast.parse((STATS / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("Message", "refuse")
                and len(node.args) >= 2
            ):
                argument = node.args[1]
                if isinstance(argument, ast.Name) and argument.id == "template":
                    continue  # refuse() itself, passing its argument on
                assert isinstance(argument, ast.Constant), ast.unparse(argument)
                found.append(argument.value)
    return found


def test_every_template_has_a_french_entry_with_its_fields() -> None:
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(FR_PO)) if not e.obsolete}
    found = templates()
    assert len(found) > 50
    for template in found:
        assert catalogue.get(template), template
        assert set(FIELD.findall(catalogue[template])) == set(FIELD.findall(template)), template
