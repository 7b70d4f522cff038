"""Calendar-feed tokens (core.feed_tokens): stable, feed-specific, retired by a password change."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import signing

from civiclab.core.feed_tokens import feed_token, user_of_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_the_same_every_time_it_is_given() -> None:
    """Regression: tokens carried a timestamp, so the address on the page changed every second
    (and a test comparing the page with a token made a moment later failed under load)."""
    user = UserFactory()
    first = feed_token(user, "feeds.a")
    with mock.patch("time.time", return_value=time.time() + 5):
        assert feed_token(user, "feeds.a") == first
    assert user_of_token(first, "feeds.a") == user


def test_a_token_opens_only_its_own_feed_and_dies_with_the_password() -> None:
    user = UserFactory()
    token = feed_token(user, "feeds.a")
    assert user_of_token(token, "feeds.b") is None
    assert user_of_token(token[:-2] + "xx", "feeds.a") is None
    assert user_of_token("not-a-token", "feeds.a") is None
    assert user_of_token("x" * 500, "feeds.a") is None
    user.set_password("another password 123")
    user.save()
    assert user_of_token(token, "feeds.a") is None


def test_an_address_given_before_tokens_were_stable_still_opens_the_feed() -> None:
    from civiclab.core.feed_tokens import _fingerprint

    user = UserFactory()
    old = signing.dumps(
        {"u": user.pk, "f": _fingerprint(user, "feeds.a")}, salt="feeds.a", compress=True
    )
    assert old.count(":") == 2
    assert user_of_token(old, "feeds.a") == user
    assert user_of_token(old, "feeds.b") is None
