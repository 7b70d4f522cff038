"""The evaluation pages, in the "evaluation" namespace (views in ``views.py``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = []
