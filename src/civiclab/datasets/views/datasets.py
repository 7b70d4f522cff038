"""HTML views of the data catalogue: lists, a dataset's page and rows, edits, downloads.

The upload flow and the import job pages are in ``views.imports``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from civiclab.core.forms import add_service_errors
from civiclab.core.fragments import kept_html
from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Action, Target, Visibility
from civiclab.core.scoping import user_can
from civiclab.datasets import services
from civiclab.datasets.display import (
    RowsQuery,
    cell_text,
    dictionary_csv,
    local_zone,
    profile_rows,
)
from civiclab.datasets.engine import QueryError
from civiclab.datasets.forms import TYPE_LABELS, DatasetForm, DictionaryForm
from civiclab.datasets.ingest.columns import ColumnSpec
from civiclab.datasets.ingest.exports import export_csv, export_parquet
from civiclab.datasets.ingest.report import IngestError
from civiclab.datasets.ingest_text import error_message
from civiclab.datasets.models import (
    THEMES,
    UPDATE_FREQUENCIES,
    Dataset,
    DataSource,
    ImportJob,
)
from civiclab.datasets.queries import (
    FACETS,
    SEARCH_MAX,
    Catalogue,
    catalogue_search,
    data_dictionary,
    dataset_rows,
    version_path,
    visible_datasets,
    visible_jobs,
)
from civiclab.network.models import City
from civiclab.network.queries import visible_cities

ROWS_PER_PAGE = 25
VERSIONS_SHOWN = 50
FAILED_JOBS_SHOWN = 5
DOWNLOADS = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def city_or_404(request: HttpRequest, slug: str) -> City:
    return get_object_or_404(visible_cities(request.user), slug=slug)


def dataset_or_404(request: HttpRequest, slug: str, dataset_slug: str) -> Dataset:
    return get_object_or_404(visible_datasets(request.user), city__slug=slug, slug=dataset_slug)


def may_import(user: Any, city: City) -> bool:
    """May ``user`` make datasets in ``city`` (imports into existing ones also need edit)?"""
    target = Target(city.network_id, city.pk, Visibility.CITY)
    return user_can(user, Action.CREATE, target)


def catalogue(request: HttpRequest) -> HttpResponse:
    """Every dataset the user may see, by city: searched by words (``q``) and narrowed by
    facets (``city``, ``theme``, ``tag``…, one value each), with each facet's counts."""
    text = request.GET.get("q", "")[:SEARCH_MAX]
    selected = {f: request.GET.get(f, "")[:SEARCH_MAX] for f in FACETS if request.GET.get(f)}
    found = catalogue_search(request.user, text, selected)
    cities = list(visible_cities(request.user).order_by("name"))
    return render(
        request,
        "datasets/catalogue.html",
        {
            "datasets": found.datasets,
            "total": found.total,
            "q": text,
            "selected": selected,
            "facets": _facet_links(found, text, selected),
            "import_cities": [c for c in cities if may_import(request.user, c)],
        },
    )


def _facet_links(found: Catalogue, text: str, selected: dict[str, str]) -> list[dict[str, Any]]:
    """Each facet with its values: label, count, whether chosen, and the catalogue's query
    that chooses it (or, when chosen, lets it go)."""
    labels: dict[str, dict[str, str]] = {
        "city": found.city_names,
        "theme": {code: str(label) for code, label in THEMES},
        "frequency": {code: str(label) for code, label in UPDATE_FREQUENCIES},
        "visibility": {code: str(label) for code, label in VISIBILITY_CHOICES},
    }
    titles = {
        "city": _("City"),
        "theme": _("Theme"),
        "tag": _("Tag"),
        "licence": _("Licence"),
        "format": _("Format"),
        "frequency": _("Update frequency"),
        "visibility": _("Visible to"),
    }
    facets = []
    for facet in FACETS:
        values = []
        for value, count in found.counts[facet]:
            params = {"q": text, **selected} if text else dict(selected)
            chosen = selected.get(facet) == value
            if chosen:
                params.pop(facet)
            else:
                params[facet] = value
            values.append(
                {
                    "label": labels.get(facet, {}).get(value, value),
                    "count": count,
                    "chosen": chosen,
                    "query": urlencode(params),
                }
            )
        if values:
            facets.append({"name": facet, "title": titles[facet], "values": values})
    return facets


def city_catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_or_404(request, slug)
    return render(
        request,
        "datasets/city_catalogue.html",
        {
            "city": city,
            "datasets": visible_datasets(request.user).filter(city=city),
            "jobs": visible_jobs(request.user).filter(city=city).select_related("created_by")[:10],
            "may_import": may_import(request.user, city),
        },
    )


def dataset_detail(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    # With its source, if bound (in the same query: the page's count is pinned).
    dataset = get_object_or_404(
        visible_datasets(request.user).select_related("remote"), city__slug=slug, slug=dataset_slug
    )
    version = dataset.current_version
    zone = local_zone(dataset.city.timezone)
    can_edit = user_can(request.user, Action.EDIT, dataset)
    failed = visible_jobs(request.user).filter(dataset=dataset, state=ImportJob.State.FAILED)
    city = dataset.city
    # The columns' profile and the first rows are drawn from the version alone (and the
    # dictionary, the query string, the city's time zone): kept once drawn, they were most
    # of the page's time. Whether the reader may see the dataset is checked above.
    drawn_from = (version.pk if version else None, dataset.updated_at.isoformat(), city.timezone)
    columns_html = kept_html(
        "dataset-columns",
        drawn_from,
        lambda: (
            render_to_string(
                "datasets/partials/columns.html",
                {
                    "version": version,
                    "profile": _with_dictionary(
                        _with_type_labels(profile_rows(version.profile, zone)) if version else [],
                        dataset,
                    ),
                },
                request=request,
            ),
            True,
        ),
    )
    return render(
        request,
        "datasets/dataset_detail.html",
        {
            "city": city,
            "dataset": dataset,
            "version": version,
            "columns_html": columns_html,
            "rows_html": _kept_rows(request, dataset, drawn_from),
            "themes": [str(label) for code, label in THEMES if code in dataset.themes],
            "api_url": request.build_absolute_uri(
                reverse("api:get_dataset", args=[dataset.city.slug, dataset.slug])
            ),
            "report": version.report if version else {},
            "versions": dataset.versions.select_related("created_by")[:VERSIONS_SHOWN],
            "failed_jobs": failed.select_related("created_by")[:FAILED_JOBS_SHOWN],
            "can_edit": can_edit,
            # The schedule and how the last refresh went, not the address (editors only).
            "remote": _bound_source(dataset),
        },
    )


def _kept_rows(request: HttpRequest, dataset: Dataset, drawn_from: tuple[object, ...]) -> Any:
    """The rows table for the request's query string, kept per version and query."""
    version = dataset.current_version
    names = [c["name"] for c in version.columns] if version else []
    asked = RowsQuery.parse(request.GET, names).query()

    def draw() -> tuple[str, bool]:
        context = _rows_context(request, dataset)
        html = render_to_string(
            "datasets/partials/rows.html",
            {"city": dataset.city, "dataset": dataset, **context},
            request=request,
        )
        return html, context["rows_error"] is None

    return kept_html("dataset-rows", (*drawn_from, dataset.city.slug, dataset.slug, asked), draw)


def _bound_source(dataset: Dataset) -> DataSource | None:
    try:
        return dataset.remote
    except DataSource.DoesNotExist:
        return None


def _with_type_labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "type_label": TYPE_LABELS.get(row["type"], row["type"])} for row in rows]


def _with_dictionary(rows: list[dict[str, Any]], dataset: Dataset) -> list[dict[str, Any]]:
    entries = dataset.dictionary or {}
    return [
        {
            **row,
            "description": entries.get(row["name"], {}).get("description", ""),
            "unit": entries.get(row["name"], {}).get("unit", ""),
        }
        for row in rows
    ]


def dataset_rows_partial(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    """The rows table alone, for htmx; the address bar shows the full page's URL."""
    dataset = dataset_or_404(request, slug, dataset_slug)
    context = _rows_context(request, dataset)
    response = render(
        request,
        "datasets/partials/rows.html",
        {"city": dataset.city, "dataset": dataset, **context},
    )
    query = context["rows_query"].query()
    return push_url(response, context["page_url"] + (f"?{query}" if query else ""))


def _rows_context(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    version = dataset.current_version
    names = [c["name"] for c in version.columns] if version else []
    query = RowsQuery.parse(request.GET, names)
    error, page = None, None
    try:
        page = dataset_rows(
            dataset,
            page=query.page,
            page_size=ROWS_PER_PAGE,
            sort=query.sort,
            descending=query.descending,
            filters=query.filters,
        )
    except QueryError as exc:
        error = str(exc)
    zone = local_zone(dataset.city.timezone)
    rows = [[cell_text(v, zone) for v in row] for row in page.rows] if page else []
    first = (page.page - 1) * page.page_size + 1 if page and page.rows else 0
    args = [dataset.city.slug, dataset.slug]
    return {
        "rows_query": query,
        "rows_page": page,
        "rows": rows,
        "rows_error": error,
        "first_row": first,
        "last_row": first + len(rows) - 1 if rows else 0,
        "headers": query.headers(names),
        "types": [c["type"] for c in version.columns] if version else [],
        "clear_query": RowsQuery(sort=query.sort, descending=query.descending).query(),
        "previous_query": query.query(page=query.page - 1) if page and page.page > 1 else None,
        "next_query": query.query(page=query.page + 1) if page and page.page < page.pages else None,
        "page_url": reverse("datasets:dataset", args=args),
        "rows_url": reverse("datasets:rows", args=args),
    }


@login_required
def dataset_edit(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    dataset = dataset_or_404(request, slug, dataset_slug)
    if not user_can(request.user, Action.EDIT, dataset):
        raise PermissionDenied
    # The form edits a copy, so a refused change never shows on the dataset object.
    form = DatasetForm(request.POST or None, instance=Dataset.objects.get(pk=dataset.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dataset(
                request.user, dataset, **{f: form.cleaned_data[f] for f in form.changed_data}
            )
        except PermissionDenied:
            form.add_error("visibility", _("Only city admins can change who sees a dataset."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Dataset saved."))
            return redirect("datasets:dataset", slug=slug, dataset_slug=dataset.slug)
    back = reverse("datasets:dataset", args=[slug, dataset.slug])
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("Edit dataset"), "back_url": back, "back_label": dataset.name},
    )


@login_required
@require_POST
def make_current(request: HttpRequest, slug: str, dataset_slug: str, number: int) -> HttpResponse:
    dataset = dataset_or_404(request, slug, dataset_slug)
    try:
        services.rollback(request.user, dataset, number)
    except IngestError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, _("Version %(number)s is current.") % {"number": number})
    return redirect("datasets:dataset", slug=slug, dataset_slug=dataset.slug)


def download(request: HttpRequest, slug: str, dataset_slug: str, fmt: str) -> FileResponse:
    """The current version as CSV or Parquet, written to a temporary file and streamed."""
    dataset = dataset_or_404(request, slug, dataset_slug)
    version = dataset.current_version
    if version is None or fmt not in DOWNLOADS:
        raise Http404
    filename = f"{dataset.city.slug}-{dataset.slug}-v{version.number}.{fmt}"
    exports = settings.DATA_DIR / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=exports))
    try:
        target = folder / filename
        if fmt == "csv":
            columns = [ColumnSpec.from_dict(c) for c in version.columns]
            export_csv(version_path(version), columns, target)
        else:
            export_parquet(version_path(version), target)
        # The open handle keeps the file readable after its folder is removed (POSIX), so
        # nothing is left behind however the download ends.
        handle = target.open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=DOWNLOADS[fmt])


@login_required
def dictionary_edit(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    """Edit the description and unit of each column of the current version."""
    dataset = dataset_or_404(request, slug, dataset_slug)
    if not user_can(request.user, Action.EDIT, dataset):
        raise PermissionDenied
    entries = data_dictionary(dataset)
    if not entries:
        raise Http404
    form = DictionaryForm(entries, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dictionary(request.user, dataset, form.entries())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Data dictionary saved."))
            return redirect(reverse("datasets:dataset", args=[slug, dataset.slug]) + "#columns")
    back = reverse("datasets:dataset", args=[slug, dataset.slug])
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Edit the data dictionary"),
            "back_url": back,
            "back_label": dataset.name,
        },
    )


def dictionary_download(request: HttpRequest, slug: str, dataset_slug: str) -> HttpResponse:
    """The data dictionary as CSV, beside the data downloads."""
    dataset = dataset_or_404(request, slug, dataset_slug)
    version = dataset.current_version
    if version is None:
        raise Http404
    filename = f"{dataset.city.slug}-{dataset.slug}-v{version.number}-dictionary.csv"
    response = HttpResponse(
        dictionary_csv(data_dictionary(dataset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
