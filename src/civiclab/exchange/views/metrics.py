"""Shared metric pages: the registry, a metric with its cross-city comparison, publishing an
indicator's definition, adopting a metric in one's city."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.exchange.forms.metrics import AdoptForm, PublishForm
from civiclab.exchange.queries.metrics import comparison, visible_metrics
from civiclab.exchange.services import metrics as services
from civiclab.indicators.queries import visible_indicators


@login_required
def metric_list(request: HtmxRequest) -> HttpResponse:
    return render(request, "exchange/metrics/list.html", {"metrics": visible_metrics(request.user)})


def metric_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    metric = visible_metrics(request.user).filter(pk=pk).first()
    if metric is None:
        raise Http404
    return render(
        request,
        "exchange/metrics/detail.html",
        {"metric": metric, "compared": comparison(request.user, metric)},
    )


@login_required
def metric_publish(request: HtmxRequest, pk: int) -> HttpResponse:
    indicator = visible_indicators(request.user).filter(pk=pk).first()
    if indicator is None:
        raise Http404
    form = PublishForm(request.POST or None, initial={"name": indicator.name})
    if request.method == "POST" and form.is_valid():
        try:
            metric = services.publish(request.user, indicator, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(
                None, _("Publishing to the network needs a city admin of the indicator's city.")
            )
        else:
            messages.success(request, _("Published to the network's registry."))
            return redirect("exchange:metric", metric.pk)
    back = reverse("indicators:indicator", args=(indicator.city.slug, indicator.slug))
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Publish “%(name)s” to the network's registry") % {"name": indicator.name},
            "back_url": back,
            "back_label": indicator.name,
        },
    )


@login_required
def metric_adopt(request: HtmxRequest, pk: int) -> HttpResponse:
    metric = visible_metrics(request.user).filter(pk=pk).first()
    if metric is None:
        raise Http404
    form = AdoptForm(request.POST or None, user=request.user, metric=metric)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.adopt(
                request.user,
                metric,
                dataset=data["dataset"],
                name=data["name"],
                visibility=data["visibility"],
                denominator_value=data.get("denominator_value"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not create indicators in that city."))
        else:
            messages.success(request, _("Your city now measures this metric."))
            return redirect("exchange:metric", metric.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Measure “%(name)s” in my city") % {"name": metric.name},
            "back_url": reverse("exchange:metric", args=(metric.pk,)),
            "back_label": metric.name,
        },
    )


urlpatterns: list[URLPattern] = [
    path("exchange/metrics/", metric_list, name="metrics"),
    path("exchange/metrics/<int:pk>/", metric_detail, name="metric"),
    path("exchange/metrics/<int:pk>/adopt/", metric_adopt, name="metric_adopt"),
    path("exchange/metrics/publish/<int:pk>/", metric_publish, name="metric_publish"),
]
