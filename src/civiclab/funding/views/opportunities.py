"""One opportunity: its details, eligibility for the reader's city and why, its history,
who in the network applied or won, and "Start an application"."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import strip_tags

from civiclab.core.permissions import Action
from civiclab.core.scoping import user_can
from civiclab.funding import labels
from civiclab.funding.queries import pipeline as queries
from civiclab.funding.queries.catalogue import visible_opportunities
from civiclab.funding.queries.profile import city_target, home_city, may_see_profile
from civiclab.funding.services.pipeline import APPLICATION_POLICY
from civiclab.network.queries import visible_cities

# Grants.gov descriptions are HTML: paragraphs and line breaks become paragraphs of text.
_BREAKS = re.compile(r"(?i)<\s*(?:br|/p|p|/div|/li|li)\b[^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def paragraphs(text: str) -> list[str]:
    """A description as plain paragraphs (tags removed; the template escapes the text)."""
    plain = strip_tags(_BREAKS.sub("\n\n", text or ""))
    plain = plain.replace("&nbsp;", " ").replace("&amp;", "&")
    return [" ".join(p.split()) for p in _BLANK_LINES.split(plain) if p.strip()]


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # A fund entered for another network is not there for the reader: a 404, as if absent.
    opportunity = get_object_or_404(visible_opportunities(request.user), pk=pk)
    # The reader's city, or another whose profile they may read (a network admin's choice).
    city = home_city(request.user)
    if request.GET.get("city"):
        chosen = visible_cities(request.user).filter(slug=request.GET["city"][:50]).first()
        if chosen is not None and may_see_profile(request.user, chosen):
            city = chosen
    eligibility = queries.eligibility_for(request.user, opportunity, city)
    applied = queries.who_applied(request.user, opportunity)
    return render(
        request,
        "funding/opportunity.html",
        {
            "opportunity": opportunity,
            "paragraphs": paragraphs(opportunity.description),
            "eligibility_paragraphs": paragraphs(opportunity.eligibility_text),
            "city": city,
            "eligibility": eligibility,
            "eligibility_label": labels.status_label(eligibility.status) if eligibility else "",
            "reasons": labels.reasons_text(eligibility) if eligibility else [],
            "applicants": [labels.applicant_label(c) for c in opportunity.applicant_codes],
            "history": opportunity.changes.all()[:200],
            "applied": applied,
            "grants_gov_url": queries.grants_gov_url(opportunity),
            "may_apply": city is not None
            and user_can(request.user, Action.CREATE, city_target(city), APPLICATION_POLICY),
        },
    )
