"""``{% load evaluation_text %}``: an analysis's messages in the reader's language.

A message is an English template with ``{named}`` parameters (``stats.types.Message``, stored
as ``{code, template, params, text}``). The template is translated (gettext: its French entry
is in the catalogue), then filled with the parameters written the reader's way (decimal comma,
grouping — ``django.utils.formats.number_format``). A template without a translation is shown
in English; one whose parameters do not fit its translation falls back to the English text."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

register = template.Library()


def number(value: Any, decimals: int | None = None) -> str:
    """A number the reader's way: integers grouped, other numbers to 2 significant decimals
    (at least), never in scientific notation."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return number_format(value, 0, force_grouping=True)
    if not isinstance(value, float):
        return str(value)
    if not math.isfinite(value):
        return "—"
    if decimals is None:
        size = abs(value)
        decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.01 or size == 0 else 4
    return number_format(round(value, decimals), decimals, force_grouping=True)


def render_message(message: Any) -> str:
    """A stored message (a dict) or a ``Message``, in the active language."""
    if isinstance(message, dict):
        english, params = message.get("template", ""), message.get("params") or {}
        fallback = message.get("text") or english
    else:
        english, params = message.template, message.params
        fallback = message.english()
    if not english:
        return str(fallback)
    shown = {key: number(value) for key, value in params.items()}
    try:
        return gettext(english).format(**shown)
    except (KeyError, IndexError, ValueError):
        try:
            return english.format(**shown)
        except (KeyError, IndexError, ValueError):
            return str(fallback)


@register.simple_tag
def message_text(message: Any) -> str:
    return render_message(message)


@register.filter
def num(value: Any, decimals: int | None = None) -> str:
    return number(value, decimals)


@register.filter
def percent(value: Any) -> str:
    """0.8 → "80 %" (the non-breaking space of both languages)."""
    if value is None:
        return "—"
    return number_format(round(float(value) * 100, 1), 1 if value * 100 % 1 else 0) + "\u00a0%"


@register.filter
def level(alpha: Any) -> str:
    """The confidence level of a significance level: 0.05 → "95"."""
    try:
        return number_format(
            round((1 - float(alpha)) * 100, 1), 0 if (1 - float(alpha)) * 100 % 1 == 0 else 1
        )
    except (TypeError, ValueError):
        return "95"
