"""The portfolio's pages (names in the "portfolio" namespace): the board, challenges and their
investigation (evidence, the root-cause tree, opportunity areas) and ideas; then the delivery
side: the portfolio table and its CSV, the timeline, the network view, solutions and their
parts."""

from __future__ import annotations

from django.urls import URLPattern, path

from civiclab.portfolio.views import attachments, challenges, ideas, portfolio, solutions

app_name = "portfolio"

_solution = "solutions/<int:pk>/"
_part = f"{_solution}<str:kind>/<int:part_pk>/"

urlpatterns: list[URLPattern] = [
    # -- challenges and ideas
    path("portfolio/board/", challenges.board, name="board"),
    path("portfolio/board/<int:pk>/move/", challenges.board_move, name="board_move"),
    # Before the challenge pages: "new" is not a challenge's id, but keep the order obvious.
    path("challenges/new/", challenges.challenge_new, name="challenge_new"),
    path("challenges/<int:pk>/", challenges.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/edit/", challenges.challenge_edit, name="challenge_edit"),
    path("challenges/<int:pk>/delete/", challenges.challenge_delete, name="challenge_delete"),
    path("challenges/<int:pk>/phase/", challenges.challenge_phase, name="challenge_phase"),
    path("challenges/<int:pk>/evidence/new/", challenges.evidence_new, name="evidence_new"),
    path("evidence/<int:pk>/edit/", challenges.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/delete/", challenges.evidence_delete, name="evidence_delete"),
    path("challenges/<int:pk>/causes/", challenges.cause_add, name="cause_add"),
    path("causes/<int:pk>/edit/", challenges.cause_edit, name="cause_edit"),
    path("causes/<int:pk>/delete/", challenges.cause_delete, name="cause_delete"),
    path("causes/<int:pk>/evidence/", challenges.cause_evidence, name="cause_evidence"),
    path("challenges/<int:pk>/opportunities/", challenges.area_add, name="area_add"),
    path("opportunities/<int:pk>/edit/", challenges.area_edit, name="area_edit"),
    path("opportunities/<int:pk>/delete/", challenges.area_delete, name="area_delete"),
    path("challenges/<int:pk>/ideas/new/", ideas.idea_new, name="idea_new"),
    path("challenges/<int:pk>/ideas/matrix/", ideas.idea_matrix, name="idea_matrix"),
    path("ideas/<int:pk>/", ideas.idea_detail, name="idea"),
    path("ideas/<int:pk>/score/", ideas.idea_score, name="idea_score"),
    path("ideas/<int:pk>/decide/", ideas.idea_decide, name="idea_decide"),
    path("ideas/<int:pk>/advance/", ideas.idea_advance, name="idea_advance"),
    # -- the portfolio across challenges
    path("portfolio/", portfolio.portfolio_table, name="table"),
    path("portfolio/export.csv", portfolio.portfolio_csv, name="export"),
    path("portfolio/timeline/", portfolio.timeline, name="timeline"),
    path("portfolio/network/", portfolio.network_view, name="network"),
    # -- solutions and their parts
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
    # -- files attached to evidence and decisions
    path("evidence/<int:pk>/attachments/", attachments.evidence_attach, name="evidence_attach"),
    path("decisions/<int:pk>/attachments/", attachments.decision_attach, name="decision_attach"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", attachments.attachment_delete, name="attachment_delete"),
    path(f"{_part}edit/", solutions.part_edit, name="part_edit"),
    path(f"{_part}delete/", solutions.part_delete, name="part_delete"),
]
