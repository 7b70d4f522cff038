"""The network's pages: the overview, cities, members, teams and the audit log."""

from __future__ import annotations

from django.urls import path

from civiclab.network import views as network_views

app_name = "network"

urlpatterns = [
    path("network/", network_views.overview, name="overview"),
    path("city/", network_views.my_city, name="my_city"),
    path("cities/<slug:slug>/", network_views.city_detail, name="city"),
    path("cities/<slug:slug>/edit/", network_views.city_edit, name="city_edit"),
    path("cities/<slug:slug>/members/", network_views.members, name="members"),
    path(
        "cities/<slug:slug>/members/<int:membership_id>/",
        network_views.member_update,
        name="member_update",
    ),
    path(
        "cities/<slug:slug>/members/<int:membership_id>/remove/",
        network_views.member_remove,
        name="member_remove",
    ),
    path("cities/<slug:slug>/teams/new/", network_views.team_form, name="team_new"),
    path("cities/<slug:slug>/teams/<slug:team_slug>/", network_views.team_detail, name="team"),
    path(
        "cities/<slug:slug>/teams/<slug:team_slug>/edit/",
        network_views.team_form,
        name="team_edit",
    ),
    path(
        "cities/<slug:slug>/teams/<slug:team_slug>/delete/",
        network_views.team_delete,
        name="team_delete",
    ),
    path("cities/<slug:slug>/audit/", network_views.audit_log, name="city_audit"),
    path(
        "cities/<slug:slug>/audit/export.csv",
        network_views.audit_export,
        name="city_audit_export",
    ),
    path("audit/", network_views.audit_log, name="audit"),
    path("audit/export.csv", network_views.audit_export, name="audit_export"),
]
