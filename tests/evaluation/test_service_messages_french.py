"""Every message the evaluation services write (``Message(...)`` and ``_refuse(...)``
templates in ``evaluation/services/``) has a French entry with the same ``{fields}``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib

SERVICES = Path(__file__).parents[2] / "src" / "civiclab" / "evaluation" / "services"
FR_PO = SERVICES.parents[1] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
FIELD = re.compile(r"\{(\w+)\}")


def templates() -> list[str]:
    found = []
    for module in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in ("Message", "_refuse")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                found.append(node.args[1].value)
    return found


def test_every_service_message_has_a_french_entry_with_its_fields() -> None:
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(FR_PO)) if not e.obsolete}
    found = templates()
    assert len(found) > 10
    missing = sorted(t for t in found if not catalogue.get(t))
    assert missing == []
    for template in found:
        assert set(FIELD.findall(template)) == set(FIELD.findall(catalogue[template])), template
