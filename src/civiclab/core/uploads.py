"""Uploads bounded before they are read: the declared length first, then every byte counted.

Django reads a multipart body the first time anything touches ``request.POST`` or
``request.FILES`` — the CSRF check included — and its handlers write the whole file to disk
before a view sees it. So a view that takes files (1) checks who may upload and the declared
``Content-Length`` before anything reads the body, then (2) puts ``LimitedUploadHandler`` in
front of Django's handlers, which stops reading once the limit is passed, so at most
the limit is ever written (and what was written is deleted).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 1 << 20
TOO_LARGE_ATTRIBUTE = "_civiclab_upload_too_large"


def upload_limit() -> int:
    return int(settings.MAX_UPLOAD_BYTES)


def too_large_message() -> str:
    return _(
        "The file is larger than the %(limit)s MB limit for uploads (CIVICLAB_MAX_UPLOAD_MB): "
        "nothing was kept. Split the file, or ask the administrator to raise the limit."
    ) % {"limit": f"{upload_limit() // (1024 * 1024):,}"}


def declared_too_large(request: HttpRequest) -> bool:
    """The body the client announced is larger than any upload may be."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django refuses a malformed length itself
    return length > upload_limit() + FORM_OVERHEAD_BYTES


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of the files in a body and stops the upload past the limit.

    Placed first, it sees every chunk before Django's own handlers write it. Stopping with
    ``connection_reset`` leaves the rest of the body unread; Django closes (and so deletes)
    the temporary file it had started.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, TOO_LARGE_ATTRIBUTE, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler makes the file


class _BodyLeftUnread(FileUploadHandler):
    """Answers for the whole multipart body without reading it: an empty form."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> tuple[QueryDict, MultiValueDict]:
        return QueryDict(), MultiValueDict()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:  # never called
        return raw_data

    def file_complete(self, file_size: int) -> Any:  # never called
        return None


def leave_body_unread(request: HttpRequest) -> None:
    """Until ``limit_upload``, whatever reads the body sees an empty form instead.

    Call first in an upload view: a 403 or 404 page refusing the upload reads the form
    itself (Django renders them with a CSRF token, whose check parses the body).
    """
    request.upload_handlers = [_BodyLeftUnread(request)]


def limit_upload(request: HttpRequest) -> None:
    """Let the body be read, but only up to the upload limit; call before anything reads it."""
    request._initialize_handlers()  # type: ignore[attr-defined]  # Django's own, from FILE_UPLOAD_HANDLERS
    request.upload_handlers.insert(0, LimitedUploadHandler(request, upload_limit()))


def upload_was_cut(request: HttpRequest) -> bool:
    """The body was read and a file in it passed the limit (so it is not in FILES)."""
    return bool(getattr(request, TOO_LARGE_ATTRIBUTE, False))
