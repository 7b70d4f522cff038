"""The funding pages, in the "funding" namespace (views in ``views/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "funding"

urlpatterns: list[URLPattern | URLResolver] = []
