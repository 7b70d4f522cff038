"""Compile gettext catalogues (.po → .mo) in pure Python, so no GNU gettext is needed.

``makemessages`` still needs gettext on a developer's machine to extract strings; turning
the translated ``django.po`` files into the ``django.mo`` files Django reads does not.
"""

from __future__ import annotations

from pathlib import Path

import polib


def compile_catalog(po_path: Path) -> bytes:
    """The .mo bytes for one .po file: its translated entries only (fuzzy and empty skipped)."""
    data: bytes = polib.pofile(str(po_path)).to_binary()
    return data


def compile_catalogs(locale_dir: Path) -> list[Path]:
    """Compile every ``django.po`` under ``locale_dir`` to the ``django.mo`` beside it.

    Returns the .mo paths, sorted. A .mo whose content is already right is left untouched,
    so running this twice changes nothing.
    """
    written: list[Path] = []
    for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/django.po")):
        mo_path = po_path.with_suffix(".mo")
        data = compile_catalog(po_path)
        if not mo_path.exists() or mo_path.read_bytes() != data:
            mo_path.write_bytes(data)
        written.append(mo_path)
    return written
