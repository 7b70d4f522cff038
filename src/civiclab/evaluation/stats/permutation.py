"""Randomisation (permutation) inference for a randomised comparison, with a confidence
interval by test inversion.

The statistic is the OLS coefficient of the assignment in a regression of the outcome on an
intercept, the assignment and the covariates Z (no covariates: the difference in means). The
assignment is re-drawn as the design drew it: the assignment units (units, or clusters) are
permuted, within strata when there are strata. Every permutation is enumerated when there are
at most ``EXACT_LIMIT`` of them and no strata (an exact test); otherwise ``n_draws`` random
permutations are drawn from the seeded generator and the p-value is (b + 1) / (R + 1).

The interval inverts the test of a constant additive effect τ0 (Fisher's sharp null
Y(1) = Y(0) + τ0): the adjusted outcomes y − τ0·t are permuted. The coefficient is linear in
the outcome, so for each permutation π the statistic is S_π(y) − τ0·S_π(t): computed once,
the p-value of any τ0 costs one vectorised comparison, and the bounds are found by bisection
outward from the estimate. When no permutation test at all can reach the level (too few
possible assignments), the analysis is refused rather than given an infinite interval.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats.types import EvaluationError, Message
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

EXACT_LIMIT = 20_000  # enumerate every assignment up to this many
MAX_DRAWS = 10_000  # random permutations at most
_CELLS_PER_CHUNK = 4_000_000  # permutations × rows held in memory at once (32 MB of floats)


@dataclass(frozen=True)
class PermutationResult:
    estimate: float
    p_value: float
    ci_low: float
    ci_high: float
    permutations: int
    exact: bool


def permutation_inference(
    y: Any,
    t: Any,
    z: Any | None,
    groups: Any,
    group_strata: Any | None,
    *,
    alpha: float,
    seed: int,
    scale: float,
) -> PermutationResult:
    """Permutation p-value of no effect and the (1 − alpha) interval by test inversion.

    ``y`` outcomes and ``t`` 0/1 assignment per row; ``z`` covariates per row (no intercept)
    or None; ``groups`` the assignment unit of each row (0 … G−1, the unit itself when
    individuals were randomised); ``group_strata`` the stratum of each assignment unit or
    None; ``scale`` a rough standard error, to start the search for the bounds."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(t, dtype=float)
    groups = np.asarray(groups, dtype=np.int64)
    n_groups = int(groups.max()) + 1
    assigned = np.zeros(n_groups)
    assigned[groups] = t
    basis = np.ones((len(y), 1)) if z is None else np.column_stack([np.ones(len(y)), z])
    q, _ = np.linalg.qr(basis)
    draws, exact = _assignments(assigned, group_strata, seed)
    s_y = np.empty(len(draws))
    s_t = np.empty(len(draws))
    chunk = max(1, _CELLS_PER_CHUNK // max(len(y), 1))
    for start in range(0, len(draws), chunk):
        a = draws[start : start + chunk][:, groups]  # (R, n) assignments per row
        a_res = a - (a @ q) @ q.T  # the assignment residualised on the covariates (FWL)
        denominator = np.einsum("ij,ij->i", a_res, a)
        s_y[start : start + chunk] = (a_res @ y) / denominator
        s_t[start : start + chunk] = (a_res @ t) / denominator
    observed = _statistic(y, t, q)
    tolerance = 1e-9 * (abs(observed) + scale + 1e-12)

    def p_value(tau: float) -> float:
        stat = np.abs(s_y - tau * s_t)
        count = int(np.count_nonzero(stat >= abs(observed - tau) - tolerance))
        return count / len(draws) if exact else (count + 1) / (len(draws) + 1)

    # As τ0 → ±∞ a permutation counts as extreme when |S_π(t)| ≥ 1 (the observed one or its
    # mirror): if those alone reach alpha, no τ0 is ever rejected.
    at_infinity = np.count_nonzero(np.abs(s_t) >= 1 - 1e-9)
    floor = at_infinity / len(draws) if exact else (at_infinity + 1) / (len(draws) + 1)
    if floor > alpha:
        raise EvaluationError(
            Message(
                "rct_too_few_assignments",
                "Too few possible assignments for a randomisation test: with {groups} "
                "randomised units the smallest possible p-value is {floor}, above {alpha}.",
                {"groups": n_groups, "floor": round(floor, 4), "alpha": alpha},
            )
        )
    step = max(scale, abs(observed) * 1e-3, 1e-12)
    low = _bound(p_value, observed, -step, alpha)
    high = _bound(p_value, observed, step, alpha)
    return PermutationResult(observed, p_value(0.0), low, high, len(draws), exact)


def _statistic(y: Any, t: Any, q: Any) -> float:
    t_res = t - q @ (q.T @ t)
    return float((t_res @ y) / (t_res @ t))


def _bound(p_value: Any, estimate: float, step: float, alpha: float) -> float:
    """The τ0 beyond ``estimate`` in the direction of ``step`` where the p-value falls to
    ``alpha`` (bisection after doubling out to a rejected value)."""
    inside, outside = estimate, estimate + step
    for _ in range(60):
        if p_value(outside) <= alpha:
            break
        inside, outside = outside, estimate + 2 * (outside - estimate)
    for _ in range(80):
        middle = (inside + outside) / 2
        if p_value(middle) <= alpha:
            outside = middle
        else:
            inside = middle
        if abs(outside - inside) <= 1e-10 * (abs(step) + abs(estimate)):
            break
    return (inside + outside) / 2


def _assignments(assigned: Any, group_strata: Any | None, seed: int) -> tuple[Any, bool]:
    """The assignments to compare with: every one (exact) or random draws, as 0/1 rows."""
    n = len(assigned)
    n_treated = int(assigned.sum())
    if group_strata is None and math.comb(n, n_treated) <= EXACT_LIMIT:
        draws = np.zeros((math.comb(n, n_treated), n))
        for row, treated in enumerate(itertools.combinations(range(n), n_treated)):
            draws[row, list(treated)] = 1.0
        return draws, True
    rng = np.random.Generator(np.random.PCG64(seed))
    n_draws = MAX_DRAWS
    if group_strata is None:
        keys = rng.random((n_draws, n))
        order = np.argsort(keys, axis=1)
        draws = np.take_along_axis(np.tile(assigned, (n_draws, 1)), order, axis=1)
        return draws, False
    strata = np.asarray(group_strata, dtype=np.int64)
    draws = np.tile(assigned, (n_draws, 1))
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        draws[:, members] = rng.permuted(draws[:, members], axis=1)
    return draws, False
