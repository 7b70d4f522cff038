"""Assign units to arms, reproducibly from a recorded seed.

Methods (``Method``):

- ``simple``: each unit independently, with probabilities in the allocation ratio (Bernoulli;
  arm sizes vary by chance).
- ``complete``: exactly the ratio's shares over all units (the remainder goes to arms drawn at
  random, so no arm is favoured).
- ``blocked``: units in their given order (enrolment order) cut into blocks of ``block_size``
  (a multiple of the ratio's sum); each full block holds the exact ratio.
- ``stratified``: complete randomisation within each stratum (every combination of the
  ``strata`` columns; a missing value is a stratum of its own).
- ``cluster``: clusters are assigned (completely, or stratified by columns constant within a
  cluster) and their units inherit the arm.
- ``stepped_wedge``: clusters are randomised to ``steps`` groups that cross over to the
  intervention one step after another; the table gets ``step`` (1 … steps) and the arm is
  ``"step_<k>"``.

Reproducible: the generator is numpy's ``Generator(PCG64(seed))``; with the same units (in the
same order), method, arms, ratio and seed the assignment is the same. A seed is drawn and
recorded when none is given.

The assignment's hash is the SHA-256 of its canonical CSV: header ``unit,arm`` (``unit,arm,step``
for stepped wedges), one line per unit sorted by the unit's text, ``\\n`` line ends, UTF-8, no
quoting (unit ids with a comma or a line break are refused).

Scale: 100,000 units stratified by 3 columns in well under 2 s
(``benchmarks/evaluation_randomise.py``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from civiclab.evaluation.stats.types import EvaluationError, Message
from civiclab.lazy_modules import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")


class Method(StrEnum):
    SIMPLE = "simple"
    COMPLETE = "complete"
    BLOCKED = "blocked"
    STRATIFIED = "stratified"
    CLUSTER = "cluster"
    STEPPED_WEDGE = "stepped_wedge"


@dataclass
class Assignment:
    """The assignment table (``unit``, ``arm`` and, for stepped wedges, ``step``), the seed that
    reproduces it and the SHA-256 of its canonical CSV."""

    table: pd.DataFrame
    seed: int
    sha256: str
    method: Method
    arms: tuple[str, ...]
    ratio: tuple[int, ...]

    def counts(self) -> dict[str, int]:
        """Units per arm."""
        return {str(k): int(v) for k, v in self.table["arm"].value_counts().sort_index().items()}


def _refuse(code: str, template: str, **params: Any) -> EvaluationError:
    return EvaluationError(Message(code, template, params))


def assign(
    units: pd.DataFrame,
    *,
    unit: str,
    method: Method | str = Method.COMPLETE,
    arms: Sequence[str] = ("control", "treatment"),
    ratio: Sequence[int] | None = None,
    strata: Sequence[str] = (),
    cluster: str | None = None,
    block_size: int | None = None,
    steps: int | None = None,
    seed: int | None = None,
) -> Assignment:
    """Assign every row of ``units`` (one row per unit) to an arm. See the module docstring."""
    method = Method(method)
    arms = tuple(str(a) for a in arms)
    ratio = tuple(int(r) for r in (ratio if ratio is not None else [1] * len(arms)))
    _check_arguments(units, unit, method, arms, ratio, strata, cluster, block_size, steps)
    if seed is None:
        seed = secrets.randbits(63)
    rng = np.random.Generator(np.random.PCG64(seed))
    ids = units[unit]
    step_values = None
    if method is Method.SIMPLE:
        probabilities = np.asarray(ratio, dtype=float) / sum(ratio)
        codes = rng.choice(len(arms), size=len(units), p=probabilities)
    elif method is Method.COMPLETE:
        codes = _within_groups(np.zeros(len(units), dtype=np.int64), ratio, rng)
    elif method is Method.BLOCKED:
        assert block_size is not None
        blocks = np.arange(len(units), dtype=np.int64) // block_size
        codes = _within_groups(blocks, ratio, rng)
    elif method is Method.STRATIFIED:
        codes = _within_groups(_group_codes(units, strata), ratio, rng)
    else:
        assert cluster is not None
        cluster_codes, cluster_first = _clusters(units, cluster, strata)
        if method is Method.CLUSTER:
            strata_of_cluster = (
                _group_codes(units.iloc[cluster_first], strata)
                if strata
                else np.zeros(len(cluster_first), dtype=np.int64)
            )
            codes = _within_groups(strata_of_cluster, ratio, rng)[cluster_codes]
        else:
            assert steps is not None
            step_ratio = (1,) * steps
            arms = tuple(f"step_{k}" for k in range(1, steps + 1))
            ratio = step_ratio
            step_codes = _within_groups(np.zeros(len(cluster_first), np.int64), step_ratio, rng)
            codes = step_codes[cluster_codes]
            step_values = codes + 1
    table = pd.DataFrame({"unit": ids.to_numpy(), "arm": np.asarray(arms, dtype=object)[codes]})
    if step_values is not None:
        table["step"] = step_values
    return Assignment(table, seed, assignment_sha256(table), method, arms, ratio)


def _check_arguments(
    units: pd.DataFrame,
    unit: str,
    method: Method,
    arms: tuple[str, ...],
    ratio: tuple[int, ...],
    strata: Sequence[str],
    cluster: str | None,
    block_size: int | None,
    steps: int | None,
) -> None:
    for column in (unit, *strata, *([cluster] if cluster else [])):
        if column not in units.columns:
            raise _refuse("randomise_no_column", "The table has no column {column}.", column=column)
    if len(units) == 0:
        raise _refuse("randomise_no_units", "There are no units to assign.")
    ids = units[unit]
    if ids.isna().any():
        raise _refuse(
            "randomise_missing_unit",
            "{count} rows have no unit id.",
            count=int(ids.isna().sum()),
        )
    if ids.duplicated().any():
        raise _refuse(
            "randomise_duplicate_unit",
            "Each unit must appear once; {count} ids appear more than once (e.g. {example}).",
            count=int(ids[ids.duplicated()].nunique()),
            example=str(ids[ids.duplicated()].iloc[0]),
        )
    if any("," in t or "\n" in t or "\r" in t for t in ids.astype(str).tolist()):
        raise _refuse("randomise_bad_unit_id", "Unit ids cannot contain a comma or a line break.")
    if method is not Method.STEPPED_WEDGE:
        if len(arms) < 2 or len(set(arms)) != len(arms):
            raise _refuse(
                "randomise_bad_arms", "At least two arms with different names are needed."
            )
        if len(ratio) != len(arms) or any(r < 1 for r in ratio):
            raise _refuse(
                "randomise_bad_ratio",
                "The allocation ratio needs one positive whole number per arm ({arms} arms).",
                arms=len(arms),
            )
    if method is Method.BLOCKED and (
        block_size is None or block_size < 1 or block_size % sum(ratio) != 0
    ):
        raise _refuse(
            "randomise_bad_block_size",
            "The block size must be a multiple of the allocation ratio's sum ({total}).",
            total=sum(ratio),
        )
    if method is Method.STRATIFIED and not strata:
        raise _refuse("randomise_no_strata", "Stratified assignment needs stratum columns.")
    if method in (Method.CLUSTER, Method.STEPPED_WEDGE) and not cluster:
        raise _refuse("randomise_no_cluster", "Cluster assignment needs a cluster column.")
    if method is Method.STEPPED_WEDGE and (steps is None or steps < 1):
        raise _refuse("randomise_bad_steps", "A stepped wedge needs at least one step.")


def _group_codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One integer per row naming its combination of ``columns`` (missing values included)."""
    return np.asarray(frame.groupby(list(columns), dropna=False, sort=True).ngroup(), np.int64)


def _clusters(
    units: pd.DataFrame, cluster: str, strata: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cluster number and each cluster's first row; strata must be constant within
    a cluster (they describe the cluster)."""
    codes, _ = pd.factorize(units[cluster], sort=True, use_na_sentinel=False)
    codes = np.asarray(codes, dtype=np.int64)
    if strata:
        per_cluster = units.groupby(codes)[list(strata)].nunique(dropna=False)
        if (per_cluster > 1).to_numpy().any():
            raise _refuse(
                "randomise_strata_vary_in_cluster",
                "A stratum column varies within a cluster: clusters are assigned whole, so "
                "their strata must describe the whole cluster.",
            )
    first = np.unique(codes, return_index=True)[1]
    return codes, first


def _within_groups(groups: np.ndarray, ratio: tuple[int, ...], rng: np.random.Generator) -> Any:
    """Complete randomisation within each group: units are put in random order and dealt a
    pattern holding the ratio once (e.g. 2:1 → [0, 0, 1]), itself shuffled per group, so each
    full cycle holds the exact ratio and the remainder falls to arms drawn at random."""
    n = len(groups)
    pattern = np.repeat(np.arange(len(ratio), dtype=np.int64), ratio)
    cycle = len(pattern)
    keys = rng.random(n)
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    group_index = np.cumsum(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]) - 1
    rank = np.arange(n) - starts[group_index]
    patterns = rng.permuted(np.tile(pattern, (len(starts), 1)), axis=1)
    codes = np.empty(n, dtype=np.int64)
    codes[order] = patterns[group_index, rank % cycle]
    return codes


def canonical_csv(table: pd.DataFrame) -> str:
    """The assignment as the text its hash is taken of (see the module docstring)."""
    columns = ["unit", "arm", *(["step"] if "step" in table.columns else [])]
    cells = [table[c].astype(str).tolist() for c in columns]
    rows = sorted(zip(*cells, strict=True))
    return ",".join(columns) + "\n" + "".join(",".join(row) + "\n" for row in rows)


def assignment_sha256(table: pd.DataFrame) -> str:
    """SHA-256 (hex) of the canonical CSV of an assignment table."""
    return hashlib.sha256(canonical_csv(table).encode("utf-8")).hexdigest()
