"""The capacity self-assessment: a city fills in its yearly assessment and sees where it
stands in the network (radar, percentile, or why withheld) and over time; a network admin
sees which cities submitted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from civiclab.core.http import HtmxRequest
from civiclab.exchange.case_chart import run_chart_svg
from civiclab.network.queries import visible_cities
from civiclab.reports.forms.capacity import CapacityForm
from civiclab.reports.models.capacity import ELEMENT_CHOICES
from civiclab.reports.queries import capacity as queries
from civiclab.reports.rules.capacity import MIN_CITIES, radar_svg
from civiclab.reports.services import capacity as services


@login_required
def capacity_home(request: HtmxRequest) -> HttpResponse:
    """One's own city's assessment; for a network admin (or a person of several cities) the
    list of cities to choose from, with who submitted this year."""
    cities = list(queries.assessed_cities(request.user).order_by("name"))
    submissions = queries.overview(request.user, services.city_year(cities[0])) if cities else []
    if len(cities) == 1 and not submissions:
        return redirect("reports:capacity_city", cities[0].slug)
    return render(
        request,
        "reports/capacity/home.html",
        {
            "cities": cities,
            "submissions": submissions,
            "year": services.city_year(cities[0]) if cities else None,
        },
    )


def _radar(assessment, compared) -> str:  # type: ignore[no-untyped-def]
    scores = queries.scores_of(assessment)
    labels = [(code, str(label)) for code, label in ELEMENT_CHOICES]
    if compared.withheld:
        description = _(
            "Scores from 1 to 5 on the seven elements; the network's median is withheld."
        )
    else:
        description = _(
            "Scores from 1 to 5 on the seven elements, and the median of %(n)s cities."
        ) % {"n": compared.cities}
    return radar_svg(
        labels,
        scores,
        compared.median,
        title=_("%(city)s's capacity in %(year)s")
        % {"city": assessment.city.name, "year": assessment.year},
        description=description,
        city_label=assessment.city.name,
        median_label=_("Network median"),
    )


@login_required
def capacity_city(request: HtmxRequest, slug: str) -> HttpResponse:
    city = visible_cities(request.user).filter(slug=slug).first()
    if city is None or not queries.may_view(request.user, city):
        raise Http404
    year = services.city_year(city)
    assessments = {a.year: a for a in queries.visible_assessments(request.user).filter(city=city)}
    current = assessments.get(year)
    may_fill = queries.may_fill(request.user, city)
    form = None
    if may_fill:
        form = CapacityForm(
            request.POST or None, initial_scores=current.scores.all() if current else None
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.save_assessment(request.user, city, year, form.answers())
            except ValidationError as exc:
                form.show_service_errors(exc)
            except PermissionDenied:
                form.add_error(None, _("You may not fill in this city's assessment."))
            else:
                messages.success(request, _("Your capacity self-assessment is saved."))
                url = reverse("reports:capacity_city", args=(city.slug,))
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
    elif request.method == "POST":
        raise PermissionDenied
    shown = (
        current
        if current is not None
        else next(iter(sorted(assessments.values(), key=lambda a: -a.year)), None)
    )
    compared = queries.comparison(shown) if shown is not None else None
    history = queries.history(request.user, city)
    context = {
        "city": city,
        "year": year,
        "current": current,
        "shown": shown,
        "compared": compared,
        "radar": _radar(shown, compared) if shown is not None else "",
        "rows": [
            (
                label,
                queries.scores_of(shown).get(code),
                compared.median[code] if compared and compared.median else None,
                compared.percentile[code] if compared and compared.percentile else None,
                next((s for s in shown.scores.all() if s.element == code), None),
            )
            for code, label in ELEMENT_CHOICES
        ]
        if shown is not None
        else [],
        "history": history,
        # The overall score by year, drawn once there are two years to join.
        "history_chart": run_chart_svg(
            [h.overall for h in history],
            labels=[str(h.year) for h in history],
            title=_("%(city)s's overall capacity score by year") % {"city": city.name},
        )
        if len(history) > 1
        else "",
        "elements": ELEMENT_CHOICES,
        "form": form,
        "min_cities": MIN_CITIES,
        "submitted": queries.submitted_count(city.network_id, shown.year) if shown else 0,
    }
    status = 400 if form is not None and form.errors else 200
    if request.htmx and request.method == "POST":
        # htmx swaps only 2xx answers: the refused form comes back as a 200 fragment.
        return render(request, "reports/capacity/partials/form.html", context)
    return render(request, "reports/capacity/city.html", context, status=status)


urlpatterns = [
    path("delivery/capacity/", capacity_home, name="capacity"),
    path("delivery/capacity/<slug:slug>/", capacity_city, name="capacity_city"),
]
