"""Uploads are checked before their body is read, and reading stops at the size limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client, override_settings

from civiclab.datasets.models import Dataset, ImportJob
from tests.clients import as_user
from tests.permission_matrix import api_headers
from tests.world import World

pytestmark = pytest.mark.django_db

WEB = "/cities/city-a/data/import/"
API = "/api/v1/cities/city-a/datasets/{}/{}"
MB = 1024 * 1024
TOKEN = "t" * 32  # a CSRF secret, as the cookie holds it


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes Django's upload handler writes to disk, chunk by chunk."""
    chunks: list[int] = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def spy(self: Any, raw_data: bytes, start: int) -> Any:
        chunks.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", spy)
    return chunks


def csv_file(size: int) -> SimpleUploadedFile:
    line = b"1,some text that fills the file\n"
    return SimpleUploadedFile("big.csv", b"id,note\n" + line * (size // len(line)), "text/csv")


def signed_in(user: Any) -> Client:
    """A browser session with its CSRF cookie: Django's CSRF check then reads the body."""
    return as_user(user, csrf_token=TOKEN)


def test_a_viewers_web_upload_is_refused_unread(world: World, written: list[int]) -> None:
    """GIVEN a viewer, who may not import
    WHEN they post a 3 MB file to the upload page
    THEN the answer is 403 and not a byte of the file was written to disk."""
    response = signed_in(world.user("viewer")).post(
        WEB, {"csrfmiddlewaretoken": TOKEN, "dataset": "x", "file": csv_file(3 * MB)}
    )
    assert response.status_code == 403
    assert written == []


def test_a_viewers_api_upload_is_refused_unread(world: World, written: list[int]) -> None:
    for route in ("imports", "preview"):
        response = Client().post(
            API.format("x", route), {"file": csv_file(3 * MB)}, **api_headers(world.user("viewer"))
        )
        assert response.status_code == 403, route
        assert response.json()["error"]["code"] == "forbidden"
    assert written == []
    assert not ImportJob.objects.exists()


def test_an_api_upload_to_an_unseen_city_is_not_found_unread(
    world: World, written: list[int]
) -> None:
    response = Client().post(
        "/api/v1/cities/city-f/datasets/x/imports",
        {"file": csv_file(3 * MB)},
        **api_headers(world.user("member")),
    )
    assert response.status_code == 404
    assert written == []


@override_settings(MAX_UPLOAD_BYTES=MB)
def test_an_oversized_api_upload_is_refused_by_its_declared_length(
    world: World, written: list[int]
) -> None:
    """GIVEN a 1 MB limit WHEN a member sends 3 MB THEN 413, nothing written."""
    response = Client().post(
        API.format("x", "imports"), {"file": csv_file(3 * MB)}, **api_headers(world.user("member"))
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and "1 MB limit" in error["message"]
    assert written == []


@override_settings(MAX_UPLOAD_BYTES=2 * MB)
def test_reading_stops_at_the_limit_when_the_length_does_not_tell(
    world: World, written: list[int]
) -> None:
    """GIVEN a 2 MB limit and a body whose declared length is within its slack
    WHEN a member sends 2.5 MB
    THEN reading stops just past 2 MB: 413, no job, no dataset."""
    response = Client().post(
        API.format("x", "imports"),
        {"file": csv_file(5 * MB // 2)},
        **api_headers(world.user("member")),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert 0 < sum(written) <= 2 * MB
    assert not ImportJob.objects.exists() and not Dataset.objects.exists()


@override_settings(MAX_UPLOAD_BYTES=MB)
def test_an_oversized_web_upload_says_so_on_the_form(world: World, written: list[int]) -> None:
    client = signed_in(world.user("member"))
    for size in (3 * MB, 3 * MB // 2):  # refused by its length; cut while read
        response = client.post(
            WEB,
            {  # in the page's order: the CSRF token comes before the file
                "csrfmiddlewaretoken": TOKEN,
                "dataset": "x",
                "file": csv_file(size),
            },
        )
        assert response.status_code == 200
        assert "larger than the 1 MB limit" in response.content.decode()
    assert sum(written) <= MB
