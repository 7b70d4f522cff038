"""The upload flow — choose a file, check its columns, import — and the import job pages.

An upload is kept under ``DATA_DIR/uploads/pending/<token>/`` beside the preview of its
columns (``preview.json``) until it is imported or abandoned; the session lists the tokens
a person uploaded, so nobody else can import their file.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_htmx.http import HttpResponseClientRedirect

from civiclab.core.http import HtmxRequest
from civiclab.core.permissions import widest_visibility
from civiclab.core.scoping import actor_for
from civiclab.core.uploads import (
    declared_too_large,
    leave_body_unread,
    limit_upload,
    too_large_message,
    upload_was_cut,
)
from civiclab.datasets import jobs, services
from civiclab.datasets.display import merge_stage
from civiclab.datasets.forms import ColumnsForm, ImportOptionsForm, UploadForm
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest_text import error_message
from civiclab.datasets.models import ImportJob
from civiclab.datasets.queries import visible_datasets, visible_jobs
from civiclab.datasets.store import StoreError
from civiclab.datasets.views.datasets import city_or_404, may_import
from civiclab.network.models import City

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SESSION_KEY = "civiclab_dataset_uploads"
ABANDONED_AFTER_SECONDS = 24 * 3600
STAGES = {
    "": gettext_lazy("Waiting for a worker"),
    "starting": gettext_lazy("Starting"),
    "converting": gettext_lazy("Reading the file and converting its values"),
    "explaining refused rows": gettext_lazy("Listing the rows that do not fit"),
    "profiling": gettext_lazy("Profiling the columns"),
    "done": gettext_lazy("Done"),
    "failed": gettext_lazy("Failed"),
}


def pending_dir() -> Path:
    return settings.DATA_DIR / "uploads" / "pending"


def _keep_upload(uploaded: UploadedFile) -> Path:
    """Move (not copy) the file Django streamed to disk into its own pending folder."""
    _remove_abandoned_uploads()
    folder = pending_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / "upload"
    temporary = getattr(uploaded, "temporary_file_path", None)
    if temporary is not None:
        # Same file system as FILE_UPLOAD_TEMP_DIR: a rename. Django's later close of its
        # temporary file tolerates the file being gone.
        shutil.move(temporary(), target)
    else:  # small uploads stay in memory
        with target.open("wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
    return target


def _remove_abandoned_uploads() -> None:
    root = pending_dir()
    if not root.exists():
        return
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            pass


def _pending(request: HttpRequest, city: City, token: str) -> dict[str, Any]:
    """The person's pending upload ``token`` for ``city``, or 404."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    folder = pending_dir() / token
    if not entry or entry.get("city") != city.pk or not (folder / "preview.json").exists():
        raise Http404
    preview = json.loads((folder / "preview.json").read_text(encoding="utf-8"))
    return {**entry, "path": folder / "upload", "preview": preview}


def _forget(request: HttpRequest, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads


def _widest(request: HttpRequest, city: City) -> Any:
    return widest_visibility(actor_for(request.user), city.network_id, city.pk)


def _dataset_names(request: HttpRequest, city: City) -> list[str]:
    datasets = visible_datasets(request.user).filter(city=city)
    return list(datasets.values_list("name", flat=True))


@csrf_exempt  # the CSRF check reads the body: _upload_form makes it, once that may happen
@login_required
def upload(request: HtmxRequest, slug: str) -> HttpResponse:
    """Step 1: the file and how to import it; a good file goes on to its column check.

    Who may import, and the length the browser announces, are checked before the body is
    read, and reading stops past the upload limit: a refused upload is never written.
    """
    leave_body_unread(request)
    city = city_or_404(request, slug)
    if not may_import(request.user, city):
        raise PermissionDenied
    if request.method == "POST":
        if declared_too_large(request):
            return _too_large(request, city)
        limit_upload(request)
    return _upload_form(request, city)


def _too_large(request: HttpRequest, city: City) -> HttpResponse:
    """The empty form, saying the file is over the limit (its body left unread or cut)."""
    form = UploadForm(city=city, widest=_widest(request, city))
    form.errors["file"] = form.error_class([too_large_message()])
    return render(
        request,
        "datasets/import_form.html",
        {"city": city, "form": form, "dataset_names": _dataset_names(request, city)},
    )


@csrf_protect
def _upload_form(request: HtmxRequest, city: City) -> HttpResponse:
    if upload_was_cut(request):
        return _too_large(request, city)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        city=city,
        widest=_widest(request, city),
        # "Import a new version" on a dataset's page is the confirmation; it stays visible.
        initial={
            "dataset": request.GET.get("dataset", ""),
            "add_version": "dataset" in request.GET,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.check_may_import(
            request.user, city, data["dataset"], data["visibility"], data["add_version"]
        )
        token = _check_file(request, city, form)
        if token is not None:
            url = reverse("datasets:import_check", args=[city.slug, token])
            if request.htmx:
                return HttpResponseClientRedirect(url)
            return redirect(url)
    return render(
        request,
        "datasets/import_form.html",
        {"city": city, "form": form, "dataset_names": _dataset_names(request, city)},
    )


def _check_file(request: HttpRequest, city: City, form: UploadForm) -> str | None:
    """Keep the upload and preview it; on an unreadable file say why on the form."""
    data = form.cleaned_data
    uploaded = data["file"]
    source_name = Path(uploaded.name or "upload").name[:300]
    path = _keep_upload(uploaded)
    try:
        preview = services.preview_file(
            request.user, city, path, source_name, form.options(data["format"], {})
        )
    except IngestError as exc:
        shutil.rmtree(path.parent, ignore_errors=True)
        form.add_error(None, error_message(exc))
        return None
    token = path.parent.name
    preview["declared_format"] = data["format"]
    (path.parent / "preview.json").write_text(
        json.dumps(preview, default=str, ensure_ascii=False), encoding="utf-8"
    )
    # Forget uploads whose files were imported or cleaned away, then remember this one.
    uploads = {
        kept: entry
        for kept, entry in request.session.get(SESSION_KEY, {}).items()
        if (pending_dir() / kept).exists()
    }
    uploads[token] = {
        "city": city.pk,
        "name": source_name,
        "options": {k: v for k, v in data.items() if k not in ("file", "format")},
    }
    request.session[SESSION_KEY] = uploads
    return token


@login_required
def check(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """Step 2: the detected columns, to rename or retype; then "Check again" or "Import"."""
    city = city_or_404(request, slug)
    if not may_import(request.user, city):
        raise PermissionDenied
    try:
        pending = _pending(request, city, token)
    except Http404:
        messages.error(request, _("That upload is no longer available; choose the file again."))
        return redirect("datasets:import", slug=city.slug)
    preview = pending["preview"]
    detected = preview["columns"]
    data = request.POST if request.method == "POST" else None
    options_form = ImportOptionsForm(
        data, city=city, widest=_widest(request, city), initial=pending["options"]
    )
    columns_form = ColumnsForm(data, columns=detected)
    error = None
    status = 200
    shown = preview
    if data is not None and options_form.is_valid() and columns_form.is_valid():
        options = options_form.options(preview["declared_format"], columns_form.overrides())
        name = options_form.cleaned_data["dataset"]
        if request.POST.get("action") == "import":
            try:
                job = jobs.submit_import(
                    request.user, city, name, pending["path"], pending["name"], options
                )
            except jobs.QueueUnavailable as exc:
                # The upload is still pending: "Import" again once the queue is back.
                error, status = str(exc), 503
            except StoreError:
                # Likewise once the object store (where the worker fetches the upload) is back.
                error, status = (
                    _(
                        "The object store is unreachable, so the import could not start: try "
                        "again in a moment (the administrator can check it with `civiclab "
                        "check`)."
                    ),
                    503,
                )
            else:
                shutil.rmtree(pending["path"].parent, ignore_errors=True)
                _forget(request, token)
                return redirect("datasets:job", job_id=job.pk)
        else:
            try:
                shown = services.preview_file(
                    request.user, city, pending["path"], pending["name"], options
                )
            except IngestError as exc:
                error = error_message(exc)
    return render(
        request,
        "datasets/import_check.html",
        {
            "city": city,
            "token": token,
            "source_name": pending["name"],
            "preview": shown,
            "sample": shown["sample"],
            "options_form": options_form,
            "columns_form": columns_form,
            "error": error,
            "dataset_names": _dataset_names(request, city),
        },
        status=status,
    )


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    jobs.expire_stale_jobs()  # a job whose worker died reads as failed, never running on
    return get_object_or_404(visible_jobs(request.user).select_related("created_by"), pk=job_id)


def _job_context(job: ImportJob) -> dict[str, Any]:
    merging = merge_stage(job.stage)
    stage: StrOrPromise
    if merging:
        mode, number = merging
        stage = _("Merging (%(mode)s) with version %(number)s") % {"mode": mode, "number": number}
    else:
        stage = STAGES.get(job.stage, job.stage)
    finished = job.state in (ImportJob.State.DONE, ImportJob.State.FAILED)
    return {
        "job": job,
        "city": job.city,
        "stage": stage,
        "percent": round(job.progress * 100),
        "finished": finished,
        "error": job.error or {},
    }


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    return render(request, "datasets/job.html", _job_context(job))


@login_required
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's state for the page's poll; 286 tells htmx to stop polling once finished."""
    job = _job(request, job_id)
    context = _job_context(job)
    response = render(request, "datasets/partials/job_poll.html", context)
    if context["finished"]:
        response.status_code = 286
    return response
