"""HTML views of indicators: a city's list, the builder with its preview, an indicator's page
(chart, table, goal, signals, breakdown, equity, SQL), its CSV series, edits and deletion."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.csv_cells import SafeWriter
from civiclab.core.forms import add_service_errors
from civiclab.core.permissions import Action, Target, Visibility, widest_visibility
from civiclab.core.scoping import actor_for, user_can
from civiclab.datasets.filters.language import SpecError
from civiclab.datasets.models import Dataset
from civiclab.datasets.queries import column_types, visible_datasets
from civiclab.datasets.views.datasets import city_or_404
from civiclab.indicators import services
from civiclab.indicators.engine.builder import initial_from
from civiclab.indicators.engine.chart import chart_data
from civiclab.indicators.engine.compile import compile_spec
from civiclab.indicators.engine.goals import RECENT_PERIODS
from civiclab.indicators.engine.runchart import analyse, point_signals
from civiclab.indicators.engine.spec import parse_spec
from civiclab.indicators.forms import MEASURE_CHOICES, PERIOD_CHOICES, IndicatorForm
from civiclab.indicators.labels import period_words, progress_words, status_label, y_label
from civiclab.indicators.models import Indicator
from civiclab.indicators.pictures import as_points, breakdown_pictures
from civiclab.indicators.preview import breakdown_preview
from civiclab.indicators.problems import translated_problems
from civiclab.indicators.queries import visible_indicators
from civiclab.network.models import City, Membership

BREAKDOWN_GROUPS = 12
# Paths under /cities/<city>/indicators/ that an indicator's slug must not take.
RESERVED_SLUGS = {"new"}


def _describe(signal: Any, run_chart: Any) -> tuple[str, str]:
    """A signal's rule and sentence in the reader's language."""
    count = len(signal.points)
    low, high = run_chart.runs_range or (None, None)
    if signal.rule == "shift":
        above = "above" in signal.description
        return _("Shift"), (
            _("%(n)s points in a row above the median")
            if above
            else _("%(n)s points in a row below the median")
        ) % {"n": count}
    if signal.rule == "trend":
        up = "going up" in signal.description
        return _("Trend"), (
            _("%(n)s points in a row going up") if up else _("%(n)s points in a row going down")
        ) % {"n": count}
    if signal.rule == "too_few_runs":
        return _("Too few runs"), _("%(runs)s runs; fewer than %(low)s is unlikely by chance") % {
            "runs": run_chart.runs,
            "low": low,
        }
    if signal.rule == "too_many_runs":
        return _("Too many runs"), _("%(runs)s runs; more than %(high)s is unlikely by chance") % {
            "runs": run_chart.runs,
            "high": high,
        }
    if signal.rule == "astronomical":
        return _("Astronomical point"), _("beyond the natural process limits (XmR)")
    return signal.rule, signal.description


def may_create(user: Any, city: City) -> bool:
    return user_can(user, Action.CREATE, Target(city.network_id, city.pk, Visibility.CITY))


def indicator_or_404(request: HttpRequest, slug: str, indicator_slug: str) -> Indicator:
    # An indicator whose dataset the user may not see is not found, like one that does not
    # exist: visible_indicators holds the rule.
    return get_object_or_404(visible_indicators(request.user), city__slug=slug, slug=indicator_slug)


def indicator_list(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_or_404(request, slug)
    indicators = visible_indicators(request.user).filter(city=city)
    dataset_slug = request.GET.get("dataset", "")
    if dataset_slug:
        indicators = indicators.filter(dataset__slug=dataset_slug)
    rows = []
    for indicator in indicators:
        latest, status = None, "unknown"
        try:
            result = services.report(indicator)
            latest, status = result["goal"].latest, result["goal"].status
        except (SpecError, ValidationError):
            pass
        rows.append({"indicator": indicator, "latest": latest, "status": status_label(status)})
    return render(
        request,
        "indicators/list.html",
        {
            "city": city,
            "rows": rows,
            "dataset_slug": dataset_slug,
            "may_create": may_create(request.user, city),
        },
    )


def _builder_form(
    request: HttpRequest, city: City, data: Any = None, initial: Any = None, fixed: Any = None
) -> IndicatorForm:
    datasets = list(visible_datasets(request.user).filter(city=city).order_by("name"))
    chosen_slug = (data or initial or {}).get("dataset") if fixed is None else fixed.slug
    chosen = next((d for d in datasets if d.slug == chosen_slug), None)
    if chosen is None and datasets and fixed is None:
        chosen = datasets[0]
    chosen = fixed or chosen
    version = chosen.current_version if chosen else None
    columns = column_types(version)
    form = IndicatorForm(
        data,
        initial=initial,
        datasets=[(d.slug, d.name) for d in ([fixed] if fixed else datasets)],
        columns=columns,
        widest=widest_visibility(actor_for(request.user), city.network_id, city.pk),
        population=city.population,
        city_id=city.pk,
    )
    form.chosen = chosen  # type: ignore[attr-defined]
    return form


def _team_for(user: Any, city: City) -> Any:
    membership = Membership.objects.filter(user=user, city=city, team__isnull=False).first()
    return membership.team if membership else None


@login_required
def indicator_new(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_or_404(request, slug)
    if not may_create(request.user, city):
        raise PermissionDenied
    if request.method != "POST":
        initial = request.GET.dict() if "dataset" in request.GET else None
        if initial is None and request.GET.get("from"):
            initial = {"dataset": request.GET["from"]}
        form = _builder_form(request, city, initial=initial)
        return _render_builder(request, city, form, _("New indicator"))
    form = _builder_form(request, city, data=request.POST)
    if "preview" in request.POST:
        return _render_builder(request, city, form, _("New indicator"), preview=True)
    if form.is_valid() and slugify(form.cleaned_data["name"]) in RESERVED_SLUGS:
        form.add_error("name", _("This name is reserved; choose another."))
    if form.is_valid():
        dataset: Dataset = form.chosen  # type: ignore[attr-defined]
        visibility = form.cleaned_data["visibility"]
        extra = form.goal_fields()
        if form.cleaned_data.get("owner") is not None:
            extra["owner"] = form.cleaned_data["owner"]
        if visibility == Visibility.TEAM:
            extra["team"] = _team_for(request.user, city)
        try:
            indicator = services.create_indicator(
                request.user,
                dataset,
                form.cleaned_data["name"],
                form.spec(),
                visibility=visibility,
                **extra,
            )
        except PermissionDenied:
            form.add_error("visibility", _("You may not share an indicator this widely."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("indicators:indicator", slug=slug, indicator_slug=indicator.slug)
    return _render_builder(request, city, form, _("New indicator"))


def _render_builder(
    request: HttpRequest,
    city: City,
    form: IndicatorForm,
    title: str,
    indicator: Any = None,
    preview: bool = False,
) -> HttpResponse:
    """The builder; with ``preview`` (its Preview button without JavaScript), the preview of
    the posted fields is drawn beside them and nothing is saved."""
    context: dict[str, Any] = _preview_context(form) if preview else {}
    spec_errors = form.errors.get("spec") if form.is_bound and not preview else None
    preview_url = reverse("indicators:preview", args=[city.slug])
    if indicator is not None:
        preview_url += "?" + urlencode({"indicator": indicator.slug})
    context.update(
        {
            "city": city,
            "form": form,
            "title": title,
            "indicator": indicator,
            "spec_errors": spec_errors,
            "preview_url": preview_url,
            "form_url": request.path,
        }
    )
    return render(request, "indicators/builder.html", context)


def _may_preview(request: HttpRequest, city: City) -> bool:
    """Who may build may preview; so may whoever may edit the indicator named in ``?indicator``
    (the edit page's preview)."""
    if may_create(request.user, city):
        return True
    slug = request.GET.get("indicator", "")
    indicator = visible_indicators(request.user).filter(city=city, slug=slug).first()
    return indicator is not None and user_can(request.user, Action.EDIT, indicator)


def _preview_context(form: IndicatorForm) -> dict[str, Any]:
    """The preview of a bound builder form: its series, run chart, signals and breakdown, or
    the specific problems that keep it from being computed (never saved)."""
    context: dict[str, Any] = {"errors": [], "points": [], "previewed": True}
    if not form.is_valid():
        context["errors"] = [f"{form[f].label if f in form.fields else ''}: {m}"
                             for f, ms in form.errors.items() for m in ms]  # fmt: skip
        return context
    dataset: Dataset = form.chosen  # type: ignore[attr-defined]
    try:
        spec = services.validated_spec(dataset, form.spec())
        points = services.compute(dataset, spec.model_copy(update={"breakdown": None}))
    except ValidationError as exc:
        context["errors"] = exc.messages
        return context
    except SpecError as exc:
        context["errors"] = [f"{path}: {message}" for path, message in translated_problems(exc)]
        return context
    values = [p.value for p in points]
    run_chart = analyse(values)
    signal_points = {i for s in point_signals(run_chart.signals) for i in s.points}
    context.update(
        points=[
            {"period": p.period, "value": p.value, "n": p.n, "signal": i in signal_points}
            for i, p in enumerate(points)
        ],
        chart=chart_data(
            [period_words(p.period) for p in points],  # "mars 2024" on the axis in French
            values,
            median=run_chart.median,
            target=None,
            signal_points=signal_points,
            title=_("Preview of the indicator"),
            y_label=y_label(spec),
        ),
        signals=[_describe(s, run_chart) for s in run_chart.signals],
    )
    context.update(breakdown_preview(dataset, spec, values, points))
    return context


def _with_name(data: Any) -> Any:
    """The posted fields, named if the name is still blank: a preview needs no name."""
    if data.get("name", "").strip():
        return data
    named = data.copy()
    named["name"] = _("Preview")
    return named


@login_required
@require_POST
def indicator_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The builder's preview (htmx partial): computed without saving; a spec that cannot be
    computed shows its problems in the preview, never an error page."""
    city = city_or_404(request, slug)
    if not _may_preview(request, city):
        raise PermissionDenied
    form = _builder_form(request, city, data=_with_name(request.POST))
    return render(request, "indicators/partials/preview.html", _preview_context(form))


def indicator_detail(request: HttpRequest, slug: str, indicator_slug: str) -> HttpResponse:
    indicator = indicator_or_404(request, slug, indicator_slug)
    spec = parse_spec(indicator.spec)
    sections = _result_sections(request, indicator, spec)
    return render(
        request,
        "indicators/detail.html",
        {
            "city": indicator.city,
            "indicator": indicator,
            "spec": spec,
            "measure_label": dict(MEASURE_CHOICES).get(spec.measure.type, spec.measure.type),
            "period_label": dict(PERIOD_CHOICES).get(spec.time.period, "") if spec.time else "",
            "error": sections["error"],
            "run_html": mark_safe(sections["run"]),
            "result_html": mark_safe(sections["result"]),
            "can_edit": user_can(request.user, Action.EDIT, indicator),
            "can_delete": user_can(request.user, Action.DELETE, indicator),
        },
    )


RESULT_SECTIONS_SECONDS = 3600


def _result_sections(request: HttpRequest, indicator: Indicator, spec: Any) -> dict[str, Any]:
    """The page's parts drawn from the computed result alone (run chart and values, goal,
    signals, breakdown, equity, SQL), rendered once per result and kept in the shared cache:
    they were two thirds of the page's time. The key holds everything they are drawn from —
    the indicator as last saved (spec, target, name), the dataset version, the city's time
    zone and population (the SQL shown), the language — so any change draws them afresh. The
    reader is not in it: who may see the page is checked before (``indicator_or_404``), and
    nothing in these parts depends on who reads them."""
    city = indicator.city
    key = "indicators:detail:" + hashlib.sha1(
        "|".join(
            str(part)
            for part in (
                indicator.pk, indicator.updated_at.isoformat(),
                indicator.dataset.current_version_id, services.spec_hash(indicator.spec),
                city.timezone, city.population, get_language() or "",
            )
        ).encode()
    ).hexdigest()  # fmt: skip
    cached = cache.get(key)
    if cached is not None:
        return cached
    context = _result_context(indicator, spec)
    sections = {
        "error": context["error"],
        "run": render_to_string("indicators/partials/detail_run.html", context, request=request),
        "result": render_to_string(
            "indicators/partials/detail_result.html", context, request=request
        ),
    }
    if not context["error"]:  # a failed computation is said afresh on every read
        cache.set(key, sections, RESULT_SECTIONS_SECONDS)
    return sections


def _result_context(indicator: Indicator, spec: Any) -> dict[str, Any]:
    result = services.report(indicator)
    overall = result["series"]["overall"]
    run_chart = result["run_chart"]
    goal = result["goal"]
    signal_points: dict[int, list[str]] = {}
    for signal in point_signals(run_chart.signals):
        for i in signal.points:
            signal_points.setdefault(i, []).append(_describe(signal, run_chart)[0])
    rows = [{**p, "signals": signal_points.get(i, [])} for i, p in enumerate(overall)]
    chart = chart_data(
        [period_words(p["period"]) for p in overall],  # "mars 2024" on the axis in French
        [p["value"] for p in overall],
        median=run_chart.median,
        target=indicator.target_value,
        signal_points=set(signal_points),
        title=indicator.name,
        y_label=y_label(spec),
    )
    sql = None
    version = indicator.dataset.current_version
    if version is not None:
        try:
            sql = compile_spec(
                spec,
                column_types(version),
                indicator.city.timezone,
                population=indicator.city.population,
            ).shown()
        except SpecError:
            sql = None
    return {
        "city": indicator.city,
        "indicator": indicator,
        "spec": spec,
        "rows": rows,
        "chart": chart,
        "run_chart": run_chart,
        "signals": [
            {
                "rule": _describe(s, run_chart)[0],
                "description": _describe(s, run_chart)[1],
                "periods": [overall[i]["period"] for i in s.points if i < len(overall)],
            }
            for s in run_chart.signals
        ],
        "goal": goal,
        "status_label": status_label(goal.status),
        "progress_words": progress_words(goal, y_label(spec)),
        "method": _(
            "A least-squares line through the last %(n)s values, each at its period's place "
            "in the calendar, is extended to the target date: on track if it reaches the "
            "target, at risk if it covers at least half of the remaining distance from the "
            "latest value, off track otherwise."
        )
        % {"n": RECENT_PERIODS},
        "breakdown": _pivot(result["series"]["breakdown"]),
        "pictures": _pictures(spec, result["series"]),
        "equity": result["equity"],
        "error": result["error"],
        "sql": sql,
    }


def _pictures(spec: Any, series: dict[str, Any]) -> dict[str, Any]:
    """The breakdown's ranked bars and small multiples (empty without a breakdown)."""
    if not series.get("breakdown"):
        return {}
    columns = [spec.breakdown] if isinstance(spec.breakdown, str) else spec.breakdown or []
    return breakdown_pictures(
        as_points(series["breakdown"]),
        as_points(series["overall"]),
        lower_is_better=spec.polarity == "lower_is_better",
        column=" / ".join(columns),
        unit=y_label(spec),
        measure=spec.measure.type,
    )


def _pivot(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Period × group, for the most frequent groups. A group is its label and whether it is
    Other (breakdown_top), whose label is None like the no-value group's."""
    if not points:
        return None
    totals: dict[tuple[str | None, bool], int] = {}
    for p in points:
        key = (p["group"], bool(p.get("other")))
        totals[key] = totals.get(key, 0) + (p["n"] or 0)
    groups = sorted(totals, key=lambda g: -totals[g])[:BREAKDOWN_GROUPS]
    periods: dict[Any, dict[tuple[str | None, bool], Any]] = {}
    for p in points:
        periods.setdefault(p["period"], {})[(p["group"], bool(p.get("other")))] = p["value"]
    return {
        "groups": [{"label": label, "other": other} for label, other in groups],
        "more": max(0, len(totals) - len(groups)),
        "rows": [
            {"period": period, "values": [values.get(g) for g in groups]}
            for period, values in periods.items()
        ],
    }


def series_csv(request: HttpRequest, slug: str, indicator_slug: str) -> HttpResponse:
    indicator = indicator_or_404(request, slug, indicator_slug)
    series = services.results(indicator)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{indicator.city.slug}-{indicator.slug}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response)
    writer.writerow(["period", "start", "value", "n"])
    for p in series["overall"]:
        writer.writerow([p["period"], p["start"], p["value"], p["n"]])
    return response


@login_required
def indicator_edit(request: HttpRequest, slug: str, indicator_slug: str) -> HttpResponse:
    indicator = indicator_or_404(request, slug, indicator_slug)
    if not user_can(request.user, Action.EDIT, indicator):
        raise PermissionDenied
    city = indicator.city
    if request.method != "POST":
        initial = {**initial_from(indicator), "owner": indicator.owner_id}
        form = _builder_form(request, city, initial=initial, fixed=indicator.dataset)
        return _render_builder(request, city, form, _("Edit indicator"), indicator)
    form = _builder_form(request, city, data=request.POST, fixed=indicator.dataset)
    if "preview" in request.POST:
        return _render_builder(request, city, form, _("Edit indicator"), indicator, preview=True)
    if form.is_valid():
        changes = {
            "name": form.cleaned_data["name"],
            "spec": form.spec(),
            "visibility": form.cleaned_data["visibility"],
            "owner": form.cleaned_data.get("owner"),
            **form.goal_fields(),
        }
        fresh = Indicator.objects.get(pk=indicator.pk)
        try:
            services.update_indicator(request.user, fresh, **changes)
        except PermissionDenied:
            form.add_error("visibility", _("You may not share an indicator this widely."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("indicators:indicator", slug=slug, indicator_slug=fresh.slug)
    return _render_builder(request, city, form, _("Edit indicator"), indicator)


@login_required
@require_POST
def indicator_delete(request: HttpRequest, slug: str, indicator_slug: str) -> HttpResponse:
    indicator = indicator_or_404(request, slug, indicator_slug)
    services.delete_indicator(request.user, indicator)
    messages.success(request, _("Indicator deleted."))
    return redirect("indicators:list", slug=slug)
