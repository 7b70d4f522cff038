"""Assignment to arms: reproducible from the seed, exact shares, strata, clusters, stepped
wedges, and the canonical hash (pure: no database)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from civiclab.evaluation.stats.balance import balance_table
from civiclab.evaluation.stats.randomise import Method, assign, canonical_csv
from civiclab.evaluation.stats.types import EvaluationError


def properties(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "parcel": [f"P{i:05d}" for i in range(n)],
            "district": rng.choice(["1", "2", "3", "4", "5", "6", "7"], n),
            "vacant": rng.integers(0, 2, n),
            "block": rng.integers(0, 40, n),
            "value": rng.normal(100, 20, n),
        }
    )


def test_same_seed_same_assignment_and_hash() -> None:
    units = properties()
    first = assign(units, unit="parcel", method=Method.STRATIFIED, strata=("district",), seed=7)
    again = assign(units, unit="parcel", method=Method.STRATIFIED, strata=("district",), seed=7)
    other = assign(units, unit="parcel", method=Method.STRATIFIED, strata=("district",), seed=8)
    assert first.sha256 == again.sha256 and first.table.equals(again.table)
    assert first.sha256 != other.sha256
    assert len(first.sha256) == 64 and first.seed == 7


def test_a_seed_is_drawn_and_recorded() -> None:
    units = properties(50)
    result = assign(units, unit="parcel")
    assert assign(units, unit="parcel", seed=result.seed).sha256 == result.sha256


def test_hash_is_of_the_canonical_csv() -> None:
    """The hash is SHA-256 of ``unit,arm`` lines sorted by unit, so row order does not
    matter and anyone can recompute it."""
    table = pd.DataFrame({"unit": ["b", "a", "c"], "arm": ["control", "treatment", "control"]})
    text = "unit,arm\na,treatment\nb,control\nc,control\n"
    assert canonical_csv(table) == text
    result = assign(pd.DataFrame({"id": ["b", "a", "c"]}), unit="id", seed=1)
    expected = "unit,arm\n" + "".join(
        f"{u},{a}\n" for u, a in sorted(zip(result.table["unit"], result.table["arm"], strict=True))
    )
    assert result.sha256 == hashlib.sha256(expected.encode()).hexdigest()


def test_complete_and_unequal_ratio_are_exact() -> None:
    result = assign(properties(300), unit="parcel", ratio=(1, 2), seed=3)
    assert result.counts() == {"control": 100, "treatment": 200}
    three = assign(properties(301), unit="parcel", arms=("a", "b", "c"), seed=3)
    assert sorted(three.counts().values()) == [100, 100, 101]


def test_simple_is_bernoulli() -> None:
    counts = assign(properties(400), unit="parcel", method=Method.SIMPLE, seed=3).counts()
    assert sum(counts.values()) == 400 and counts["control"] != 200


def test_stratified_is_balanced_within_every_stratum() -> None:
    units = properties()
    result = assign(
        units, unit="parcel", method=Method.STRATIFIED, strata=("district", "vacant"), seed=11
    )
    joined = units.merge(result.table, left_on="parcel", right_on="unit")
    per_stratum = joined.groupby(["district", "vacant"])["arm"].value_counts().unstack(fill_value=0)
    assert (abs(per_stratum["control"] - per_stratum["treatment"]) <= 1).all()


def test_blocked_holds_the_ratio_in_each_block() -> None:
    result = assign(properties(100), unit="parcel", method=Method.BLOCKED, block_size=4, seed=5)
    arms = result.table["arm"].to_numpy()
    for start in range(0, 100, 4):
        assert sorted(arms[start : start + 4]) == ["control"] * 2 + ["treatment"] * 2


def test_cluster_units_inherit_their_cluster_arm() -> None:
    units = properties()
    result = assign(units, unit="parcel", method=Method.CLUSTER, cluster="block", seed=2)
    joined = units.merge(result.table, left_on="parcel", right_on="unit")
    assert (joined.groupby("block")["arm"].nunique() == 1).all()
    per_cluster = joined.groupby("block")["arm"].first().value_counts()
    assert per_cluster["control"] == per_cluster["treatment"] == 20


def test_stepped_wedge_schedules_clusters_in_steps() -> None:
    units = properties()
    result = assign(
        units, unit="parcel", method=Method.STEPPED_WEDGE, cluster="block", steps=4, seed=2
    )
    joined = units.merge(result.table, left_on="parcel", right_on="unit")
    steps = joined.groupby("block")["step"].agg(["nunique", "first"])
    assert (steps["nunique"] == 1).all()
    assert sorted(steps["first"].value_counts().tolist()) == [10, 10, 10, 10]
    assert canonical_csv(result.table).startswith("unit,arm,step\n")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"method": Method.STRATIFIED}, "randomise_no_strata"),
        ({"method": Method.CLUSTER}, "randomise_no_cluster"),
        ({"method": Method.BLOCKED, "block_size": 3}, "randomise_bad_block_size"),
        ({"arms": ("a",)}, "randomise_bad_arms"),
        ({"ratio": (1, 0)}, "randomise_bad_ratio"),
        ({"strata": ("nope",), "method": Method.STRATIFIED}, "randomise_no_column"),
        ({"method": Method.CLUSTER, "cluster": "block", "strata": ("district",)},
         "randomise_strata_vary_in_cluster"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        assign(properties(), unit="parcel", seed=1, **kwargs)  # type: ignore[arg-type]
    assert caught.value.message.code == code


def test_duplicate_units_are_refused() -> None:
    units = pd.concat([properties(10), properties(10).head(2)])
    with pytest.raises(EvaluationError) as caught:
        assign(units, unit="parcel", seed=1)
    assert caught.value.message.code == "randomise_duplicate_unit"


def test_balance_table_smd_and_flags() -> None:
    """SMD = (m₁ − m₀)/√((s₁² + s₀²)/2); a categorical level's SMD uses p(1 − p)."""
    data = pd.DataFrame(
        {
            "arm": ["c", "c", "c", "c", "t", "t", "t", "t"],
            "value": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0],
            "kind": ["a", "a", "b", "b", "a", "b", "b", "b"],
        }
    )
    rows = balance_table(data, arm="arm", covariates=("value", "kind"), control_arm="c")
    value = rows[0]
    assert value.difference == pytest.approx(1.0)
    assert value.smd == pytest.approx(1.0 / np.sqrt((5 / 3 + 5 / 3) / 2))
    assert value.flagged
    level_b = next(r for r in rows if r.level == "b")
    assert level_b.difference == pytest.approx(0.25)
    assert level_b.smd == pytest.approx(0.25 / np.sqrt((0.75 * 0.25 + 0.5 * 0.5) / 2))


def test_balance_of_a_stratified_assignment_is_good() -> None:
    units = properties(2000)
    result = assign(units, unit="parcel", method=Method.STRATIFIED, strata=("district",), seed=9)
    joined = units.merge(result.table, left_on="parcel", right_on="unit")
    rows = balance_table(joined, arm="arm", covariates=("district",), control_arm="control")
    assert not any(r.flagged for r in rows)
    assert max(abs(r.difference) for r in rows) < 0.005
