"""How an audit event's action reads on the log page, in the reader's language.

An action is recorded as a code, ``<kind>.<verb>`` (``team.create``, ``dataset.import``), so the
log stays the same whatever language it was written in; the page shows the verb and the kind
of object as words. French has no single form of a past participle for every noun, so the verb
is shown as a noun of action ("Création", "Modification") beside the object's kind. Verbs
carry the context "audit action", apart from the same English words elsewhere ("Created" on).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

VERBS: dict[str, Promise] = {
    "create": pgettext_lazy("audit action", "Created"),
    "update": pgettext_lazy("audit action", "Changed"),
    "delete": pgettext_lazy("audit action", "Deleted"),
    "import": pgettext_lazy("audit action", "Imported"),
    "rollback": pgettext_lazy("audit action", "Earlier version made current"),
    "phase": pgettext_lazy("audit action", "Phase changed"),
    "decide": pgettext_lazy("audit action", "Decision recorded"),
    "score": pgettext_lazy("audit action", "Scored"),
    "evidence": pgettext_lazy("audit action", "Evidence linked"),
    "attach": pgettext_lazy("audit action", "Attached as boundaries"),
    "revoke": pgettext_lazy("audit action", "Revoked"),
    "lock": pgettext_lazy("audit action", "Locked (pre-registered)"),
    "amend": pgettext_lazy("audit action", "Amended"),
    "randomise": pgettext_lazy("audit action", "Units assigned to arms"),
    "analyse": pgettext_lazy("audit action", "Analysis requested"),
    "import_failed": pgettext_lazy("audit action", "Import failed"),
    "status": pgettext_lazy("audit action", "Status changed"),
    "checklist": pgettext_lazy("audit action", "Readiness updated"),
    "publish": pgettext_lazy("audit action", "Published"),
    "adopt": pgettext_lazy("audit action", "Adopted"),
    "cancel": pgettext_lazy("audit action", "Cancelled"),
    "notes": pgettext_lazy("audit action", "Notes attached"),
    "set": pgettext_lazy("audit action", "Answered"),
    "promote": pgettext_lazy("audit action", "Moved from the waiting list to going"),
    "report": pgettext_lazy("audit action", "Reported"),
    "hide": pgettext_lazy("audit action", "Hidden"),
    "unhide": pgettext_lazy("audit action", "Shown again"),
    "unlock": pgettext_lazy("audit action", "Unlocked"),
}

# Whole actions whose verb reads differently for that kind ("lock" is a plan's pre-registration
# above; a discussion thread's lock only closes it to replies).
ACTIONS: dict[str, Promise] = {
    "thread.lock": pgettext_lazy("audit action", "Locked (no more replies)"),
    "capacity.submitted": pgettext_lazy("audit action", "Submitted"),
    "capacity.updated": pgettext_lazy("audit action", "Scores changed"),
    "nudges.email": pgettext_lazy("audit action", "Digest emails sent"),
    "nudges.sweep": pgettext_lazy("audit action", "Freshness checked, owners nudged"),
    "reports.status_override": pgettext_lazy("audit action", "Status set against the proposal"),
    "review.meeting": pgettext_lazy("audit action", "Meeting held"),
    "review.pdf": pgettext_lazy("audit action", "PDF requested"),
    "update.unpublish": pgettext_lazy("audit action", "Withdrawn from the public page"),
    "dataset.dictionary": pgettext_lazy("audit action", "Data dictionary changed"),
    "score_request.create": pgettext_lazy("audit action", "Scores requested"),
    "boundary.detach": pgettext_lazy("audit action", "Detached from the city's maps"),
    "baselayer.mark": pgettext_lazy("audit action", "Drawn under every map of the city"),
    "baselayer.unmark": pgettext_lazy("audit action", "No longer drawn under the maps"),
    "dataset.source.bind": pgettext_lazy("audit action", "Bound to a source that refreshes it"),
    "dataset.source.unbind": pgettext_lazy("audit action", "Source that refreshed it removed"),
    "dataset.source.refresh": pgettext_lazy("audit action", "Refresh from its source requested"),
}

KINDS: dict[str, Promise] = {
    "network": _("Network"),
    "city": _("City"),
    "team": _("Team"),
    "membership": _("Membership"),
    "user": _("Person"),
    "token": _("API token"),
    "dataset": _("Dataset"),
    "indicator": _("Indicator"),
    "boundary": _("Boundaries"),
    "baselayer": _("Map base layer"),
    "challenge": _("Challenge"),
    "phasechange": _("Phase change"),
    "evidence": _("Evidence"),
    "cause": _("Cause"),
    "opportunityarea": _("Opportunity area"),
    "idea": _("Idea"),
    "score": _("Score"),
    "solution": _("Solution"),
    "solutionindicator": _("Solution target"),
    "milestone": _("Milestone"),
    "risk": _("Risk"),
    "decision": _("Decision"),
    "attachment": _("Attached file"),
    "update": _("Progress update"),
    "evaluation": _("Evaluation"),
    "catalogue": _("Funding catalogue"),
    "fund": _("Fund"),
    "fundingprofile": _("Funding profile"),
    "application": _("Funding application"),
    "matchdismissal": _("Dismissed funding match"),
    "case": _("Case study"),
    "similardismissal": _("Match set aside (look elsewhere first)"),
    "fork": _("Adaptation"),
    "metric": _("Shared metric"),
    "convening": _("Convening"),
    "rsvp": _("Answer to an invitation"),
    "directoryentry": _("Directory entry"),
    "thread": _("Discussion thread"),
    "post": _("Discussion post"),
    "capacity": _("Capacity self-assessment"),
    "nudges": _("Freshness nudges"),
    "reports": _("Delivery status"),
    "review": _("Delivery review"),
    "score_request": _("Score request"),
}


def action_label(action: str) -> str:
    """The verb of ``action`` in words (the code itself when it is unknown)."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    return str(VERBS.get(action.partition(".")[2], action))


def kind_label(action: str) -> str:
    """The kind of object ``action`` was done to, in words (the code when unknown)."""
    kind = action.partition(".")[0]
    return str(KINDS.get(kind, kind))
