"""Power and sample size against published reference values (pure: no database)."""

from __future__ import annotations

import itertools
import math

import pytest

from civiclab.evaluation.stats import power
from civiclab.evaluation.stats.types import EvaluationError


def test_n_for_means_matches_pwr_and_gpower() -> None:
    """GIVEN d = 0.5, α = 0.05 two-sided, power 0.8
    WHEN the units per arm are solved
    THEN R pwr 1.3's ``pwr.t.test(d = 0.5, power = 0.8)`` gives n = 63.76561 (G*Power: 64)."""
    result = power.n_for_means(0.5, 1.0, alpha=0.05, power=0.8)
    assert result.n_per_arm == pytest.approx(63.76561, rel=1e-5)
    assert result.n_per_arm_rounded == 64


def test_gpower_manual_example() -> None:
    """G*Power 3 (Faul et al. 2007, Behav Res Methods 39:175) t test, means, two independent
    groups: d = 0.5, α = 0.05, power 0.95 → total sample 210 (105 per group)."""
    assert power.n_for_means(5.0, 10.0, power=0.95).n_per_arm_rounded == 105


def test_n_for_proportions_matches_pwr_2p() -> None:
    """R pwr 1.3 ``pwr.2p.test(h = 0.3, power = 0.8)``: n = 174.4195 per group (statsmodels'
    NormalIndPower counts the far tail too, as pwr does)."""
    h = 0.3
    p0 = 0.5
    p1 = math.sin(math.asin(math.sqrt(p0)) + h / 2) ** 2  # a pair with Cohen's h = 0.3
    result = power.n_for_proportions(p0, p1)
    assert result.standardised_effect == pytest.approx(0.3, abs=1e-12)
    assert result.n_per_arm == pytest.approx(174.4195, rel=1e-5)


def test_mde_and_power_invert_the_sample_size() -> None:
    n = power.n_for_means(2.0, 8.0).n_per_arm
    assert power.mde_means(n, 8.0).effect == pytest.approx(2.0, rel=1e-6)
    assert power.power_means(n, 2.0, 8.0).power == pytest.approx(0.8, rel=1e-6)
    n = power.n_for_proportions(0.30, 0.25).n_per_arm
    mde = power.mde_proportions(n, 0.30, decrease=True)
    assert mde.effect == pytest.approx(-0.05, rel=1e-4)
    assert power.power_proportions(n, 0.30, 0.25).power == pytest.approx(0.8, rel=1e-6)


def test_unequal_allocation() -> None:
    """Twice as many controls: fewer treated units are needed than with 1:1."""
    equal = power.n_for_means(0.5, 1.0).n_per_arm
    unequal = power.n_for_means(0.5, 1.0, ratio=2.0).n_per_arm
    assert unequal < equal
    assert power.power_means(unequal, 0.5, 1.0, ratio=2.0).power == pytest.approx(0.8, rel=1e-6)


def test_design_effect_eldridge() -> None:
    """Eldridge, Ashby & Kerry (2006): DE = 1 + ICC·((m − 1) + m·CV²); 0.05, 20, 0.6 → 2.31."""
    assert power.design_effect(0.05, 20, 0.6) == pytest.approx(2.31)
    assert power.design_effect(0.05, 20) == pytest.approx(1.95)
    assert power.effective_n(390, 0.05, 20) == pytest.approx(200)


def test_cluster_power_uses_effective_n_and_cluster_df() -> None:
    mde = power.mde_cluster(20, 30, 1.0, icc=0.05)
    assert mde.design_effect == pytest.approx(1 + 0.05 * 29)
    assert mde.effective_n_per_arm == pytest.approx(600 / 2.45)
    back = power.power_cluster(20, 30, mde.effect, 1.0, icc=0.05)
    assert back.power == pytest.approx(0.8, rel=1e-6)
    needed = power.clusters_for_effect(30, mde.effect, 1.0, icc=0.05)
    assert needed.clusters_per_arm == pytest.approx(20, rel=1e-4)


def test_too_small_effective_n_names_icc_and_cluster_size() -> None:
    """GIVEN an ICC of 0.2 and clusters of 500 but only 6 clusters per arm available
    WHEN clusters for a small effect are asked for
    THEN the refusal names the ICC, the cluster size and the effective n."""
    with pytest.raises(EvaluationError) as caught:
        power.clusters_for_effect(500, 0.1, 1.0, icc=0.2, max_clusters_per_arm=6)
    message = caught.value.message
    assert message.code == "power_effective_n_too_small"
    assert message.params["icc"] == 0.2
    assert message.params["cluster_size"] == 500
    assert "ICC of 0.2" in message.english() and "clusters of 500" in message.english()


def test_power_curve_rises_to_one() -> None:
    curve = power.power_curve(0.5, 1.0, n_max=200)
    sizes = [n for n, _ in curve]
    powers = [p for _, p in curve]
    assert sizes[0] == 2 and sizes[-1] == 200
    assert powers == sorted(powers) and powers[-1] > 0.99
    clustered = power.power_curve(0.5, 1.0, n_max=400, icc=0.05, cluster_size=20)
    assert all(p < q for (_, p), (_, q) in itertools.pairwise(clustered))


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: power.n_for_means(0.0, 1.0), "power_zero_effect"),
        (lambda: power.n_for_means(1.0, 0.0), "power_bad_sd"),
        # found by the API fuzz: 1.7e308 over an SD of 2 overflowed the t distribution (500)
        (lambda: power.n_for_means(1.697457063829689e308, 2.0), "power_effect_too_large"),
        (lambda: power.n_for_proportions(0.3, 1.2), "power_bad_proportion"),
        (lambda: power.design_effect(1.5, 10), "power_bad_icc"),
        (lambda: power.mde_means(1, 1.0), "power_too_few_units"),
        (lambda: power.power_cluster(1, 10, 0.5, 1.0, icc=0.1), "power_too_few_clusters"),
    ],
)
def test_bad_input_is_refused(call: object, code: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.message.code == code


def test_power_curve_of_proportions_passes_through_the_solved_n() -> None:
    n = power.n_for_proportions(0.30, 0.40).n_per_arm_rounded
    curve = dict(power.power_curve_proportions(0.30, 0.40, n_min=n, n_max=n + 10, points=11))
    assert curve[n] == pytest.approx(0.8, abs=0.005)
    assert curve[n + 10] > curve[n]


def test_a_huge_effect_on_few_units_has_a_power_not_nan() -> None:
    """Regression (found by the API fuzzer): a standardised effect of 10 with 2.86 units
    against 283 made scipy's noncentral t return NaN, and the API answered NaN as the power.
    The normal approximation of the noncentral t takes over: the power is a number, ~1."""
    import math

    from civiclab.evaluation.stats.power import power_curve, power_means

    result = power_means(2.86, 0.01, 0.001, alpha=0.01, ratio=99.0)
    assert math.isfinite(result.power) and result.power > 0.99
    curve = power_curve(0.01, 0.001, n_max=600, n_min=200, points=5, alpha=0.01, ratio=99.0)
    assert curve and all(math.isfinite(p) and p > 0.99 for _n, p in curve)
