"""Sign-in, profile and API-token pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.accounts.authentication import SignedInRequest
from civiclab.accounts.forms import (
    EmailAuthenticationForm,
    ProfileForm,
    ThrottledPasswordResetForm,
    TokenForm,
)
from civiclab.accounts.models import User
from civiclab.accounts.services import PROFILE_FIELDS, update_profile
from civiclab.accounts.tokens import create_token, revoke_token


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, throttled per email typed and per address like sign-in."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


@login_required
def profile(request: SignedInRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = User.objects.get(pk=request.user.pk)  # the form's copy already holds the changes
        changed = update_profile(user, **{f: form.cleaned_data[f] for f in PROFILE_FIELDS})
        messages.success(request, _("Profile saved."))
        response = redirect("accounts:profile")
        # A saved language preference replaces an earlier switcher choice.
        if "language" in changed:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    memberships = request.user.memberships.select_related("city", "team", "network")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "memberships": memberships,
        },
    )


@login_required
def tokens(request: SignedInRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        issued = create_token(request.user, form.cleaned_data["name"], by=request.user)
        new_secret = issued.secret
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": request.user.api_tokens.all(), "new_secret": new_secret},
    )


@login_required
@require_POST
def token_revoke(request: SignedInRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    revoke_token(token, by=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
