"""Routes of the delivery side: solutions and their parts, the portfolio table and its CSV,
the milestone timeline and the network view."""

from __future__ import annotations

from django.urls import path

from civiclab.portfolio import views_portfolio as portfolio
from civiclab.portfolio import views_solutions as solutions

_solution = "solutions/<int:pk>/"
_part = f"{_solution}<str:kind>/<int:part_pk>/"

urlpatterns = [
    path("portfolio/", portfolio.portfolio_table, name="table"),
    path("portfolio/export.csv", portfolio.portfolio_csv, name="export"),
    path("portfolio/timeline/", portfolio.timeline, name="timeline"),
    path("portfolio/network/", portfolio.network_view, name="network"),
    path("solutions/new/", solutions.solution_new, name="solution_new"),
    path(_solution, solutions.solution_detail, name="solution"),
    path(f"{_solution}edit/", solutions.solution_edit, name="solution_edit"),
    path(f"{_solution}delete/", solutions.solution_delete, name="solution_delete"),
    path(f"{_solution}milestones/", solutions.milestone_add, name="milestone_add"),
    path(f"{_solution}risks/", solutions.risk_add, name="risk_add"),
    path(f"{_solution}decisions/", solutions.decision_add, name="decision_add"),
    path(f"{_solution}updates/", solutions.update_add, name="update_add"),
    path(f"{_solution}indicators/", solutions.target_add, name="target_add"),
    path(
        f"{_solution}indicators/<int:target_pk>/remove/",
        solutions.target_remove,
        name="target_remove",
    ),
    path(
        f"{_solution}milestones/<int:part_pk>/done/",
        solutions.milestone_done,
        name="milestone_done",
    ),
    path(f"{_part}edit/", solutions.part_edit, name="part_edit"),
    path(f"{_part}delete/", solutions.part_delete, name="part_delete"),
]
