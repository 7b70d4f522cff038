"""``{{ user|person_name }}``: a person on a page, by name — never by email address."""

from __future__ import annotations

from typing import Any

from django import template

from civiclab.accounts.people import display_name

register = template.Library()


@register.filter
def person_name(user: Any) -> str:
    """The full name, else the email's local part; "" for nobody (then ``|default:"—"``)."""
    return display_name(user) if user is not None else ""
