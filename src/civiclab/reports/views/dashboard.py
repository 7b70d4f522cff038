"""dashboard: pages (a placeholder until the area is built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _


def placeholder(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/placeholder.html", {"title": _("Delivery")})


urlpatterns = [
    path("delivery/", placeholder, name="dashboard"),
]
