"""How strong the evidence of a result is, from its design and its checks — never typed by hand.

The rule, in steps of ``Strength`` (strong › moderate › suggestive › weak):

- randomised designs (RCT, cluster RCT, stepped wedge) start at **strong**, one step down when
  the plan was not pre-registered (the analysis could have been chosen after seeing the data);
- designs that compare with untreated units or the series' own past (DiD, staggered DiD, ITS,
  synthetic control) start at **moderate**: they rest on assumptions the data cannot prove;
- any failed check (a pre-trend, a poor pre-period fit, dropped outcomes…) → one step down;
- registered after the outcome data existed → one step down;
- pre/post comparisons are **weak**, whatever else holds: they never show cause.

Deviations from the plan are stated (with their count) but do not move the rating: each is
shown with its reason, and the reader judges them.
"""

from __future__ import annotations

from civiclab.evaluation.stats.types import Design, Estimate, Message, Strength

ORDER = (Strength.STRONG, Strength.MODERATE, Strength.SUGGESTIVE, Strength.WEAK)
RANDOMISED = frozenset({Design.RCT, Design.CLUSTER_RCT, Design.STEPPED_WEDGE})

_DESIGN_REASONS = {
    Design.RCT: Message("evidence_randomised", "Units were assigned to arms at random."),
    Design.CLUSTER_RCT: Message(
        "evidence_cluster_randomised", "Clusters of units were assigned to arms at random."
    ),
    Design.STEPPED_WEDGE: Message(
        "evidence_stepped_wedge",
        "Clusters started the intervention one step after another, in a random order.",
    ),
    Design.DID: Message(
        "evidence_did",
        "Compared with untreated units over the same periods: this relies on both groups "
        "having followed parallel trends.",
    ),
    Design.STAGGERED_DID: Message(
        "evidence_staggered",
        "Compared with units not yet or never treated: this relies on parallel trends.",
    ),
    Design.ITS: Message(
        "evidence_its",
        "Compared with the series' own trend before the pilot: this relies on that trend "
        "having continued without it.",
    ),
    Design.SYNTHETIC_CONTROL: Message(
        "evidence_synthetic",
        "Compared with a weighted combination of peer cities: this relies on that combination "
        "tracking the city before the pilot.",
    ),
    Design.PRE_POST: Message(
        "evidence_pre_post",
        "A before/after comparison: other changes at the same time cannot be ruled out, so it "
        "does not show that the pilot caused the change.",
    ),
}


def _down(strength: Strength) -> Strength:
    return ORDER[min(ORDER.index(strength) + 1, len(ORDER) - 1)]


def rate(
    estimate: Estimate, *, registered: bool, registered_after_data: bool, deviations: int
) -> tuple[Strength, list[Message]]:
    """The evidence strength of ``estimate`` and the reasons for it (see the module rule)."""
    reasons = [_DESIGN_REASONS[estimate.design]]
    if estimate.design is Design.PRE_POST:
        strength = Strength.WEAK
    elif estimate.design in RANDOMISED:
        strength = Strength.STRONG
    else:
        strength = Strength.MODERATE
    if registered and not registered_after_data:
        reasons.append(
            Message(
                "evidence_registered", "The plan was pre-registered before outcome data existed."
            )
        )
    elif registered_after_data:
        strength = _down(strength)
        reasons.append(
            Message(
                "evidence_registered_after_data",
                "The plan was registered after outcome data existed.",
            )
        )
    else:
        if estimate.design in RANDOMISED:
            strength = _down(strength)
        reasons.append(Message("evidence_not_registered", "The analysis was not pre-registered."))
    failed = [check for check in estimate.checks if not check.passed]
    if failed:
        strength = _down(strength)
        reasons.append(
            Message(
                "evidence_checks_failed",
                "{count} of the analysis's checks did not pass.",
                {"count": len(failed), "checks": [check.code for check in failed]},
            )
        )
    if deviations:
        reasons.append(
            Message(
                "evidence_deviations",
                "{count} deviations from the plan (each shown with its reason).",
                {"count": deviations},
            )
        )
    if estimate.design is Design.PRE_POST:
        strength = Strength.WEAK
    return strength, reasons
