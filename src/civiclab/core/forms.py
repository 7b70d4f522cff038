"""Form helpers shared by the domain views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

T = TypeVar("T")


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside its field when the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, messages_)


def save_or_show_errors(
    request: HttpRequest,
    form: forms.BaseForm,
    write: Callable[[], T],
    done: str,
    next_url: str | Callable[[T], str],
    *,
    refused: str | None = None,
) -> HttpResponse | None:
    """Run ``write`` (a services call for a valid form): then ``done`` and a redirect.

    The redirect goes to ``next_url``, or ``next_url(what write returned)`` when it is a
    function (the page of what was created). None when the service refused, with
    its reasons on the form: a ValidationError beside the fields it names; a PermissionDenied as
    ``refused`` beside the visibility (the user may edit, so it is sharing wider that was
    refused) — without ``refused`` it stays a 403.
    """
    try:
        result = write()
    except PermissionDenied:
        if refused is None:
            raise
        form.add_error("visibility", refused)
    except ValidationError as exc:
        add_service_errors(form, exc)
    else:
        messages.success(request, done)
        return redirect(next_url(result) if callable(next_url) else next_url)
    return None
