"""``civiclab evaluate``: a plan from JSON (registered, locked), power, randomise, analyse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civiclab.audit.models import AuditEvent
from civiclab.evaluation.management.commands.evaluate import Command
from civiclab.evaluation.models import EvaluationPlan
from tests.evaluation.helpers import dataset_of, solution_of
from tests.world import World

pytestmark = pytest.mark.django_db


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    call_command("evaluate", *args, "--json")
    return json.loads(capsys.readouterr().out)


def test_a_plan_file_is_registered_and_locked(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a plan as JSON naming a solution by title WHEN `evaluate plan.json --lock` runs
    THEN the plan is made and locked by the command line, and its SHA-256 printed."""
    solution = solution_of(world)
    dataset = dataset_of(world.city, tmp_path)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({
        "solution": solution.title, "title": "Squad trial", "design": "rct",
        "question": "Faster?", "outcome_dataset": dataset.slug, "outcome_column": "days",
        "unit_column": "property", "analysis_date": "2099-12-01",
        "intervention_date": "2099-01-01", "columns": {"treated": "treated"},
    }))  # fmt: skip
    found = run_json(capsys, "plan", str(path), "--city", world.city.slug, "--lock")
    plan = EvaluationPlan.objects.get()
    assert found["locked_hash"] == plan.content_hash and plan.is_locked
    assert AuditEvent.objects.get(action="evaluation.lock").actor_label == "command line"


def test_the_plan_file_is_the_first_word(world: World, tmp_path: Path) -> None:
    """`civiclab evaluate plan.json` reads as `civiclab evaluate plan plan.json`."""
    seen: list[list[str]] = []

    class Recorder(Command):
        def execute(self, *args, **options):  # type: ignore[no-untyped-def]
            seen.append([options["action"], str(options["file"])])

    Recorder().run_from_argv(["civiclab", "evaluate", "plan.json", "--city", "a"])
    assert seen == [["plan", "plan.json"]]


def test_bad_plan_file(world: World, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("[1]")
    with pytest.raises(CommandError, match="JSON object"):
        call_command("evaluate", "plan", str(path), "--city", world.city.slug)
    with pytest.raises(CommandError, match="no city"):
        call_command("evaluate", "plan", str(path), "--city", "nowhere")


def test_power_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("civiclab.evaluation.stats.power")
    found = run_json(capsys, "power", "--n", "400", "--sd", "10")
    assert 2.5 < found["mde"] < 3.0


def test_exploratory_analysis_prints_the_estimate(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a dataset of a two-arm trial WHEN `evaluate analyse --json` runs THEN one object
    with the estimate, its SE and interval, n, design and estimator, not pre-registered."""
    for module in ("rct", "evidence", "wording"):
        pytest.importorskip(f"civiclab.evaluation.stats.{module}")
    dataset = dataset_of(world.city, tmp_path)
    found = run_json(
        capsys, "analyse", "--city", world.city.slug, "--dataset", dataset.name,
        "--design", "rct", "--outcome", "days", "--unit", "property", "--treated", "treated",
    )  # fmt: skip
    assert {"estimate", "se", "ci_low", "ci_high", "n", "design", "estimator"} <= set(found)
    assert found["label"] == "not pre-registered" and found["n"] == 40


def test_exploratory_before_and_after_with_a_date(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN outcomes dated by a date column WHEN a before/after analysis names the pilot's
    start as a date THEN it runs and is labelled weak, not pre-registered."""
    for module in ("prepost", "evidence", "wording"):
        pytest.importorskip(f"civiclab.evaluation.stats.{module}")
    dataset = dataset_of(world.city, tmp_path)
    found = run_json(
        capsys, "analyse", "--city", world.city.slug, "--dataset", dataset.slug,
        "--design", "pre_post", "--outcome", "days", "--unit", "property",
        "--time", "closed_on", "--intervention", "2027-04-01",
    )  # fmt: skip
    assert found["design"] == "pre_post" and found["strength"] == "weak"


def test_a_synthetic_control_prints_its_placebo_p_value() -> None:
    """GIVEN a synthetic-control result (no SE, no interval) WHEN the command prints it THEN
    it gives the placebo p-value and the number of peer cities, not "SE –; CI – to –"."""
    from civiclab.evaluation.management.commands.evaluate import _result_lines

    line = _result_lines({
        "design": "synthetic_control", "estimator": "synthetic_control", "estimate": -14.2,
        "se": None, "ci_low": None, "ci_high": None, "p_value": 1 / 6, "n": 6,
        "details": {"placebos": 5},
    })[0]  # fmt: skip
    assert "placebo p 0.1667 against 5 peer cities" in line
    assert "CI" not in line and "SE" not in line
