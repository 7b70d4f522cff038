"""Fork and adapt pages: the "adapt in my city" form, and a fork's page (its origin, its copy,
the re-pointing report, the lineage both ways)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from civiclab.core.forms import add_service_errors
from civiclab.core.http import HtmxRequest
from civiclab.exchange import kinds
from civiclab.exchange.forms.forks import ForkForm
from civiclab.exchange.queries.forks import lineage, visible_forks
from civiclab.exchange.services import forks as services
from civiclab.indicators.queries import visible_indicators


def _origin_or_404(user: Any, kind: str, pk: int) -> Any:
    if kind not in services.AS_KINDS:
        raise Http404
    obj = kinds.visible_object(kind, user, pk)
    if obj is None:
        raise Http404
    return obj


@login_required
def fork_new(request: HtmxRequest, kind: str, pk: int) -> HttpResponse:
    origin = _origin_or_404(request.user, kind, pk)
    form = ForkForm(request.POST or None, user=request.user, origin_kind=kind, origin=origin)
    shared = origin.visibility in services.SHARED
    if request.method == "POST" and shared and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.fork(
                request.user,
                kind,
                pk,
                data["city"],
                data["as_kind"],
                challenge=data["challenge"],
                title=data["title"],
                visibility=data["visibility"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not create this in that city (or share it so widely)."))
        else:
            messages.success(request, _("Adapted. Here is what was re-pointed to your data."))
            return redirect("exchange:fork", made.pk)
    return render(
        request,
        "exchange/forks/new.html",
        {
            "form": form,
            "origin": origin,
            "kind": kind,
            "shared": shared,
            "origin_url": kinds.kind(kind).url(origin),
        },
    )


def fork_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    made = visible_forks(request.user).filter(pk=pk).first()
    if made is None:
        raise Http404
    copy = kinds.visible_object(made.copy_kind, request.user, made.copy_id)
    origin = kinds.visible_object(made.origin_kind, request.user, made.origin_id)
    return render(
        request,
        "exchange/forks/detail.html",
        {
            "fork": made,
            "copy": copy,
            "copy_url": kinds.kind(made.copy_kind).url(copy) if copy else "",
            "origin": origin,
            "origin_url": kinds.kind(made.origin_kind).url(origin) if origin else "",
            "lineage": lineage(request.user, made.copy_kind, made.copy_id),
            "report": report_rows(request.user, made.report),
        },
    )


def report_rows(user: Any, report: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's entries with their reason in the reader's language, and a link to the
    city's indicator each became (when the reader may see it)."""
    ids = [e["indicator"] for e in report if e.get("indicator")]
    shown = {i.pk: i for i in visible_indicators(user).filter(pk__in=ids)}
    rows = []
    for entry in report:
        row = dict(entry)
        row["reason_text"] = reason_text(entry)
        row["ok"] = entry.get("status") in ("repointed", "reused")
        indicator = shown.get(entry.get("indicator") or 0)
        row["url"] = (
            reverse("indicators:indicator", args=(indicator.city.slug, indicator.slug))
            if indicator
            else ""
        )
        rows.append(row)
    return rows


def reason_text(entry: dict[str, Any]) -> str:
    status, reason = entry.get("status"), entry.get("reason")
    if status == "repointed":
        return _("Re-pointed to your dataset %(dataset)s.") % {"dataset": entry.get("dataset", "")}
    if status == "reused":
        return _("Your indicator with the same definition on %(dataset)s is used.") % {
            "dataset": entry.get("dataset", "")
        }
    if reason == "idea":
        return _(
            "An idea carries no indicators: adapt the solution as a solution to re-point them."
        )
    if reason == "no_dataset":
        return _("None of your datasets has the columns it reads: %(columns)s.") % {
            "columns": ", ".join(entry.get("missing", []))
        }
    if reason == "columns":
        parts = []
        if entry.get("missing"):
            parts.append(_("missing %(columns)s") % {"columns": ", ".join(entry["missing"])})
        for column, (needed, found) in (entry.get("mismatched") or {}).items():
            parts.append(
                _("%(column)s is %(found)s, not %(needed)s")
                % {"column": column, "found": found, "needed": needed}
            )
        return _("Your nearest dataset, %(dataset)s, does not fit: %(problems)s.") % {
            "dataset": entry.get("dataset", ""),
            "problems": "; ".join(parts),
        }
    if reason == "invalid":
        return _("The definition does not work on your data: %(message)s") % {
            "message": entry.get("message", "")
        }
    return str(reason or "")


urlpatterns: list[URLPattern] = [
    path("exchange/adapt/<str:kind>/<int:pk>/", fork_new, name="fork_new"),
    path("exchange/forks/<int:pk>/", fork_detail, name="fork"),
]
