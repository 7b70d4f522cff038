"""The portfolio's pages: challenges and their investigation and ideas (urls_challenges),
solutions, the portfolio table, the timeline and the network view (urls_solutions)."""

from __future__ import annotations

from django.urls import include, path

app_name = "portfolio"

urlpatterns = [
    path("", include("civiclab.portfolio.urls_challenges")),
    path("", include("civiclab.portfolio.urls_solutions")),
]
