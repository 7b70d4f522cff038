"""The router's shared pre-flight and its dispatch by design."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from civiclab.evaluation.stats import router
from civiclab.evaluation.stats.types import AnalysisSpec, Columns, Design, EvaluationError


def table(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(rows // 2), 2),
            "year": np.tile([2023, 2025], rows // 2),
            "y": rng.normal(size=rows),
            "on": np.tile([0, 1], rows // 2),
        }
    )


def pre_post() -> AnalysisSpec:
    return AnalysisSpec(Design.PRE_POST, Columns("y", "unit", time="year"), intervention_time=2024)


def refused_code(data: pd.DataFrame, spec: AnalysisSpec) -> tuple[str, dict[str, object]]:
    with pytest.raises(EvaluationError) as refused:
        router.analyse(data, spec)
    return refused.value.message.code, refused.value.message.params


def test_dispatches_by_design() -> None:
    estimate = router.analyse(table(), pre_post())
    assert estimate.design == Design.PRE_POST and estimate.estimator == "paired_t"


def test_missing_outcomes_are_refused_with_their_count() -> None:
    data = table()
    data.loc[[1, 5, 7], "y"] = np.nan
    code, params = refused_code(data, pre_post())
    assert code == "missing_outcomes" and params == {"rows": 3, "total": 40}


def test_columns_the_design_needs() -> None:
    spec = AnalysisSpec(Design.DID, Columns("y", "unit", time="year"))
    assert refused_code(table(), spec)[0] == "column_not_chosen"
    spec = AnalysisSpec(Design.DID, Columns("y", "unit", time="year", treated="nope"))
    assert refused_code(table(), spec) == ("missing_columns", {"columns": "nope"})


def test_no_variation_and_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused_code(table().assign(y=2.0), pre_post())[0] == "no_variation"
    monkeypatch.setattr(router, "MAX_ROWS", 10)
    assert refused_code(table(), pre_post()) == ("too_many_rows", {"rows": 40, "limit": 10})


def test_every_design_has_a_module_and_its_requirements() -> None:
    assert set(router.MODULES) == set(Design) == set(router.REQUIRED)


@pytest.mark.skipif(
    importlib.util.find_spec("civiclab.evaluation.stats.rct") is None,
    reason="rct.py is another part of issue 12",
)
def test_rct_dispatch() -> None:
    data = table().assign(unit=np.arange(40))  # a trial's table: one row per unit
    estimate = router.analyse(data, AnalysisSpec(Design.RCT, Columns("y", "unit", treated="on")))
    assert estimate.design == Design.RCT
