from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civiclab.accounts import throttle
from civiclab.accounts.models import User


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing locked accounts and IPs and counting failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct email address and password. Both may be case-sensitive."
        ),
    }

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").strip().lower()
        keys = throttle.keys_for(email, throttle.client_ip(self.request))
        wait = throttle.locked_for_seconds(keys)
        if wait:
            minutes = max(1, round(wait / 60))
            raise ValidationError(
                ngettext(
                    "Too many failed sign-ins. Signing in is locked for %(minutes)d more "
                    "minute; try again later or reset your password.",
                    "Too many failed sign-ins. Signing in is locked for %(minutes)d more "
                    "minutes; try again later or reset your password.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.register_failure(keys)
            raise
        throttle.register_success(email)
        return cleaned


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, refusing an email or address that asked too often.

    The email typed is counted whether or not it has an account, and a refusal reads the same
    either way, so the form never tells which addresses have accounts.
    """

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = cleaned.get("email")
        if email:
            keys = throttle.reset_keys_for(email, throttle.client_ip(self.request))
            wait = throttle.locked_for_seconds(keys)
            if wait:
                minutes = max(1, round(wait / 60))
                raise ValidationError(
                    ngettext(
                        "Too many password-reset requests. Please try again in %(minutes)d minute.",
                        "Too many password-reset requests. Please try again in %(minutes)d "
                        "minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    code="throttled",
                )
            throttle.register_reset_request(keys)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]
        widgets = {
            "language": forms.Select(choices=[("", _("Same as my city")), *settings.LANGUAGES])
        }


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “dashboard script”."),
    )
