"""Every import error and bad-row reason has a French entry, and French readers see them in
French: the pages (upload, check step, job, dataset) and the API.

The templates are found in the code itself (the first argument of every IngestError,
LayerError and Problem, and every ``english(...)``), so a new message without a
translation fails here without editing this file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest_text import error_for_reader, error_message, report_for_reader
from tests.datasets.helpers import ingest, write

PACKAGE = Path(settings.PACKAGE_DIR)
FR_PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# Where import errors, bad-row reasons and map layer errors are written.
SOURCES = [
    *sorted((PACKAGE / "datasets" / "ingest").glob("*.py")),
    PACKAGE / "datasets" / "services.py",
    PACKAGE / "datasets" / "jobs.py",
    PACKAGE / "geo" / "spatial" / "layers.py",
    PACKAGE / "geo" / "queries.py",
    *sorted((PACKAGE / "geo" / "api").glob("*.py")),
]
MESSAGE_CLASSES = {"IngestError", "LayerError", "Problem", "NameTaken"}
FIELD = re.compile(r"\{(\w+)(?:![rs])?\}")


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literals(node: ast.expr) -> tuple[list[str], list[str]]:
    """(templates, problems) of a message argument: literal text and english(...) calls,
    either branch of a conditional; an f-string or a concatenation is a problem."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value], []
    if isinstance(node, ast.Call) and _name(node.func) == "english":
        return _literals(node.args[0])
    if isinstance(node, ast.IfExp):
        body, body_problems = _literals(node.body)
        other, other_problems = _literals(node.orelse)
        return body + other, body_problems + other_problems
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return [], [ast.unparse(node)[:80]]
    return [], []  # a name: its value comes from an english(...) found on its own


def templates_in_code() -> tuple[set[str], list[str]]:
    """Every message template of the import and map code, and any message built otherwise."""
    found: set[str] = set()
    problems: list[str] = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name == "english" or (name in MESSAGE_CLASSES and node.args):
                texts, bad = _literals(node.args[0])
                found.update(texts)
                problems += [f"{path.name}:{node.lineno}: {b}" for b in bad]
            elif name == "IngestError" and not node.args:
                problems.append(f"{path.name}:{node.lineno}: IngestError without a template")
    return found, problems


def test_every_import_message_is_a_template_with_a_french_entry() -> None:
    """GIVEN the import package, the import services and the map layers WHEN their message
    templates are collected THEN none is an f-string, and each has a French translation
    with the same placeholders."""
    found, built = templates_in_code()
    assert built == []
    # "{problems}" alone (a filter's problems, translated one by one) has no words to say.
    templates = {t for t in found if FIELD.sub("", t).strip()}
    assert len(templates) > 60
    catalogue = {entry.msgid: entry.msgstr for entry in polib.pofile(str(FR_PO))}
    missing = sorted(t for t in templates if not catalogue.get(t))
    assert missing == []
    changed = [t for t in templates if set(FIELD.findall(t)) != set(FIELD.findall(catalogue[t]))]
    assert changed == []


def test_reasons_of_a_real_import_are_templates_of_the_code(tmp_path: Path) -> None:
    """GIVEN a file with bad values of several kinds WHEN it is refused THEN every reason
    its report records is one of the templates found in the code (nothing slips past)."""
    text = "id,amount,day,lat\nA1,x,2024-13-45,91\nA2,12,2024-01-02,45\nA3,1,2,3,4\n"
    overrides = {
        "amount": {"type": "integer"},
        "day": {"type": "date", "format": "%Y-%m-%d"},
        "lat": {"type": "latitude"},
    }
    with pytest.raises(IngestError) as caught:
        ingest(write(tmp_path / "bad.csv", text), tmp_path, overrides=overrides)
    templates, _built = templates_in_code()
    report = caught.value.as_dict()["report"]
    assert len(report["reasons"]) >= 4
    assert {r["template"] for r in report["reasons"].values()} <= templates
    assert caught.value.template in templates


def test_a_stored_error_reads_in_french(tmp_path: Path) -> None:
    """GIVEN a refused import stored as a job's error (in English) WHEN read in French THEN
    the message, the counts and the examples are French, numbers written the French way."""
    text = "amount\n" + "".join("x\n" if i % 2 else "1\n" for i in range(2_400))
    with pytest.raises(IngestError) as caught:
        ingest(
            write(tmp_path / "bad.csv", text), tmp_path, overrides={"amount": {"type": "integer"}}
        )
    stored = caught.value.as_dict()
    assert stored["message"].startswith("1,200 row(s) could not be read")
    with translation.override("fr"):
        shown = error_for_reader(stored)
        assert shown is not None
        assert shown["message"].startswith("1\u202f200 ligne(s)") or shown["message"].startswith(
            "1\xa0200 ligne(s)"
        ), shown["message"]
        assert list(shown["report"]["counts"]) == ["pas un nombre entier"]
        assert shown["report"]["examples"][0]["reason"] == "pas un nombre entier"
    with translation.override("en"):
        assert error_message(stored) == stored["message"]
        assert report_for_reader(stored["report"])["counts"] == {"not a whole number": 1200}
