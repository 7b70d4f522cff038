"""Wild cluster restricted bootstrap (WCR, Cameron, Gelbach & Miller 2008) with Webb's six-point
weights (Webb 2023, Can J Econ 56:1142): a second opinion on the p-value of a cluster trial with
few clusters, next to randomisation inference (the main result, see ``rct.py``).

pyfixest's ``wildboottest`` needs the separate ``wildboottest`` package, which civiclab does not
install; this is the textbook algorithm for one coefficient:

1. fit the model with the null imposed (the arm's coefficient 0): fitted values ŷᵣ, residuals ûᵣ;
2. for each of B draws, give every cluster g a weight v_g from {±√(3/2), ±1, ±√(1/2)} (each
   1/6) and build y* = ŷᵣ + v_g·ûᵣ;
3. refit the full model on y* and compute t* = β*/SE*(CR1);
4. p = share of |t*| ≥ |t|, t the observed CR1 t statistic.

Webb's weights give 6^G distinct draws, enough for a p-value from as few as 5 or 6 clusters
(Rademacher's 2^G are not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

DRAWS = 9_999
_CELLS_PER_CHUNK = 4_000_000


def wild_cluster_p_value(
    y: Any, t: Any, z: Any | None, clusters: Any, *, seed: int, draws: int = DRAWS
) -> float:
    """WCR bootstrap p-value (Webb weights) of H0: the coefficient of ``t`` is 0, in a
    regression of ``y`` on an intercept, ``t`` and the covariates ``z``, SEs clustered by
    ``clusters`` (CR1)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    restricted = np.ones((n, 1)) if z is None else np.column_stack([np.ones(n), z])
    full = np.column_stack([restricted[:, :1], np.asarray(t, float), restricted[:, 1:]])
    _, groups = np.unique(np.asarray(clusters), return_inverse=True)
    n_groups = int(groups.max()) + 1
    k = full.shape[1]
    correction = n_groups / (n_groups - 1) * (n - 1) / (n - k)

    q_r, _ = np.linalg.qr(restricted)
    fitted_r = q_r @ (q_r.T @ y)
    residual_r = y - fitted_r
    inverse = np.linalg.pinv(full.T @ full)
    row = inverse[1] @ full.T  # β₁ = row · y
    one_hot = np.zeros((n, n_groups))
    one_hot[np.arange(n), groups] = 1.0

    def t_statistics(outcomes: Any) -> Any:
        """CR1 t statistics of the arm's coefficient for each row of ``outcomes`` (B × n)."""
        beta = outcomes @ full @ inverse.T  # B × k
        residuals = outcomes - beta @ full.T
        scores = (residuals * row) @ one_hot  # B × G: Σ_{i∈g} row_i·e_i
        variance = correction * np.sum(scores**2, axis=1)
        return beta[:, 1] / np.sqrt(variance)

    observed = float(t_statistics(y[None, :])[0])
    rng = np.random.Generator(np.random.PCG64(seed))
    webb = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
    extreme = 0
    chunk = max(1, _CELLS_PER_CHUNK // max(n, 1))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        weights = webb[rng.integers(0, 6, (size, n_groups))]
        outcomes = fitted_r + weights[:, groups] * residual_r
        extreme += int(np.count_nonzero(np.abs(t_statistics(outcomes)) >= abs(observed)))
    return extreme / draws
