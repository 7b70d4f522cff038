"""Evidence strength from the design and its checks, and the honest sentences (pure)."""

from __future__ import annotations

from civiclab.evaluation.stats.evidence import rate
from civiclab.evaluation.stats.types import Check, Design, Estimate, Message, Strength
from civiclab.evaluation.stats.wording import sentences


def estimate(design: Design = Design.RCT, *, ci: tuple[float, float] = (-4.0, -2.0),
             effect: float = -3.1, failed: bool = False) -> Estimate:  # fmt: skip
    checks = [Check("outcome_varies", True, Message("x", "x"))]
    if failed:
        checks.append(Check("pre_trend", False, Message("y", "y")))
    return Estimate(
        design=design, estimator="welch_t", estimate=effect, se=0.5, ci_low=ci[0],
        ci_high=ci[1], p_value=0.001, n=400, n_obs=400, baseline=17.2,
        relative=-0.18, relative_ci=(-0.26, -0.10), checks=checks,
    )  # fmt: skip


WORDS = {
    "outcome_label": "median days-to-close",
    "unit_label": "days",
    "n_label": "properties",
    "lower_is_better": True,
}


def test_strong_result_reads_as_the_issue_example() -> None:
    """GIVEN a randomised, pre-registered trial of 400 properties with all checks passed
    WHEN it is put in words
    THEN "The pilot reduced median days-to-close by 3.1 days (−18 %; 95 % CI −26 % to −10 %)."
    and "Strong evidence: randomised, pre-registered, 400 properties."."""
    result = estimate()
    strength, _ = rate(result, registered=True, registered_after_data=False, deviations=0)
    assert strength is Strength.STRONG
    effect, strong = sentences(
        result, strength, registered=True, registered_after_data=False, deviations=0, **WORDS
    )
    assert effect.code == "result_reduced_relative"
    assert effect.params["effect"] == 3.1 and effect.params["relative"] == -18.0
    assert effect.params["improvement"] is True
    assert effect.template.format(
        **{**effect.params, "relative": "−18", "relative_low": "−26", "relative_high": "−10"}
    ) == ("The pilot reduced median days-to-close by 3.1 days (−18 %; 95 % CI −26 % to −10 %).")
    assert strong.english() == "Strong evidence: randomised, pre-registered, 400 properties."


def test_an_interval_including_zero_is_no_clear_effect() -> None:
    result = estimate(ci=(-4.0, 0.5), effect=-1.7)
    strength, _ = rate(result, registered=True, registered_after_data=False, deviations=0)
    effect = sentences(
        result, strength, registered=True, registered_after_data=False, deviations=0, **WORDS
    )[0]
    assert effect.code == "result_no_clear_effect"
    assert "no clear effect" in effect.english() and "no effect" not in effect.english()
    assert effect.params["improvement"] is None


def test_pre_post_is_weak_and_never_causal() -> None:
    result = estimate(Design.PRE_POST)
    strength, _reasons = rate(result, registered=True, registered_after_data=False, deviations=0)
    assert strength is Strength.WEAK
    words = sentences(
        result, strength, registered=True, registered_after_data=False, deviations=0, **WORDS
    )
    text = " ".join(m.english() for m in words)
    assert words[0].code == "result_pre_post_changed"
    assert "changed by" in text and "reduced" not in text
    assert "does not show that the pilot caused" in text
    assert "Weak evidence" in text


def test_registered_after_data_is_stated_and_steps_down() -> None:
    result = estimate()
    strength, reasons = rate(result, registered=True, registered_after_data=True, deviations=2)
    assert strength is Strength.MODERATE
    codes = [r.code for r in reasons]
    assert "evidence_registered_after_data" in codes and "evidence_deviations" in codes
    words = sentences(
        result, strength, registered=True, registered_after_data=True, deviations=2, **WORDS
    )
    assert any("registered after outcome data existed" in m.english() for m in words)
    assert words[1].code == "strength_moderate"


def test_quasi_experiments_are_moderate_and_a_failed_check_steps_down() -> None:
    did = estimate(Design.DID)
    assert rate(did, registered=True, registered_after_data=False, deviations=0)[0] is (
        Strength.MODERATE
    )
    failing = estimate(Design.DID, failed=True)
    strength, reasons = rate(failing, registered=True, registered_after_data=False, deviations=0)
    assert strength is Strength.SUGGESTIVE
    assert reasons[-1].params["checks"] == ["pre_trend"]
    not_registered = rate(estimate(), registered=False, registered_after_data=False, deviations=0)
    assert not_registered[0] is Strength.MODERATE


def test_an_increase_where_lower_is_better_is_no_improvement() -> None:
    result = estimate(ci=(1.0, 3.0), effect=2.0)
    effect = sentences(
        result, Strength.STRONG, registered=True, registered_after_data=False, deviations=0,
        **WORDS,
    )[0]  # fmt: skip
    assert effect.code == "result_increased_relative"
    assert effect.params["improvement"] is False


def test_an_exploratory_analysis_is_judged_not_pre_registered() -> None:
    """GIVEN an analysis without a plan WHEN the service judges it THEN the randomised design
    is one step down (moderate) and the sentences say it was not pre-registered."""
    from civiclab.evaluation.services.analysis import judge
    from civiclab.evaluation.stats.types import AnalysisSpec, Columns

    spec = AnalysisSpec(Design.RCT, Columns("days", "parcel", treated="t"), lower_is_better=True)
    strength, words = judge(estimate(), spec, None)
    assert strength is Strength.MODERATE
    codes = [m.code for m in words]
    assert codes[:2] == ["result_reduced_relative", "strength_moderate"]
    assert "evidence_not_registered" in codes
    assert words[0].params["outcome"] == "days" and words[1].params["n_label"] == "parcel"


def synth_estimate(effect: float, p_value: float, placebos: int = 5) -> Estimate:
    nan = float("nan")
    return Estimate(
        design=Design.SYNTHETIC_CONTROL, estimator="synthetic_control", estimate=effect, se=nan,
        ci_low=nan, ci_high=nan, p_value=p_value, n=placebos + 1, n_obs=120, baseline=40.0,
        relative=effect / 40.0, checks=[], details={"placebos": placebos},
    )  # fmt: skip


def test_a_synthetic_control_is_worded_with_its_placebo_p_value() -> None:
    """GIVEN a synthetic control (no SE, no interval) WHEN it is put in words THEN the sentence
    cites the placebo p-value and how many peer cities showed a gap as large — never a
    "95 % CI — to —"."""
    clear = sentences(
        synth_estimate(-15.0, 1 / 20, placebos=19), Strength.SUGGESTIVE, registered=True,
        registered_after_data=False, deviations=0, **WORDS,
    )[0]  # fmt: skip
    assert clear.code == "result_synth_reduced" and clear.params["improvement"] is True
    text = clear.english()
    assert "CI" not in text and "nan" not in text
    assert "placebo p = " in text and "0 of 19 peer cities showed a gap as large" in text
    unclear = sentences(
        synth_estimate(-3.0, 4 / 6), Strength.WEAK, registered=True,
        registered_after_data=False, deviations=0, **WORDS,
    )[0]  # fmt: skip
    assert unclear.code == "result_synth_no_clear_effect"
    assert "3 of 5 peer cities" in unclear.english() and "CI" not in unclear.english()
    assert unclear.params["improvement"] is None


def test_a_synthetic_control_sentence_in_french() -> None:
    import pytest

    pytest.importorskip("django")
    from django.utils import translation

    from civiclab.evaluation.templatetags.evaluation_text import render_message

    message = sentences(
        synth_estimate(-15.0, 1 / 6), Strength.SUGGESTIVE, registered=True,
        registered_after_data=False, deviations=0, **WORDS,
    )[0]  # fmt: skip
    with translation.override("fr"):
        text = render_message(message)
    assert "contrôle synthétique" in text and "p placebo = 0,17\u00a0: 0 des 5 villes" in text


def test_a_synthetic_control_is_clear_at_the_plans_alpha() -> None:
    """The placebo p-value is read against the plan's α (in the details): p = 1/6 is no clear
    effect at α = 0.05 but a clear one at α = 0.2."""
    lenient = synth_estimate(-15.0, 1 / 6)
    lenient.details["alpha"] = 0.2
    effect = sentences(
        lenient, Strength.WEAK, registered=True, registered_after_data=False, deviations=0,
        **WORDS,
    )[0]  # fmt: skip
    assert effect.code == "result_synth_reduced"
