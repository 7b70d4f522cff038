"""Callaway–Sant'Anna against R ``did`` 2.5.0 on ``mpdta`` (tests/data/did-mpdta-r-did-2.5.0,
see its SOURCE.md): every ATT(g, t), every aggregation and their analytic standard errors, in
four scenarios, to 1e-4 relative."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from civiclab.evaluation.stats import staggered
from civiclab.evaluation.stats.types import (
    AnalysisSpec,
    Columns,
    Design,
    EvaluationError,
)

DATA = Path(__file__).parents[1] / "data" / "did-mpdta-r-did-2.5.0"
SCENARIOS = {
    "mpdta_nev_dr": {"control_group": "never_treated", "est_method": "dr"},
    "mpdta_nyt_dr": {"control_group": "not_yet_treated", "est_method": "dr"},
    "mpdta_nev_reg_cov": {"control_group": "never_treated", "est_method": "reg", "cov": True},
    "mpdta_nev_ipw": {"control_group": "never_treated", "est_method": "ipw"},
}
RTOL = 1e-4


def spec(**kwargs: Any) -> AnalysisSpec:
    columns = Columns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
    return AnalysisSpec(design=Design.STAGGERED_DID, columns=columns, **kwargs)


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def results(mpdta: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each scenario's ATT(g, t) and aggregations, labelled in years (and event time)."""
    columns = Columns(
        outcome="lemp",
        unit="countyreal",
        time="year",
        cohort="first.treat",
        covariates=("lpop",),
    )
    frame, labels = staggered._prepare(mpdta, AnalysisSpec(Design.STAGGERED_DID, columns))
    out = {}
    for name, options in SCENARIOS.items():
        result = staggered.callaway_santanna(
            frame,
            control_group=str(options["control_group"]),
            est_method=str(options["est_method"]),
            covariates=["_x0"] if options.get("cov") else None,
        )
        year = {k + 1: label for k, label in enumerate(labels)}
        result["att_gt"] = [
            {**row, "group": year[row["group"]], "t": year[row["t"]]} for row in result["att_gt"]
        ]
        for kind in ("group", "calendar"):
            for row in result["aggregations"][kind]["by"]:
                row["e"] = year[row["e"]]
        out[name] = result
    return out


def close(actual: float, expected: float) -> bool:
    return actual == pytest.approx(expected, rel=RTOL, abs=1e-12)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_att_gt_matches_r_did(scenario: str, results: dict[str, Any]) -> None:
    ref = pd.read_csv(DATA / "ref_attgt.csv").query("scenario == @scenario")
    ours = {(row["group"], row["t"]): row for row in results[scenario]["att_gt"]}
    assert len(ours) == len(ref) == 12
    for row in ref.itertuples():
        mine = ours[(row.group, row.t)]
        assert close(mine["att"], row.att), (row.group, row.t)
        assert close(mine["se"], row.se), (row.group, row.t)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_aggregation_matches_r_did(scenario: str, results: dict[str, Any]) -> None:
    ref = pd.read_csv(DATA / "ref_aggte.csv").query("scenario == @scenario")
    aggregations = results[scenario]["aggregations"]
    for kind, rows in ref.groupby("type"):
        agg = aggregations[kind]
        assert close(agg["att"], rows["overall_att"].iloc[0]), kind
        assert close(agg["se"], rows["overall_se"].iloc[0]), kind
        if kind == "simple":
            continue
        ours = {row["e"]: row for row in agg["by"]}
        assert len(ours) == len(rows)
        for row in rows.itertuples():
            assert close(ours[int(row.egt)]["att"], row.att_egt), (kind, row.egt)
            assert close(ours[int(row.egt)]["se"], row.se_egt), (kind, row.egt)


def test_analyse_reports_the_simple_att_with_checks_and_a_benchmark(mpdta: pd.DataFrame) -> None:
    estimate = staggered.analyse(mpdta, spec())
    assert close(estimate.estimate, -0.0399512751551763)
    assert close(estimate.se, 0.0120340127701854)
    assert estimate.ci_low < estimate.estimate < estimate.ci_high < 0
    assert estimate.n == 500 and estimate.n_obs == 2500
    assert [p["period"] for p in estimate.chart["points"]] == [-3, -2, -1, 0, 1, 2, 3]
    assert estimate.details["att_gt"][0]["group"] == 2004
    assert estimate.checks[0].code == "pre_trends" and estimate.checks[0].passed
    assert "twfe_benchmark" in estimate.details
    assert [w.code for w in estimate.warnings] == ["twfe_benchmark_only"]
    not_yet = staggered.analyse(mpdta, spec(control_group="not_yet_treated"))
    assert close(not_yet.estimate, -0.0397636256230437)


def test_covariates_and_a_cluster_column_reach_csdid(mpdta: pd.DataFrame) -> None:
    columns = Columns(
        outcome="lemp",
        unit="countyreal",
        time="year",
        cohort="first.treat",
        covariates=("lpop",),
        cluster="countyreal",
    )
    estimate = staggered.analyse(mpdta, AnalysisSpec(Design.STAGGERED_DID, columns))
    ref = pd.read_csv(DATA / "ref_attgt.csv").query("scenario == 'mpdta_nev_dr'")
    assert not close(estimate.estimate, -0.0399512751551763)  # lpop changes the DR estimate
    assert len(estimate.details["att_gt"]) == len(ref)


def test_a_treatment_column_gives_the_same_cohorts(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(
        on=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(int)
    )
    columns = Columns(outcome="lemp", unit="countyreal", time="year", treated="on")
    estimate = staggered.analyse(data, AnalysisSpec(Design.STAGGERED_DID, columns))
    assert close(estimate.estimate, -0.0399512751551763)


def test_a_cohort_without_a_pre_period_is_refused_by_name(mpdta: pd.DataFrame) -> None:
    data = mpdta.copy()
    data.loc[data["countyreal"] == data["countyreal"].iloc[0], "first.treat"] = 2003
    with pytest.raises(EvaluationError) as refused:
        staggered.analyse(data, spec())
    assert refused.value.message.code == "cohort_without_pre_period"
    assert refused.value.message.params["cohort"] == 2003


def test_without_never_treated_units_never_treated_controls_are_refused(
    mpdta: pd.DataFrame,
) -> None:
    treated = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(EvaluationError) as refused:
        staggered.analyse(treated, spec())
    assert refused.value.message.code == "no_untreated"
