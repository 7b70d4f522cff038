"""One opportunity: its details, eligibility for the reader's city and why, its history,
who in the network applied or won (built in the pipeline work)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from civiclab.funding.models import Opportunity


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity, pk=pk)
    return render(request, "funding/opportunity.html", {"opportunity": opportunity})
