"""API tokens: shown once, stored hashed, usable as bearer tokens, revocable from UI and CLI."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command
from django.test import Client

from civiclab.accounts.models import ApiToken
from civiclab.accounts.tokens import create_token, revoke_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_is_stored_only_as_a_digest() -> None:
    issued = create_token(UserFactory(), "script")
    stored = ApiToken.objects.get()
    assert issued.secret.startswith(f"clb_{stored.prefix}_")
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {str(v) for v in ApiToken.objects.values().get().values()}


def test_token_authenticates_until_revoked() -> None:
    user = UserFactory()
    issued = create_token(user, "script")
    client = Client()
    assert client.get("/api/v1/me", **bearer(issued.secret)).json()["email"] == user.email
    assert ApiToken.objects.get().last_used_at is not None
    revoke_token(issued.token)
    response = client.get("/api/v1/me", **bearer(issued.secret))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_bad_token_is_refused_not_treated_as_anonymous() -> None:
    response = Client().get("/api/v1/cities", **bearer("clb_nothing_here"))
    assert response.status_code == 401


def test_token_of_deactivated_user_stops_working() -> None:
    user = UserFactory()
    issued = create_token(user, "script")
    user.is_active = False
    user.save()
    assert Client().get("/api/v1/me", **bearer(issued.secret)).status_code == 401


def test_tokens_page_shows_a_new_token_once_and_revokes() -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    created = client.post("/accounts/tokens/", {"name": "dashboard"})
    secret = ApiToken.objects.get()
    page = created.content.decode()
    assert "Copy your new token now" in page
    shown = page.split('id="new-token">')[1].split("<")[0]
    assert shown.startswith(f"clb_{secret.prefix}_")
    assert shown not in client.get("/accounts/tokens/").content.decode()
    assert Client().get("/api/v1/me", **bearer(shown)).status_code == 200
    client.post(f"/accounts/tokens/{secret.pk}/revoke/")
    assert Client().get("/api/v1/me", **bearer(shown)).status_code == 401


def test_cannot_revoke_someone_elses_token() -> None:
    issued = create_token(UserFactory(), "theirs")
    client = Client()
    client.force_login(UserFactory())
    assert client.post(f"/accounts/tokens/{issued.token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_cli_creates_and_revokes_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    user = UserFactory(email="ops@example.org")
    call_command("token", "create", "ops@example.org")
    secret = capsys.readouterr().out.strip()
    assert Client().get("/api/v1/me", **bearer(secret)).json()["email"] == user.email
    call_command("token", "revoke", secret.split("_")[1])
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 401
