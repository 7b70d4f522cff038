from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.views.i18n import set_language

from civiclab.accounts import views as account_views
from civiclab.audit import views as audit_views
from civiclab.core import views as core_views
from civiclab.core.api import api
from civiclab.datasets import import_views as dataset_import_views
from civiclab.datasets import views as dataset_views
from civiclab.indicators import views as indicator_views
from civiclab.network import views as network_views

core_patterns = (
    [
        path("", core_views.home, name="home"),
        path("sections/<slug:name>/", core_views.section, name="section"),
        path("healthz", core_views.health, name="health"),
        path("favicon.ico", core_views.favicon, name="favicon"),
    ],
    "core",
)

network_patterns = (
    [
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
        path("cities/<slug:slug>/audit/", audit_views.audit_log, name="city_audit"),
        path("audit/", audit_views.audit_log, name="audit"),
    ],
    "network",
)

_dataset = "cities/<slug:slug>/data/<slug:dataset_slug>/"
datasets_patterns = (
    [
        path("data/", dataset_views.catalogue, name="catalogue"),
        path("data/jobs/<int:job_id>/", dataset_import_views.job_detail, name="job"),
        path("data/jobs/<int:job_id>/status/", dataset_import_views.job_status, name="job_status"),
        path("cities/<slug:slug>/data/", dataset_views.city_catalogue, name="city"),
        # Before the dataset pages: "import" is not a dataset's slug (forms refuse it).
        path("cities/<slug:slug>/data/import/", dataset_import_views.upload, name="import"),
        path(
            "cities/<slug:slug>/data/import/<str:token>/",
            dataset_import_views.check,
            name="import_check",
        ),
        path(_dataset, dataset_views.dataset_detail, name="dataset"),
        path(f"{_dataset}rows/", dataset_views.dataset_rows_partial, name="rows"),
        path(f"{_dataset}edit/", dataset_views.dataset_edit, name="edit"),
        path(
            f"{_dataset}versions/<int:number>/make-current/",
            dataset_views.make_current,
            name="make_current",
        ),
        path(
            f"{_dataset}download.<str:fmt>",
            dataset_views.download,
            name="download",
        ),
    ],
    "datasets",
)

_indicator = "cities/<slug:slug>/indicators/<slug:indicator_slug>/"
indicators_patterns = (
    [
        path("cities/<slug:slug>/indicators/", indicator_views.indicator_list, name="list"),
        # Before the indicator pages: "new" and "preview" are not slugs people may reach.
        path("cities/<slug:slug>/indicators/new/", indicator_views.indicator_new, name="new"),
        path(
            "cities/<slug:slug>/indicators/new/preview/",
            indicator_views.indicator_preview,
            name="preview",
        ),
        path(_indicator, indicator_views.indicator_detail, name="indicator"),
        path(f"{_indicator}series.csv", indicator_views.series_csv, name="series_csv"),
        path(f"{_indicator}edit/", indicator_views.indicator_edit, name="edit"),
        path(f"{_indicator}delete/", indicator_views.indicator_delete, name="delete"),
    ],
    "indicators",
)

_reset = {"success_url": reverse_lazy("accounts:password_reset_done")}
account_patterns = (
    [
        path("login/", account_views.LoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("profile/", account_views.profile, name="profile"),
        path("tokens/", account_views.tokens, name="tokens"),
        path("tokens/<int:token_id>/revoke/", account_views.token_revoke, name="token_revoke"),
        path(
            "password/change/",
            auth_views.PasswordChangeView.as_view(
                success_url=reverse_lazy("accounts:password_change_done")
            ),
            name="password_change",
        ),
        path(
            "password/change/done/",
            auth_views.PasswordChangeDoneView.as_view(),
            name="password_change_done",
        ),
        path(
            "password/reset/",
            account_views.PasswordResetView.as_view(
                email_template_name="registration/password_reset_email.txt", **_reset
            ),
            name="password_reset",
        ),
        path(
            "password/reset/sent/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "password/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                success_url=reverse_lazy("accounts:password_reset_complete")
            ),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/complete/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ],
    "accounts",
)

urlpatterns = [
    path("", include(core_patterns)),
    path("", include(network_patterns)),
    path("", include(datasets_patterns)),
    path("", include(indicators_patterns)),
    path("", include("civiclab.portfolio.urls")),
    path("", include("civiclab.geo.urls")),
    path("accounts/", include(account_patterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
