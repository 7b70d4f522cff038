"""Power and sample size: two-sample means and proportions, and cluster designs.

Means use statsmodels' ``TTestIndPower`` (the noncentral t, as R's ``pwr.t.test`` and G*Power);
proportions use ``NormalIndPower`` on Cohen's h (``proportion_effectsize``, as R's
``pwr.2p.test``). Cluster designs inflate the variance by the design effect of Eldridge, Ashby
and Kerry (2006, Int J Epidemiol 35:1292) for unequal cluster sizes::

    DE = 1 + ICC · ((m − 1) + m · CV²)

with m the mean cluster size and CV the coefficient of variation of the sizes (0: equal). The
effective n per arm is k·m / DE for k clusters per arm, and the t distribution's degrees of
freedom are those of a cluster-level comparison, 2(k − 1), not of the individuals.

Sizes are *per arm*; ``ratio`` is n(second arm) / n(first arm), as statsmodels takes it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from civiclab.evaluation.stats.types import EvaluationError, Message

_SOLVE_MAX_N = 10_000_000  # beyond this a "sample size" is no plan a city can run


@dataclass(frozen=True)
class PowerResult:
    """One answer of the calculator: whichever of n, effect and power was asked for is filled
    in, the others repeat the question. Effects are in the outcome's units (proportions: the
    difference p1 − p0, so 0.05 is 5 percentage points)."""

    n_per_arm: float
    effect: float
    power: float
    alpha: float
    ratio: float = 1.0
    standardised_effect: float | None = None  # Cohen's d or h
    design_effect: float | None = None
    effective_n_per_arm: float | None = None
    clusters_per_arm: float | None = None
    cluster_size: float | None = None

    @property
    def n_per_arm_rounded(self) -> int:
        return math.ceil(self.n_per_arm - 1e-9)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "n_per_arm_rounded": self.n_per_arm_rounded}


def _refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


def _check_common(alpha: float, power: float | None = None) -> None:
    if not 0 < alpha < 1:
        raise _refuse("power_bad_alpha", "The significance level must be between 0 and 1.")
    if power is not None and not alpha < power < 1:
        raise _refuse(
            "power_bad_power",
            "The power must be between the significance level ({alpha}) and 1.",
            alpha=alpha,
        )


def _check_sd(sd: float) -> None:
    if not sd > 0 or not math.isfinite(sd):
        raise _refuse(
            "power_bad_sd", "The standard deviation must be a positive number (got {sd}).", sd=sd
        )


def _check_effect(effect: float) -> None:
    if effect == 0 or not math.isfinite(effect):
        raise _refuse("power_zero_effect", "The effect to detect must be a non-zero number.")


# A standardised effect above this is detected by any sample (and overflows the noncentral
# t distribution the sample size is solved with): it is a typing mistake, said as such.
MAX_STANDARDISED_EFFECT = 1_000.0


def _standardised(effect: float, sd: float) -> float:
    d = abs(effect) / sd
    if not math.isfinite(d) or d > MAX_STANDARDISED_EFFECT:
        raise _refuse(
            "power_effect_too_large",
            "The effect is more than {limit} standard deviations: any sample would detect it. "
            "Check the effect and the standard deviation.",
            limit=f"{MAX_STANDARDISED_EFFECT:,.0f}",
        )
    return d


def _t_power() -> Any:
    from statsmodels.stats.power import TTestIndPower

    return TTestIndPower()


def _t_test_power(d: float, n_per_arm: float, alpha: float, ratio: float) -> float:
    """The two-sided t test's power (statsmodels). For a large standardised effect on few
    units, scipy's noncentral t returns NaN (its series does not converge); there the normal
    approximation of the noncentral t, Φ(δ − t*) + Φ(−δ − t*), is used — accurate to far
    below a percentage point once δ is that large, and a number rather than NaN."""
    power = float(_t_power().power(effect_size=d, nobs1=n_per_arm, alpha=alpha, ratio=ratio))
    if math.isfinite(power):
        return power
    from scipy import stats

    n2 = n_per_arm * ratio
    delta = d * math.sqrt(n_per_arm * n2 / (n_per_arm + n2))
    critical = float(stats.t.ppf(1 - alpha / 2, n_per_arm + n2 - 2))
    return float(stats.norm.sf(critical - delta) + stats.norm.cdf(-critical - delta))


def _normal_power() -> Any:
    from statsmodels.stats.power import NormalIndPower

    return NormalIndPower()


# ── means ────────────────────────────────────────────────────────────────────────────────────


def n_for_means(
    effect: float, sd: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> PowerResult:
    """Units per arm to detect a difference in means ``effect`` (two-sided Welch/Student t)."""
    _check_common(alpha, power)
    _check_sd(sd)
    _check_effect(effect)
    d = _standardised(effect, sd)
    n = float(_t_power().solve_power(effect_size=d, alpha=alpha, power=power, ratio=ratio))
    return PowerResult(n, effect, power, alpha, ratio, standardised_effect=d)


def mde_means(
    n_per_arm: float, sd: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> PowerResult:
    """The minimum detectable difference in means with ``n_per_arm`` units in the first arm."""
    _check_common(alpha, power)
    _check_sd(sd)
    _check_n(n_per_arm, ratio)
    d = float(_t_power().solve_power(nobs1=n_per_arm, alpha=alpha, power=power, ratio=ratio))
    return PowerResult(n_per_arm, d * sd, power, alpha, ratio, standardised_effect=d)


def power_means(
    n_per_arm: float, effect: float, sd: float, *, alpha: float = 0.05, ratio: float = 1.0
) -> PowerResult:
    """The power to detect ``effect`` with ``n_per_arm`` units in the first arm."""
    _check_common(alpha)
    _check_sd(sd)
    _check_n(n_per_arm, ratio)
    d = _standardised(effect, sd)
    p = _t_test_power(d, n_per_arm, alpha, ratio)
    return PowerResult(n_per_arm, effect, p, alpha, ratio, standardised_effect=d)


def _check_n(n_per_arm: float, ratio: float) -> None:
    if not n_per_arm >= 2 or not n_per_arm * ratio >= 2:
        raise _refuse(
            "power_too_few_units",
            "Each arm needs at least 2 units (got {n_per_arm} and {n_other}).",
            n_per_arm=n_per_arm,
            n_other=n_per_arm * ratio,
        )


# ── proportions ──────────────────────────────────────────────────────────────────────────────


def _check_proportions(*ps: float) -> None:
    for p in ps:
        if not 0 < p < 1:
            raise _refuse(
                "power_bad_proportion", "A proportion must be between 0 and 1 (got {p}).", p=p
            )


def cohens_h(p1: float, p0: float) -> float:
    """Cohen's h = 2·asin(√p1) − 2·asin(√p0) (statsmodels' ``proportion_effectsize``)."""
    from statsmodels.stats.proportion import proportion_effectsize

    return float(proportion_effectsize(p1, p0))


def n_for_proportions(
    p0: float, p1: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> PowerResult:
    """Units per arm to detect a change of the proportion from ``p0`` (control) to ``p1``."""
    _check_common(alpha, power)
    _check_proportions(p0, p1)
    _check_effect(p1 - p0)
    h = abs(cohens_h(p1, p0))
    n = float(_normal_power().solve_power(effect_size=h, alpha=alpha, power=power, ratio=ratio))
    return PowerResult(n, p1 - p0, power, alpha, ratio, standardised_effect=h)


def mde_proportions(
    n_per_arm: float,
    p0: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    decrease: bool = False,
) -> PowerResult:
    """The smallest change from ``p0`` detectable with ``n_per_arm`` (an increase, or a
    decrease when ``decrease``): Cohen's h solved, then turned back into a proportion."""
    _check_common(alpha, power)
    _check_proportions(p0)
    _check_n(n_per_arm, ratio)
    h = float(_normal_power().solve_power(nobs1=n_per_arm, alpha=alpha, power=power, ratio=ratio))
    phi0 = 2 * math.asin(math.sqrt(p0))
    phi1 = phi0 - h if decrease else phi0 + h
    if not 0 <= phi1 <= math.pi:
        raise _refuse(
            "power_mde_out_of_range",
            "With {n_per_arm} units per arm no change from {p0} can be detected: it would "
            "need a proportion beyond 0 or 1.",
            n_per_arm=n_per_arm,
            p0=p0,
        )
    p1 = math.sin(phi1 / 2) ** 2
    return PowerResult(n_per_arm, p1 - p0, power, alpha, ratio, standardised_effect=h)


def power_proportions(
    n_per_arm: float, p0: float, p1: float, *, alpha: float = 0.05, ratio: float = 1.0
) -> PowerResult:
    """The power to detect a change of the proportion from ``p0`` to ``p1``."""
    _check_common(alpha)
    _check_proportions(p0, p1)
    _check_n(n_per_arm, ratio)
    h = abs(cohens_h(p1, p0))
    p = float(_normal_power().power(effect_size=h, nobs1=n_per_arm, alpha=alpha, ratio=ratio))
    return PowerResult(n_per_arm, p1 - p0, p, alpha, ratio, standardised_effect=h)


# ── cluster designs ──────────────────────────────────────────────────────────────────────────


def design_effect(icc: float, cluster_size: float, cv: float = 0.0) -> float:
    """Eldridge et al. (2006): 1 + ICC·((m − 1) + m·CV²)."""
    if not 0 <= icc < 1:
        raise _refuse(
            "power_bad_icc", "The ICC must be at least 0 and below 1 (got {icc}).", icc=icc
        )
    if not cluster_size >= 1:
        raise _refuse(
            "power_bad_cluster_size",
            "The mean cluster size must be at least 1 (got {cluster_size}).",
            cluster_size=cluster_size,
        )
    if not cv >= 0:
        raise _refuse("power_bad_cv", "The CV of cluster sizes cannot be negative.")
    return 1 + icc * ((cluster_size - 1) + cluster_size * cv**2)


def _cluster_t_power(d: float, k: float, m: float, de: float, alpha: float) -> float:
    """Two-sided power of the t test on n_eff = k·m/DE units per arm with 2(k − 1) degrees of
    freedom (the noncentral t, as ``TTestIndPower`` computes it with ``df`` given)."""
    from scipy import stats

    n_eff = k * m / de
    df = 2 * (k - 1)
    ncp = d * math.sqrt(n_eff / 2)
    if ncp > 60:  # the noncentral t's tail is 1 to double precision (and scipy returns NaN)
        return 1.0
    critical = float(stats.t.ppf(1 - alpha / 2, df))
    upper = float(stats.nct.sf(critical, df, ncp))
    lower = float(stats.nct.cdf(-critical, df, ncp))  # NaN where it underflows
    return upper + (lower if math.isfinite(lower) else 0.0)


def _check_clusters(k: float, icc: float, m: float) -> None:
    if not k >= 2:
        raise _refuse(
            "power_too_few_clusters",
            "Each arm needs at least 2 clusters (got {clusters_per_arm}).",
            clusters_per_arm=k,
            icc=icc,
            cluster_size=m,
        )


def power_cluster(
    clusters_per_arm: float,
    cluster_size: float,
    effect: float,
    sd: float,
    *,
    icc: float,
    cv: float = 0.0,
    alpha: float = 0.05,
) -> PowerResult:
    """Power of a two-arm cluster-randomised comparison of means (equal arms)."""
    _check_common(alpha)
    _check_sd(sd)
    de = design_effect(icc, cluster_size, cv)
    _check_clusters(clusters_per_arm, icc, cluster_size)
    d = _standardised(effect, sd)
    p = _cluster_t_power(d, clusters_per_arm, cluster_size, de, alpha)
    return PowerResult(
        clusters_per_arm * cluster_size,
        effect,
        p,
        alpha,
        standardised_effect=d,
        design_effect=de,
        effective_n_per_arm=clusters_per_arm * cluster_size / de,
        clusters_per_arm=clusters_per_arm,
        cluster_size=cluster_size,
    )


def mde_cluster(
    clusters_per_arm: float,
    cluster_size: float,
    sd: float,
    *,
    icc: float,
    cv: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> PowerResult:
    """The minimum detectable difference in means of a cluster-randomised design."""
    from scipy.optimize import brentq

    _check_common(alpha, power)
    _check_sd(sd)
    de = design_effect(icc, cluster_size, cv)
    _check_clusters(clusters_per_arm, icc, cluster_size)
    n_eff = clusters_per_arm * cluster_size / de
    if n_eff < 2:
        raise _too_small(n_eff, icc, cluster_size, clusters_per_arm)

    def gap(d: float) -> float:
        return _cluster_t_power(d, clusters_per_arm, cluster_size, de, alpha) - power

    d = float(brentq(gap, 1e-9, 100.0))
    return PowerResult(
        clusters_per_arm * cluster_size,
        d * sd,
        power,
        alpha,
        standardised_effect=d,
        design_effect=de,
        effective_n_per_arm=n_eff,
        clusters_per_arm=clusters_per_arm,
        cluster_size=cluster_size,
    )


def clusters_for_effect(
    cluster_size: float,
    effect: float,
    sd: float,
    *,
    icc: float,
    cv: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    max_clusters_per_arm: float | None = None,
) -> PowerResult:
    """Clusters per arm (of mean size ``cluster_size``) to detect ``effect``.

    Refused, naming the ICC and the cluster size, when even ``max_clusters_per_arm`` clusters
    (the clusters the city has) do not give enough effective units."""
    from scipy.optimize import brentq

    _check_common(alpha, power)
    _check_sd(sd)
    _check_effect(effect)
    de = design_effect(icc, cluster_size, cv)
    d = _standardised(effect, sd)

    def gap(k: float) -> float:
        return _cluster_t_power(d, k, cluster_size, de, alpha) - power

    upper = _SOLVE_MAX_N / cluster_size
    if gap(upper) < 0:
        raise _too_small(upper * cluster_size / de, icc, cluster_size, upper)
    k = float(brentq(gap, 2.0, upper)) if gap(2.0) < 0 else 2.0
    if max_clusters_per_arm is not None and k > max_clusters_per_arm:
        raise _too_small(
            max_clusters_per_arm * cluster_size / de,
            icc,
            cluster_size,
            max_clusters_per_arm,
            needed=k,
        )
    return PowerResult(
        k * cluster_size,
        effect,
        power,
        alpha,
        standardised_effect=d,
        design_effect=de,
        effective_n_per_arm=k * cluster_size / de,
        clusters_per_arm=k,
        cluster_size=cluster_size,
    )


def _too_small(
    n_eff: float, icc: float, m: float, k: float, needed: float | None = None
) -> EvaluationError:
    params = {
        "icc": icc,
        "cluster_size": m,
        "clusters_per_arm": k,
        "effective_n": round(n_eff, 1),
    }
    if needed is None:
        return _refuse(
            "power_effective_n_too_small",
            "The effective sample is too small: with an ICC of {icc} and clusters of "
            "{cluster_size} units, {clusters_per_arm} clusters per arm count as only "
            "{effective_n} independent units per arm. More clusters help; larger clusters "
            "barely do.",
            **params,
        )
    return _refuse(
        "power_effective_n_too_small",
        "The effective sample is too small: with an ICC of {icc} and clusters of {cluster_size} "
        "units, {clusters_per_arm} clusters per arm count as only {effective_n} independent "
        "units per arm, and {needed} clusters per arm would be needed. More clusters help; "
        "larger clusters barely do.",
        **params,
        needed=math.ceil(needed),
    )


def effective_n(n: float, icc: float, cluster_size: float, cv: float = 0.0) -> float:
    """Units that ``n`` clustered units are worth: n / DE."""
    return n / design_effect(icc, cluster_size, cv)


# ── a power curve for the chart ──────────────────────────────────────────────────────────────


def power_curve(
    effect: float,
    sd: float,
    *,
    n_max: int,
    n_min: int = 2,
    points: int = 40,
    alpha: float = 0.05,
    ratio: float = 1.0,
    icc: float = 0.0,
    cluster_size: float = 1.0,
    cv: float = 0.0,
) -> list[tuple[int, float]]:
    """(units per arm, power) points for a chart of power against sample size. With an ICC
    the units come in clusters of ``cluster_size`` and the cluster-design power is used."""
    _check_common(alpha)
    _check_sd(sd)
    _check_effect(effect)
    if n_max < n_min or n_min < 2:
        raise _refuse(
            "power_bad_range",
            "The range of sample sizes must go from at least 2 up ({n_min} to {n_max}).",
            n_min=n_min,
            n_max=n_max,
        )
    step = max(1, (n_max - n_min) // max(points - 1, 1))
    sizes = sorted({*range(n_min, n_max + 1, step), n_max})
    d = _standardised(effect, sd)
    curve: list[tuple[int, float]] = []
    if icc > 0 or cluster_size > 1:
        de = design_effect(icc, cluster_size, cv)
        for n in sizes:
            k = n / cluster_size
            if k >= 2:
                curve.append((n, _cluster_t_power(d, k, cluster_size, de, alpha)))
        return curve
    for n in sizes:
        if n * ratio >= 2:
            curve.append((n, _t_test_power(d, n, alpha, ratio)))
    return curve


def power_curve_proportions(
    p0: float,
    p1: float,
    *,
    n_max: int,
    n_min: int = 2,
    points: int = 40,
    alpha: float = 0.05,
    ratio: float = 1.0,
) -> list[tuple[int, float]]:
    """(units per arm, power) points for a change of a proportion from ``p0`` to ``p1``."""
    _check_common(alpha)
    _check_proportions(p0, p1)
    _check_effect(p1 - p0)
    if n_max < n_min or n_min < 2:
        raise _refuse(
            "power_bad_range",
            "The range of sample sizes must go from at least 2 up ({n_min} to {n_max}).",
            n_min=n_min,
            n_max=n_max,
        )
    step = max(1, (n_max - n_min) // max(points - 1, 1))
    h = abs(cohens_h(p1, p0))
    normal = _normal_power()
    return [
        (n, float(normal.power(effect_size=h, nobs1=n, alpha=alpha, ratio=ratio)))
        for n in sorted({*range(n_min, n_max + 1, step), n_max})
        if n * ratio >= 2
    ]
