"""REST routes of the files attached to evidence and stage-gate decisions.

An upload is read only by someone who may attach there, only if its declared length is within
``CIVICLAB_MAX_ATTACHMENT_MB``, and only up to it (else 413); the file then goes through
``services.attach_file`` (type read from the bytes, audited). Lists, downloads and deletes find
the file through ``queries.visible_attachments``: a file of unseen evidence is a 404.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from civiclab.accounts.authentication import AUTH, AUTH_OR_ANONYMOUS, ApiRequest
from civiclab.core.api import DB_INT_MAX, ERRORS, READ_ERRORS, Id, error, error_response
from civiclab.core.uploads import (
    FORM_OVERHEAD_BYTES,
    LimitedUploadHandler,
    leave_body_unread,
    upload_was_cut,
)
from civiclab.portfolio import schemas as s
from civiclab.portfolio import services
from civiclab.portfolio.api.routing import get_visible
from civiclab.portfolio.models import Attachment, Decision, Evidence
from civiclab.portfolio.queries import visible_attachments
from civiclab.portfolio.views.attachments import serve

router = Router(tags=["portfolio"])

PARENTS: dict[str, type[Evidence] | type[Decision]] = {"evidence": Evidence, "decisions": Decision}

UPLOAD_DESCRIPTION = """\
Send the file as `multipart/form-data` in the field `file`: a PDF, a PNG, JPEG, GIF or WebP
image, an Excel workbook (`.xlsx`), a Word document (`.docx`), CSV or plain text (UTF-8). The
type is read from the file's bytes; a file of another type, or whose extension says another
type, is a `422`. Over `CIVICLAB_MAX_ATTACHMENT_MB` (20 MB by default) it is a `413`, and
nothing is kept. Who may edit the challenge (of evidence) or the solution (of a decision) may
attach.
"""


def _parent(request: ApiRequest, kind: str, pk: int) -> Evidence | Decision:
    found: Evidence | Decision = get_visible(PARENTS[kind], request, pk)
    return found


def _bounded(kind: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def wrap(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(run)
        def checked_first(request: ApiRequest, **path: Any) -> HttpResponse:
            leave_body_unread(request)
            pk = str(path.get("pk", ""))
            if not pk.isdigit() or not 1 <= int(pk) <= DB_INT_MAX:
                return run(request, **path)  # refused (422) by the route, body unread
            try:
                request.auth = AUTH.identify(request)
                if request.auth is None:
                    return run(request, **path)  # refused (401) before the body is read
                services.check_may_attach(request.auth, _parent(request, kind, int(pk)))
            except Exception as exc:  # the API's own error responses (401, 403, 404)
                return error_response(request, exc)
            limit = services.attachment_limit()
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit + FORM_OVERHEAD_BYTES:
                return error(request, 413, "too_large", services.attachment_too_large_message())
            request._initialize_handlers()  # type: ignore[attr-defined]
            request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
            request.FILES  # noqa: B018  (read now, bounded, so a cut upload is told as such)
            if upload_was_cut(request):
                return error(request, 413, "too_large", services.attachment_too_large_message())
            return run(request, **path)

        return checked_first

    return wrap


def _upload(request: ApiRequest, kind: str, pk: int, file: UploadedFile) -> Status:
    parent = _parent(request, kind, pk)
    attachment = services.attach_file(request.auth, parent, file, file.name or "")
    return Status(201, attachment)


def _list(request: ApiRequest, kind: str, pk: int) -> Any:
    parent = _parent(request, kind, pk)
    field = "evidence" if kind == "evidence" else "decision"
    return visible_attachments(request.auth).filter(**{field: parent})


@router.post(
    "/evidence/{pk}/attachments",
    response={201: s.AttachmentOut, 413: ERRORS[422], **ERRORS},
    operation_id="attach_to_evidence",
    summary="Attach a file to evidence (members)",
    description=UPLOAD_DESCRIPTION,
)
@decorate_view(_bounded("evidence"))
def attach_to_evidence(request: ApiRequest, pk: Id, file: File[UploadedFile]) -> Status:
    return _upload(request, "evidence", pk, file)


@router.post(
    "/decisions/{pk}/attachments",
    response={201: s.AttachmentOut, 413: ERRORS[422], **ERRORS},
    operation_id="attach_to_decision",
    summary="Attach a file to a stage-gate decision (members)",
    description=UPLOAD_DESCRIPTION,
)
@decorate_view(_bounded("decisions"))
def attach_to_decision(request: ApiRequest, pk: Id, file: File[UploadedFile]) -> Status:
    return _upload(request, "decisions", pk, file)


@router.get(
    "/evidence/{pk}/attachments",
    response={200: list[s.AttachmentOut], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_evidence_attachments",
    summary="The files attached to evidence",
)
def list_evidence_attachments(request: ApiRequest, pk: Id) -> Any:
    return _list(request, "evidence", pk)


@router.get(
    "/decisions/{pk}/attachments",
    response={200: list[s.AttachmentOut], **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="list_decision_attachments",
    summary="The files attached to a stage-gate decision",
)
def list_decision_attachments(request: ApiRequest, pk: Id) -> Any:
    return _list(request, "decisions", pk)


@router.get(
    "/attachments/{pk}",
    response={200: s.AttachmentOut, **READ_ERRORS},
    auth=AUTH_OR_ANONYMOUS,
    operation_id="get_attachment",
    summary="One attached file's name, size, type and checksum",
)
def get_attachment(request: ApiRequest, pk: Id) -> Attachment:
    return get_object_or_404(visible_attachments(request.auth), pk=pk)


@router.get(
    "/attachments/{pk}/download",
    response=READ_ERRORS,
    auth=AUTH_OR_ANONYMOUS,
    operation_id="download_attachment",
    summary="Download an attached file",
    description="Served as an attachment, with the type read from its bytes and `nosniff`.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: ApiRequest, pk: Id) -> FileResponse:
    attachment = get_object_or_404(visible_attachments(request.auth), pk=pk)
    return serve(attachment)


@router.delete(
    "/attachments/{pk}",
    response={204: None, **ERRORS},
    operation_id="delete_attachment",
    summary="Remove an attached file (members)",
)
def delete_attachment(request: ApiRequest, pk: Id) -> Status:
    attachment = get_object_or_404(
        visible_attachments(request.auth).select_related("evidence", "decision__solution"), pk=pk
    )
    services.delete_attachment(request.auth, attachment)
    return Status(204, None)
