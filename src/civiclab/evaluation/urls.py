"""The evaluation pages, in the "evaluation" namespace (views in ``views/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from civiclab.evaluation.views import plans, power, randomise, results

app_name = "evaluation"

_plan = "evaluations/<int:evaluation_id>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("solutions/<int:pk>/evaluations/", plans.solution_list, name="solution"),
    path("solutions/<int:pk>/evaluations/new/", plans.plan_new, name="new"),
    path("cities/<slug:slug>/evaluations/", plans.city_list, name="city"),
    path("cities/<slug:slug>/evaluations/power/", power.city_power, name="city_power"),
    path(_plan, plans.plan_detail, name="plan"),
    path(f"{_plan}edit/", plans.plan_edit, name="edit"),
    path(f"{_plan}delete/", plans.plan_delete, name="delete"),
    path(f"{_plan}lock/", plans.plan_lock, name="lock"),
    path(f"{_plan}amend/", plans.plan_amend, name="amend"),
    path(f"{_plan}plan.json", plans.plan_json, name="plan_json"),
    path(f"{_plan}power/", power.plan_power, name="power"),
    path(f"{_plan}randomise/", randomise.randomise, name="randomise"),
    path(f"{_plan}assignment/", randomise.assignment, name="assignment"),
    path(f"{_plan}analyse/", results.analyse, name="analyse"),
    path(f"{_plan}results/", results.result_page, name="results"),
    path(f"{_plan}results/<int:result_id>/", results.result_page, name="result"),
    path(f"{_plan}results/<int:result_id>/status/", results.result_status, name="result_status"),
]
