"""The source a dataset refreshes itself from: bind it, refresh now, stop refreshing.

Every write is ``datasets.refresh``'s (checked and audited); these views only show it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.forms import add_service_errors
from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.datasets import jobs, refresh
from civiclab.datasets.forms import DataSourceForm
from civiclab.datasets.views.datasets import dataset_or_404

JOBS_SHOWN = 10


@login_required
def source_page(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    dataset = dataset_or_404(request, slug, dataset_slug)
    if not user_can(request.user, Action.EDIT, dataset):
        raise PermissionDenied
    source = refresh.source_for_editor(request.user, dataset)
    initial = (
        {
            "kind": source.kind,
            "url": source.url,
            "mode": source.mode,
            "key": source.key,
            "schedule": source.schedule,
            "enabled": source.enabled,
            "max_bad_rows": source.max_bad_rows,
            "start_from": source.start_from,
        }
        if source
        else None
    )
    form = DataSourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            refresh.bind_source(request.user, dataset, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Source saved."))
            return redirect("datasets:source", slug=slug, dataset_slug=dataset.slug)
    return render(
        request,
        "datasets/source.html",
        {
            "city": dataset.city,
            "dataset": dataset,
            "source": source,
            "form": form,
            "jobs": (
                source.jobs.select_related("version").order_by("-created_at")[:JOBS_SHOWN]
                if source
                else []
            ),
        },
    )


@login_required
@require_POST
def source_refresh(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    dataset = dataset_or_404(request, slug, dataset_slug)
    try:
        job = refresh.refresh_now(request.user, dataset)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("datasets:source", slug=slug, dataset_slug=dataset.slug)
    except jobs.QueueUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("datasets:source", slug=slug, dataset_slug=dataset.slug)
    return redirect("datasets:job", job_id=job.pk)


@login_required
@require_POST
def source_remove(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    dataset = dataset_or_404(request, slug, dataset_slug)
    refresh.unbind_source(request.user, dataset)
    messages.success(request, _("The dataset no longer refreshes itself."))
    return redirect("datasets:dataset", slug=slug, dataset_slug=dataset.slug)
