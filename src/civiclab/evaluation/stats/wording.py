"""The result in plain words: one sentence for the effect, one for how far it can be trusted.

"The pilot reduced median days-to-close by 3.1 days (−18 %; 95 % CI −26 % to −10 %)."
"Strong evidence: randomised, pre-registered, 400 properties."

Honesty rules the templates keep:

- an interval that includes zero is "no clear effect" — never "no effect";
- a pre/post comparison "changed … after the pilot started" — never "reduced" or "caused";
- a plan registered after the data says so, and failed checks and deviations are counted.

Every sentence is a ``Message``: an English template with named parameters, numbers left as
numbers (``effect`` is the magnitude, ``estimate``, ``ci_low``/``ci_high`` are signed, relative
effects are in per cent, ``level`` is the confidence level in per cent) so that the Django side
translates the template and formats the numbers in the reader's language. ``improvement``
(True/False/None) tells the page whether the change went the way that is better.
"""

from __future__ import annotations

import math
from typing import Any

from civiclab.evaluation.stats.evidence import rate
from civiclab.evaluation.stats.types import Design, Estimate, Message, Strength

_EFFECT_RELATIVE = {
    "reduced": "The pilot reduced {outcome} by {effect} {unit} ({relative} %; {level} % CI "
    "{relative_low} % to {relative_high} %).",
    "increased": "The pilot increased {outcome} by {effect} {unit} ({relative} %; {level} % CI "
    "{relative_low} % to {relative_high} %).",
}
_EFFECT_ABSOLUTE = {
    "reduced": "The pilot reduced {outcome} by {effect} {unit} ({level} % CI {ci_low} to "
    "{ci_high} {unit}).",
    "increased": "The pilot increased {outcome} by {effect} {unit} ({level} % CI {ci_low} to "
    "{ci_high} {unit}).",
}
_NO_CLEAR_EFFECT = (
    "The pilot had no clear effect on {outcome}: the estimate is {estimate} {unit} ({level} % CI "
    "{ci_low} to {ci_high} {unit}), an interval that includes no change."
)
_PRE_POST_CHANGED = (
    "{outcome} changed by {estimate} {unit} after the pilot started ({level} % CI {ci_low} to "
    "{ci_high} {unit}); a before/after comparison does not show that the pilot caused it."
)
_PRE_POST_UNCLEAR = (
    "{outcome} did not clearly change after the pilot started: {estimate} {unit} ({level} % CI "
    "{ci_low} to {ci_high} {unit})."
)
# A synthetic control has no standard error: its inference is the in-space placebo p-value.
_SYNTH_PLACEBO = {
    "reduced": "The pilot reduced {outcome} by {effect} {unit} compared with its synthetic "
    "control (placebo p = {p_value}: {as_large} of {placebos} peer cities showed a gap as large).",
    "increased": "The pilot increased {outcome} by {effect} {unit} compared with its synthetic "
    "control (placebo p = {p_value}: {as_large} of {placebos} peer cities showed a gap as "
    "large).",
}
_SYNTH_NO_CLEAR_EFFECT = (
    "The pilot had no clear effect on {outcome}: the gap to its synthetic control is {estimate} "
    "{unit} (placebo p = {p_value}: {as_large} of {placebos} peer cities showed a gap as large)."
)
_STRONG = "Strong evidence: randomised, pre-registered, {n} {n_label}."
_HEADS = {
    Strength.MODERATE: "Moderate evidence, from {n} {n_label}:",
    Strength.SUGGESTIVE: "Suggestive evidence only, from {n} {n_label}:",
    Strength.WEAK: "Weak evidence, from {n} {n_label}:",
}


def sentences(
    estimate: Estimate,
    strength: Strength,
    *,
    outcome_label: str,
    unit_label: str,
    n_label: str,
    lower_is_better: bool,
    registered: bool,
    registered_after_data: bool,
    deviations: int,
) -> list[Message]:
    """The effect sentence, the strength sentence, then the reasons for the strength."""
    alpha = estimate.details.get("alpha", 0.05)
    level = round(100 * (1 - alpha))
    placebo = _placebo_inference(estimate)
    if placebo is not None:
        clear = estimate.p_value is not None and estimate.p_value <= alpha
    else:
        clear = estimate.ci_low > 0 or estimate.ci_high < 0
    params: dict[str, Any] = {
        "outcome": outcome_label,
        "unit": unit_label,
        "estimate": estimate.estimate,
        "effect": abs(estimate.estimate),
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "level": level,
        "improvement": (estimate.estimate < 0) == lower_is_better if clear else None,
    }
    if placebo is not None:
        params.update(placebo)
        if clear:
            verb = "reduced" if estimate.estimate < 0 else "increased"
            effect = Message(f"result_synth_{verb}", _SYNTH_PLACEBO[verb], params)
        else:
            effect = Message("result_synth_no_clear_effect", _SYNTH_NO_CLEAR_EFFECT, params)
    elif estimate.design is Design.PRE_POST:
        effect = Message(
            "result_pre_post_changed" if clear else "result_pre_post_unclear",
            _PRE_POST_CHANGED if clear else _PRE_POST_UNCLEAR,
            params,
        )
    elif not clear:
        effect = Message("result_no_clear_effect", _NO_CLEAR_EFFECT, params)
    else:
        verb = "reduced" if estimate.estimate < 0 else "increased"
        if estimate.relative is not None and estimate.relative_ci is not None:
            params.update(
                relative=100 * estimate.relative,
                relative_low=100 * estimate.relative_ci[0],
                relative_high=100 * estimate.relative_ci[1],
            )
            effect = Message(f"result_{verb}_relative", _EFFECT_RELATIVE[verb], params)
        else:
            effect = Message(f"result_{verb}", _EFFECT_ABSOLUTE[verb], params)

    _, reasons = rate(
        estimate,
        registered=registered,
        registered_after_data=registered_after_data,
        deviations=deviations,
    )
    counts = {"n": estimate.n, "n_label": n_label}
    if strength is Strength.STRONG:
        extra = [r for r in reasons if r.code == "evidence_deviations"]
        return [effect, Message("strength_strong", _STRONG, counts), *extra]
    head = Message(f"strength_{strength.value}", _HEADS[strength], counts)
    return [effect, head, *reasons]


def _placebo_inference(estimate: Estimate) -> dict[str, Any] | None:
    """The placebo p-value and counts of an estimate without an interval (synthetic control):
    ``as_large`` of the ``placebos`` peer cities had a post/pre gap ratio at least the pilot
    city's (the p-value is their rank among all of them: (as_large + 1) / (placebos + 1))."""
    if math.isfinite(estimate.ci_low) and math.isfinite(estimate.ci_high):
        return None
    placebos = estimate.details.get("placebos")
    if estimate.p_value is None or not math.isfinite(estimate.p_value) or not placebos:
        return None
    as_large = max(round(estimate.p_value * (placebos + 1)) - 1, 0)
    return {"p_value": estimate.p_value, "as_large": int(as_large), "placebos": int(placebos)}
