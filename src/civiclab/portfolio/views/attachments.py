"""HTML views of attached files: upload (to an evidence or a decision), download, delete.

The upload checks who may attach and the announced length before anything reads the body, and
reading stops past the attachment limit (core/uploads.py). A download is found through
``queries.visible_attachments``: a file of evidence one may not see is not found (404); it is
served as an attachment, with the type read from its bytes and ``nosniff``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.core.uploads import (
    FORM_OVERHEAD_BYTES,
    LimitedUploadHandler,
    leave_body_unread,
    upload_was_cut,
)
from civiclab.portfolio import services
from civiclab.portfolio.models import Attachment, Decision, Evidence
from civiclab.portfolio.queries import visible, visible_attachments


def _back(parent: Evidence | Decision) -> str:
    if isinstance(parent, Evidence):
        return reverse("portfolio:challenge", args=[parent.challenge_id]) + f"#evidence-{parent.pk}"
    return reverse("portfolio:solution", args=[parent.solution_id]) + "#decisions"


def _may_attach(request: HttpRequest, parent: Evidence | Decision) -> bool:
    owner = parent.challenge if isinstance(parent, Evidence) else parent.solution
    return user_can(request.user, Action.EDIT, owner)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _upload(request: HttpRequest, parent: Evidence | Decision) -> HttpResponse:
    if not _may_attach(request, parent):
        raise PermissionDenied
    limit = services.attachment_limit()
    if _declared_length(request) > limit + FORM_OVERHEAD_BYTES:
        messages.error(request, services.attachment_too_large_message())
        return redirect(_back(parent))
    request._initialize_handlers()  # type: ignore[attr-defined]
    request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
    return _receive(request, parent)


@csrf_protect
def _receive(request: HttpRequest, parent: Evidence | Decision) -> HttpResponse:
    uploaded = request.FILES.get("file")
    if upload_was_cut(request):
        messages.error(request, services.attachment_too_large_message())
    elif uploaded is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.attach_file(request.user, parent, uploaded, uploaded.name or "")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("File attached."))
    return redirect(_back(parent))


@csrf_exempt  # the CSRF check reads the body: _receive makes it, once that may happen
@require_POST
@login_required
def evidence_attach(request: HttpRequest, pk: int) -> HttpResponse:
    leave_body_unread(request)
    return _upload(request, get_object_or_404(visible(Evidence, request.user), pk=pk))


@csrf_exempt  # as above
@require_POST
@login_required
def decision_attach(request: HttpRequest, pk: int) -> HttpResponse:
    leave_body_unread(request)
    decision = get_object_or_404(visible(Decision, request.user).select_related("solution"), pk=pk)
    return _upload(request, decision)


def serve(attachment: Attachment) -> FileResponse:
    """The file as a download (never shown inline), typed as its bytes read, ``nosniff``;
    the API serves it the same way."""
    path = services.attachment_path(attachment)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from the data folder.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return serve(get_object_or_404(visible_attachments(request.user), pk=pk))


@require_POST
@login_required
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        visible_attachments(request.user).select_related("evidence", "decision__solution"), pk=pk
    )
    parent = attachment.parent
    services.delete_attachment(request.user, attachment)
    messages.success(request, _("Attachment deleted."))
    return redirect(_back(parent))  # type: ignore[arg-type]
