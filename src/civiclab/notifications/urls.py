"""The notifications' pages, in the "notifications" namespace."""

from __future__ import annotations

from django.urls import path

from civiclab.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/settings/", views.preferences, name="preferences"),
    path("notifications/challenges/<int:pk>/follow/", views.follow, name="follow"),
    path(
        "notifications/challenges/<int:pk>/request-scores/",
        views.request_challenge_scores,
        name="request_challenge_scores",
    ),
    path(
        "notifications/ideas/<int:pk>/request-scores/", views.request_scores, name="request_scores"
    ),
]
