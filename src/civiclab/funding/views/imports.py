"""The catalogue's imports (network admins) and funds entered by hand."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from civiclab.core.scoping import actor_for
from civiclab.core.uploads import (
    declared_too_large,
    leave_body_unread,
    limit_upload,
    too_large_message,
    upload_was_cut,
)
from civiclab.funding.catalogue.errors import CatalogueError
from civiclab.funding.forms.catalogue import CatalogueUploadForm, FundForm
from civiclab.funding.models import Opportunity, OpportunityChange
from civiclab.funding.queries.catalogue import imports_for, visible_opportunities
from civiclab.funding.services import catalogue as services
from civiclab.network.models import Network

# The history page lists this many imports (the newest first).
HISTORY_LENGTH = 100


def _require_network_admin(request: HttpRequest) -> None:
    if not actor_for(request.user).network_admin_of():
        raise PermissionDenied


@csrf_exempt  # the CSRF check reads the body: _imports_page makes it, once that may happen
@login_required
def imports(request: HttpRequest) -> HttpResponse:
    """The import history and the upload form. Who may import, and the length the browser
    announces, are checked before the body is read; reading stops past the upload limit."""
    leave_body_unread(request)
    _require_network_admin(request)
    if request.method == "POST":
        if declared_too_large(request):
            return _imports_page(request, CatalogueUploadForm(), too_large=True)
        limit_upload(request)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    # Read the body now (within the limit): without a CSRF check before, nothing has yet.
    files = request.FILES
    if upload_was_cut(request):
        return _imports_page(request, CatalogueUploadForm(), too_large=True)
    form = CatalogueUploadForm(request.POST or None, files or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        name = Path(uploaded.name or "upload").name[:300]
        folder = Path(tempfile.mkdtemp(dir=settings.FILE_UPLOAD_TEMP_DIR))
        try:
            path = folder / "upload"
            with path.open("wb") as out:
                for chunk in uploaded.chunks():
                    out.write(chunk)
            try:
                run = services.import_catalogue(request.user, path, file_name=name)
            except CatalogueError as error:
                failed = getattr(error, "catalogue_import", None)
                if failed is None:
                    form.add_error("file", str(error))
                    return _imports_page(request, form)
                run = failed
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return redirect("funding:import", pk=run.pk)
    return _imports_page(request, form)


def _imports_page(
    request: HttpRequest, form: CatalogueUploadForm, *, too_large: bool = False
) -> HttpResponse:
    if too_large:
        form.errors["file"] = form.error_class([too_large_message()])
    history = imports_for(request.user).select_related("by")[:HISTORY_LENGTH]
    return render(request, "funding/imports.html", {"form": form, "imports": history})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import's result: its counts, its error, the changes it recorded."""
    _require_network_admin(request)
    run = get_object_or_404(imports_for(request.user), pk=pk)
    kinds: dict[str, int] = {}
    for kind in OpportunityChange.objects.filter(catalogue_import=run).values_list(
        "kind", flat=True
    ):
        kinds[kind] = kinds.get(kind, 0) + 1
    labels = dict(OpportunityChange._meta.get_field("kind").choices or [])
    changes = [(labels.get(kind, kind), count) for kind, count in sorted(kinds.items())]
    return render(request, "funding/import_detail.html", {"run": run, "changes": changes})


def _networks(request: HttpRequest) -> list[Any]:
    ids = {g.network_id for g in actor_for(request.user).grants}
    allowed = [pk for pk in sorted(ids) if services.may_enter_funds(request.user, pk)]
    return list(Network.objects.filter(pk__in=allowed).order_by("name"))


@login_required
def fund_new(request: HttpRequest) -> HttpResponse:
    """Enter a fund by hand (city admins and network admins), for one of their networks."""
    networks = _networks(request)
    if not networks:
        raise PermissionDenied
    form = FundForm(request.POST or None, networks=networks)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("network")
        network = next((n for n in networks if str(n.pk) == str(chosen)), networks[0])
        try:
            fund = services.create_fund(request.user, network, **form.fund_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The fund was added to the catalogue."))
            return redirect("funding:opportunity", pk=fund.pk)
    return render(request, "funding/fund_form.html", {"form": form, "fund": None})


@login_required
def fund_edit(request: HttpRequest, pk: int) -> HttpResponse:
    fund = get_object_or_404(visible_opportunities(request.user).filter(source="manual"), pk=pk)
    if not services.may_edit_fund(request.user, fund):
        raise PermissionDenied
    form = FundForm(request.POST or None, instance=fund)
    if request.method == "POST" and form.is_valid():
        # The form wrote its values on the instance: compare with the stored row.
        stored = Opportunity.objects.get(pk=fund.pk)
        changes = {
            name: value
            for name, value in form.fund_fields().items()
            if getattr(stored, name) != value
        }
        try:
            services.update_fund(request.user, stored, **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The fund was saved."))
            return redirect("funding:opportunity", pk=fund.pk)
    return render(request, "funding/fund_form.html", {"form": form, "fund": fund})
