"""Signing in and out, throttling, password reset, CSRF and password hashing."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from civiclab.accounts.models import LoginLock
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_with_email_and_password_then_logout() -> None:
    user = UserFactory(email="dana@example.org")
    client = Client()
    response = attempt(client, "Dana@Example.org", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["email"] == user.email
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_logout_needs_post() -> None:
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405


def test_wrong_password_is_refused_with_a_message() -> None:
    UserFactory(email="dana@example.org")
    response = attempt(Client(), "dana@example.org", "wrong")
    assert response.status_code == 200
    assert "correct email address and password" in response.content.decode()


def test_five_failures_in_a_minute_lock_the_account() -> None:
    """GIVEN five wrong passwords for one account in a minute, from different addresses
    WHEN the right password is then given THEN sign-in is refused with a clear message."""
    UserFactory(email="dana@example.org")
    for n in range(settings.LOGIN_MAX_FAILURES):
        attempt(Client(), "dana@example.org", "wrong", ip=f"10.0.0.{n + 1}")
    client = Client()
    response = attempt(client, "dana@example.org", TEST_PASSWORD, ip="10.9.9.9")
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert client.get("/api/v1/me").status_code == 401


def test_failures_across_accounts_lock_the_ip() -> None:
    """GIVEN failures on many accounts from one address, up to the per-address limit
    WHEN anyone signs in from it THEN it is locked; elsewhere sign-in works."""
    UserFactory(email="victim@example.org")
    for n in range(settings.LOGIN_MAX_FAILURES_PER_IP):
        attempt(Client(), f"guess{n}@example.org", "wrong", ip="10.6.6.6")
    blocked = attempt(Client(), "victim@example.org", TEST_PASSWORD, ip="10.6.6.6")
    assert "Too many failed sign-ins" in blocked.content.decode()
    elsewhere = attempt(Client(), "victim@example.org", TEST_PASSWORD, ip="10.7.7.7")
    assert elsewhere.status_code == 302


def test_four_failures_do_not_lock() -> None:
    UserFactory(email="dana@example.org")
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        attempt(Client(), "dana@example.org", "wrong")
    assert attempt(Client(), "dana@example.org", TEST_PASSWORD).status_code == 302


def test_lock_expires() -> None:
    UserFactory(email="dana@example.org")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        attempt(Client(), "dana@example.org", "wrong")
    assert LoginLock.objects.exists()
    LoginLock.objects.update(until=timezone.now() - timedelta(seconds=1))
    assert attempt(Client(), "dana@example.org", TEST_PASSWORD, ip="10.1.1.1").status_code == 302


def test_inactive_user_cannot_sign_in() -> None:
    UserFactory(email="gone@example.org", is_active=False)
    assert attempt(Client(), "gone@example.org", TEST_PASSWORD).status_code == 200


def test_password_reset_by_email() -> None:
    user = UserFactory(email="dana@example.org")
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "dana@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    new_password = "a-much-better-passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_unknown_email_sends_nothing_and_reveals_nothing() -> None:
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_forms_reject_posts_without_csrf_token() -> None:
    UserFactory(email="dana@example.org")
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "dana@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 403


def test_session_cookie_expires_after_configured_idle_time() -> None:
    UserFactory(email="dana@example.org")
    response = attempt(Client(), "dana@example.org", TEST_PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 8 * 3600
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # Renewed while the user is active (SessionRefreshMiddleware), not on every request.
    assert not settings.SESSION_SAVE_EVERY_REQUEST


def test_an_active_session_is_renewed_every_few_minutes_not_every_request() -> None:
    """GIVEN a signed-in user WHEN they load a page right after signing in THEN the session
    is not written again (no new cookie); WHEN its last renewal is older than the interval
    THEN the next page renews it: a new cookie with the full idle age, and a later expiry in
    the database."""
    from django.contrib.sessions.models import Session

    from civiclab.core.middleware import SESSION_REFRESH_SECONDS, SESSION_REFRESHED_KEY

    UserFactory(email="dana@example.org")
    client = Client()
    attempt(client, "dana@example.org", TEST_PASSWORD)
    client.get("/")  # the first page after signing in stamps the session
    quiet = client.get("/")
    assert settings.SESSION_COOKIE_NAME not in quiet.cookies

    session = client.session
    session[SESSION_REFRESHED_KEY] = int(time.time()) - SESSION_REFRESH_SECONDS - 1
    session.save()
    before = timezone.now() + timedelta(seconds=60)  # as if idle for nearly the whole age
    Session.objects.filter(session_key=session.session_key).update(expire_date=before)
    renewed = client.get("/")
    cookie = renewed.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    after = Session.objects.get(session_key=session.session_key).expire_date
    assert after - before > timedelta(hours=7)


@pytest.mark.real_hasher
def test_passwords_are_hashed_with_argon2() -> None:
    user = UserFactory()
    assert user.password.startswith("argon2$")
    assert user.check_password(TEST_PASSWORD)


def test_behind_a_proxy_the_forwarded_address_is_throttled(settings) -> None:
    """GIVEN one proxy in front (CIVICLAB_PROXY_COUNT=1) WHEN a client fails on many accounts,
    forging different X-Forwarded-For prefixes THEN its real address (the proxy's last entry)
    is locked, and another client behind the same proxy still signs in."""
    settings.PROXY_COUNT = 1
    UserFactory(email="victim@example.org")
    for n in range(settings.LOGIN_MAX_FAILURES_PER_IP):
        Client().post(
            LOGIN,
            {"username": f"guess{n}@example.org", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9",
        )
    blocked = Client().post(
        LOGIN,
        {"username": "victim@example.org", "password": TEST_PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9",
    )
    assert "Too many failed sign-ins" in blocked.content.decode()
    other = Client().post(
        LOGIN,
        {"username": "victim@example.org", "password": TEST_PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert other.status_code == 302


def test_without_proxy_setting_forwarded_header_is_ignored(settings) -> None:
    from django.test import RequestFactory

    from civiclab.accounts.throttle import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.5"
    settings.PROXY_COUNT = 2  # fewer entries than proxies: the header cannot be trusted
    assert client_ip(request) == "10.0.0.5"


def test_account_made_without_password_can_reset_it() -> None:
    from civiclab.network.services import create_user

    create_user("fresh@example.org")
    Client().post("/accounts/password/reset/", {"email": "fresh@example.org"})
    assert len(mail.outbox) == 1


def test_one_persons_mistakes_do_not_lock_their_office() -> None:
    """GIVEN a city hall behind one address, where one person mistypes their password until
    their account locks WHEN a colleague signs in from the same address
    THEN the colleague gets in; only the mistyped account is locked."""
    UserFactory(email="dana@example.org")
    UserFactory(email="sam@example.org")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        attempt(Client(), "dana@example.org", "wrong", ip="192.0.2.10")
    assert (
        "Too many failed sign-ins"
        in attempt(Client(), "dana@example.org", TEST_PASSWORD, ip="192.0.2.10").content.decode()
    )
    assert attempt(Client(), "sam@example.org", TEST_PASSWORD, ip="192.0.2.10").status_code == 302


def test_a_few_mistakes_by_several_colleagues_do_not_lock_the_address() -> None:
    """GIVEN several colleagues behind one address each mistyping a few times
    WHEN the next one signs in THEN they get in."""
    UserFactory(email="next@example.org")
    for n in range(4):
        for _ in range(settings.LOGIN_MAX_FAILURES - 1):
            attempt(Client(), f"colleague{n}@example.org", "wrong", ip="192.0.2.10")
    assert attempt(Client(), "next@example.org", TEST_PASSWORD, ip="192.0.2.10").status_code == 302


def test_the_address_limit_is_much_higher_than_the_account_limit() -> None:
    """The per-address limit is a documented setting, well above the per-account one."""
    assert settings.LOGIN_MAX_FAILURES_PER_IP >= 5 * settings.LOGIN_MAX_FAILURES


RESET = "/accounts/password/reset/"


def reset(email: str, ip: str = "10.0.0.1"):
    return Client().post(RESET, {"email": email}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("known", [True, False])
def test_password_reset_is_throttled_per_email_without_revealing_the_account(known) -> None:
    """GIVEN an email address, known or not WHEN a reset is asked for it more often than the
    limit, from different addresses THEN the extra requests get the same "too many requests"
    page whether the account exists or not, and no more mail is sent."""
    if known:
        UserFactory(email="dana@example.org")
    for n in range(settings.PASSWORD_RESET_MAX_PER_EMAIL):
        assert reset("dana@example.org", ip=f"10.0.1.{n}").status_code == 302
    sent = len(mail.outbox)
    assert sent == (settings.PASSWORD_RESET_MAX_PER_EMAIL if known else 0)
    refused = reset("Dana@Example.org", ip="10.0.2.1")
    assert refused.status_code == 200
    assert "Too many password-reset requests" in refused.content.decode()
    assert len(mail.outbox) == sent
    assert reset("other@example.org", ip="10.0.2.1").status_code == 302  # others unaffected


def test_password_reset_is_throttled_per_address() -> None:
    """GIVEN one address asking resets for many emails WHEN it passes its limit
    THEN it is refused, and another address still may ask."""
    UserFactory(email="victim@example.org")
    for n in range(settings.PASSWORD_RESET_MAX_PER_IP):
        reset(f"guess{n}@example.org", ip="10.6.6.6")
    refused = reset("victim@example.org", ip="10.6.6.6")
    assert "Too many password-reset requests" in refused.content.decode()
    assert mail.outbox == []
    assert reset("victim@example.org", ip="10.7.7.7").status_code == 302
    assert len(mail.outbox) == 1
