"""dashboard: the status panel on a solution's page (proposal, reason, override and form),
and the receivers that start a new dashboard data version when the data it reads change."""

from __future__ import annotations

from typing import Any


def _may_edit(solution: Any, user: Any) -> bool:
    from civiclab.core.permissions import Action
    from civiclab.core.scoping import user_can

    return user_can(user, Action.EDIT, solution)


def panel_context(solution: Any, user: Any) -> dict[str, Any] | None:
    from civiclab.reports.forms.dashboard import OverrideForm
    from civiclab.reports.queries.status import status_label, statuses_of

    status = statuses_of([solution], user)[solution.pk]
    may_edit = _may_edit(solution, user)
    return {
        "solution": solution,
        "status": status,
        "proposed_label": status_label(status.proposed),
        "may_edit": may_edit,
        "form": OverrideForm(initial={"status": status.status}) if may_edit else None,
    }


def register() -> None:
    """Declare the solution page's status panel; subscribe the dashboard's cache to writes."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from civiclab.core.page_links import PagePanel, contribute_panel
    from civiclab.datasets.signals import version_published
    from civiclab.reports.queries.dashboard import bump_data_version

    contribute_panel(
        "solution",
        PagePanel(
            key="reports_status",
            template="reports/dashboard/status_panel.html",
            context=panel_context,
            order=10,
        ),
    )
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(bump_data_version, dispatch_uid=f"reports-dashboard-{id(signal)}")
    version_published.connect(bump_data_version, dispatch_uid="reports-dashboard-version")
