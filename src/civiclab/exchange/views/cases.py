"""cases pages: a case study, writing one from a solution, editing and publishing it.

As thin as the API: reads through ``queries.cases``, writes through ``services.cases``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civiclab.core.errors import DomainError
from civiclab.core.forms import add_service_errors
from civiclab.exchange import case_labels as labels
from civiclab.exchange.case_chart import run_chart_svg
from civiclab.exchange.forms.cases import CaseForm, NewCaseForm
from civiclab.exchange.models import CaseStudy
from civiclab.exchange.models.cases import BILINGUAL_FIELDS, SIZE_BANDS
from civiclab.exchange.queries.cases import (
    may_edit_case,
    may_publish_case,
    may_write_case_for,
    visible_cases,
)
from civiclab.exchange.services import cases as services
from civiclab.exchange.services.cases import EDITABLE
from civiclab.portfolio.models import Solution
from civiclab.portfolio.queries import visible


def case_or_404(request: HttpRequest, case_id: int) -> CaseStudy:
    found = visible_cases(request.user).filter(pk=case_id).first()
    if found is None:
        raise Http404
    return found


def _charts(case: CaseStudy) -> list[dict[str, Any]]:
    charts = []
    for item in case.indicators:
        points = item.get("points", [])
        svg = run_chart_svg(
            [p.get("value") for p in points],
            labels=[p.get("period") or "" for p in points],
            median=item.get("median"),
            target=item.get("target"),
            signals=item.get("signals", []),
            title=item.get("name", ""),
        )
        # run_chart_svg escapes every text it places: its markup is safe to embed.
        charts.append({**item, "svg": mark_safe(svg)})
    return charts


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    language = get_language() or "en"
    sections = []
    for name in BILINGUAL_FIELDS[1:]:
        text, lang = case.text_in(name, language)
        other = "fr" if lang == "en" else "en"
        sections.append(
            {
                "name": name,
                "label": labels.SECTION_LABELS[name],
                "text": text,
                "language": lang,
                "other": getattr(case, f"{name}_{other}"),
                "other_language": other,
            }
        )
    sentences_key = "text_fr" if language.startswith("fr") else "text_en"
    return render(
        request,
        "exchange/cases/detail.html",
        {
            "case": case,
            "title": case.title_in(language),
            "sections": sections,
            "charts": _charts(case),
            "sentences": [
                s.get(sentences_key) or s.get("text", "")
                for s in case.evaluation.get("sentences", [])
            ],
            "facets": labels.facet_rows(case),
            "strength_label": labels.value_label("strength", case.strength),
            "may_edit": may_edit_case(request.user, case),
            "may_publish": case.state == "draft" and may_publish_case(request.user, case),
            "withheld_reasons": labels.WITHHELD_REASONS,
            "size_bands": dict(SIZE_BANDS),
        },
    )


def _solution_or_404(request: HttpRequest, solution_id: int) -> Solution:
    found = (
        visible(Solution, request.user)
        .select_related("city", "challenge")
        .filter(pk=solution_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
def case_new(request: HttpRequest, solution_id: int) -> HttpResponse:
    """Write a case from a solution: what it will hold, then the draft to edit."""
    solution = _solution_or_404(request, solution_id)
    if not may_write_case_for(request.user, solution):
        raise PermissionDenied
    form = NewCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.generate_case(
                request.user, solution, visibility=form.cleaned_data["visibility"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Case study drafted from the solution: edit it, then publish it.")
            )
            return redirect("exchange:case_edit", case.pk)
    return render(request, "exchange/cases/new.html", {"solution": solution, "form": form})


@login_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    if not may_edit_case(request.user, case):
        raise PermissionDenied
    initial = {name: getattr(case, name) for name in EDITABLE}
    form = CaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in EDITABLE and value != getattr(case, name)
        }
        try:
            services.update_case(request.user, case, **changes)
        except PermissionDenied:
            form.add_error("visibility", _("You may not change who sees a published case."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case study saved."))
            return redirect("exchange:case", case.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": _("Edit the case study"),
            "back_url": reverse("exchange:case", args=(case.pk,)),
            "back_label": case.title_in(get_language() or "en"),
        },
    )


@login_required
@require_POST
def case_publish(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    if not may_publish_case(request.user, case):
        raise PermissionDenied
    try:
        services.publish_case(request.user, case)
    except (ValidationError, DomainError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, _("Case study published: its charts are frozen as of now."))
    return redirect("exchange:case", case.pk)


urlpatterns: list[URLPattern] = [
    path("exchange/cases/<int:case_id>/", case_detail, name="case"),
    path("exchange/cases/<int:case_id>/edit/", case_edit, name="case_edit"),
    path("exchange/cases/<int:case_id>/publish/", case_publish, name="case_publish"),
    path("exchange/solutions/<int:solution_id>/case/", case_new, name="case_new"),
]
