"""The city's map layers page: which of its datasets of shapes are drawn under every map —
boundaries (outlines, named areas) and base layers (streets, parcels, thin and grey) — chosen
by the city's admins here rather than only with ``civiclab geo boundary``.

Everyone who may see the city reads the list (only the datasets they may see); the forms are
for city admins, and every change goes through ``geo.services`` (checked, validated, audited).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from civiclab.core.permissions import ADMIN_POLICY, Action
from civiclab.core.scoping import user_can
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types
from civiclab.geo.models import BaseLayer, Boundary
from civiclab.geo.queries import shape_datasets
from civiclab.geo.services import (
    attach_boundary,
    detach_boundary,
    mark_base_layer,
    unmark_base_layer,
)
from civiclab.network.queries import CITY_FIELDS, visible_cities

ACTIONS = ("attach", "detach", "mark", "unmark")


def city_map_layers(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(visible_cities(request.user), slug=slug)
    datasets = {d.slug: d for d in shape_datasets(request.user, city)}
    may_edit = user_can(request.user, Action.EDIT, city, ADMIN_POLICY, CITY_FIELDS)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        dataset = datasets.get(request.POST.get("dataset", ""))
        if action not in ACTIONS or dataset is None:
            messages.error(request, _("Choose a dataset of shapes and what to do with it."))
            status = 400
        else:
            try:
                done = _apply(request, action, dataset)
            except PermissionDenied:
                messages.error(request, _("Only the city's admins choose its map layers."))
                status = 403
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(request, done)
                return redirect("geo:layers", slug=city.slug)
    boundaries = {b.dataset_id: b for b in Boundary.objects.filter(city=city)}
    base = set(BaseLayer.objects.filter(city=city).values_list("dataset_id", flat=True))
    rows = [
        {
            "dataset": d,
            "columns": [
                n for n, kind in column_types(d.current_version).items() if kind != "geometry"
            ],
            "boundary": boundaries.get(d.pk),
            "base": d.pk in base,
        }
        for d in datasets.values()
    ]
    return render(
        request,
        "geo/layers.html",
        {"city": city, "rows": rows, "may_edit": may_edit},
        status=status,
    )


def _apply(request: HttpRequest, action: str, dataset: Dataset) -> str:
    """Do ``action`` through the service; the message that says it was done."""
    name = dataset.name
    if action == "attach":
        label = request.POST.get("label_column", "")
        attach_boundary(request.user, dataset, label)
        return _("%(name)s is drawn as the city's boundaries, areas named by %(column)s.") % {
            "name": name,
            "column": label,
        }
    if action == "detach":
        boundary = Boundary.objects.filter(city=dataset.city, dataset=dataset).first()
        if boundary is not None:
            detach_boundary(request.user, boundary)
        return _("%(name)s is no longer drawn as the city's boundaries.") % {"name": name}
    if action == "mark":
        mark_base_layer(request.user, dataset)
        return _("%(name)s is drawn under the data of every map of the city.") % {"name": name}
    unmark_base_layer(request.user, dataset)
    return _("%(name)s is no longer drawn under the maps.") % {"name": name}
