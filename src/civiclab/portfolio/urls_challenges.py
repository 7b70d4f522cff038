"""Routes of the challenge pages: the board, challenges, evidence, the root-cause tree,
opportunity areas and ideas (names in the "portfolio" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from civiclab.portfolio import views_challenges as views
from civiclab.portfolio import views_ideas as ideas

urlpatterns: list[URLPattern] = [
    path("portfolio/board/", views.board, name="board"),
    # Before the challenge pages: "new" is not a challenge's id, but keep the order obvious.
    path("challenges/new/", views.challenge_new, name="challenge_new"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/edit/", views.challenge_edit, name="challenge_edit"),
    path("challenges/<int:pk>/delete/", views.challenge_delete, name="challenge_delete"),
    path("challenges/<int:pk>/phase/", views.challenge_phase, name="challenge_phase"),
    path("challenges/<int:pk>/evidence/new/", views.evidence_new, name="evidence_new"),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("challenges/<int:pk>/causes/", views.cause_add, name="cause_add"),
    path("causes/<int:pk>/edit/", views.cause_edit, name="cause_edit"),
    path("causes/<int:pk>/delete/", views.cause_delete, name="cause_delete"),
    path("causes/<int:pk>/evidence/", views.cause_evidence, name="cause_evidence"),
    path("challenges/<int:pk>/opportunities/", views.area_add, name="area_add"),
    path("opportunities/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("opportunities/<int:pk>/delete/", views.area_delete, name="area_delete"),
    path("challenges/<int:pk>/ideas/new/", ideas.idea_new, name="idea_new"),
    path("challenges/<int:pk>/ideas/matrix/", ideas.idea_matrix, name="idea_matrix"),
    path("ideas/<int:pk>/", ideas.idea_detail, name="idea"),
    path("ideas/<int:pk>/score/", ideas.idea_score, name="idea_score"),
    path("ideas/<int:pk>/decide/", ideas.idea_decide, name="idea_decide"),
    path("ideas/<int:pk>/advance/", ideas.idea_advance, name="idea_advance"),
]
