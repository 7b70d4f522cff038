"""Grants.gov's labels (as the APIs and the listing CSV spell them) back to the extract's codes."""

from __future__ import annotations

import re

from civiclab.funding.catalogue.records import ACTIVITY_CATEGORIES, INSTRUMENTS


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_ACTIVITY = {_key(label): code for code, label in ACTIVITY_CATEGORIES.items()}
# Spellings seen in the APIs and the listing CSV that differ from the extract's labels.
_ACTIVITY.update(
    {
        _key("Infrastructure Investment and Jobs Act (IIJA)"): "IIJ",
        _key("Science and Technology and other Research and Development"): "ST",
        _key("Employment, Labor and Training"): "ELT",
        _key("Law, Justice and Legal Services"): "LJL",
    }
)
_ACTIVITY_LONGEST_FIRST = sorted(_ACTIVITY, key=len, reverse=True)
_INSTRUMENTS = {_key(label): code for code, label in INSTRUMENTS.items()}


def activity_code(label: str) -> str | None:
    """The CategoryOfFundingActivity code of a label; "Other (see text field…)" and labels
    Grants.gov added after this table (e.g. EICMM) are "O"; None for an empty label."""
    key = _key(label)
    if not key:
        return None
    if label.strip() in ACTIVITY_CATEGORIES:
        return label.strip()
    if key in _ACTIVITY:
        return _ACTIVITY[key]
    # The listing CSV adds notes: "Arts (see ""Cultural Affairs"" in CFDA)".
    for known in _ACTIVITY_LONGEST_FIRST:
        if key.startswith(known + " "):
            return _ACTIVITY[known]
    return "O"


def instrument_code(label: str) -> str | None:
    """The FundingInstrumentType code of a label ("Cooperative Agreement" → "CA"); None
    for an empty label, "O" for one this table does not know."""
    key = _key(label)
    if not key:
        return None
    if label.strip() in INSTRUMENTS:
        return label.strip()
    return _INSTRUMENTS.get(key, "O")


def instrument_codes(label: str) -> list[str]:
    """The instruments in a listing's cell, whose labels the scraper ran together
    ("Cooperative AgreementGrant")."""
    found = []
    rest = label
    for code, known in sorted(INSTRUMENTS.items(), key=lambda item: -len(item[1])):
        if known in rest:
            found.append(code)
            rest = rest.replace(known, " ")
    if rest.strip() and not found:
        found.append("O")
    order = list(INSTRUMENTS)
    return sorted(found, key=order.index)


def codes(labels: list[str], lookup: object) -> list[str]:
    """The codes of ``labels`` (each once, in order)."""
    found: list[str] = []
    for label in labels:
        code = lookup(label) if callable(lookup) else None
        if isinstance(code, str) and code not in found:
            found.append(code)
    return found
