"""``civiclab evaluate``: register a plan from a JSON file, power, randomise, and analyse.

    civiclab evaluate plan.json --city SLUG [--lock] [--analyse] [--json]
    civiclab evaluate power [--evaluation ID [--from-history]] [--n N | --mde X] [--sd …] [--json]
    civiclab evaluate randomise --evaluation ID --dataset NAME --unit COL --method M … [--json]
    civiclab evaluate analyse --city SLUG --dataset NAME --design D --outcome COL --unit COL …

The first form is ``evaluate plan plan.json …``: a first word that is not a sub-command is the
plan's file. Everything runs as the command line (the operator: no permission check, the
audit log says "command line"), through the same services as the pages and the API.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from civiclab.core.errors import DomainError
from civiclab.core.management.output import ResultCommand, command_error
from civiclab.evaluation.models import EvaluationPlan
from civiclab.network.models import City

ACTIONS = ("plan", "power", "randomise", "analyse")
DESIGNS = (
    "rct", "cluster_rct", "stepped_wedge", "did", "staggered_did", "its",
    "synthetic_control", "pre_post",
)  # fmt: skip
METHODS = ("simple", "complete", "blocked", "stratified", "cluster", "stepped_wedge")
KINDS = ("continuous", "binary", "count")


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class Command(ResultCommand):
    help = (
        "Evaluations: register a plan from JSON (`evaluate plan.json --city SLUG`), power and "
        "sample size, randomise a dataset's units, analyse a dataset (exploratory)."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # `civiclab evaluate plan.json …` is `civiclab evaluate plan plan.json …`.
        if len(argv) > 2 and argv[2] not in ACTIONS and not argv[2].startswith("-"):
            argv = [*argv[:2], "plan", *argv[2:]]
        super().run_from_argv(argv)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="register a plan from a JSON file (the default)")
        plan.add_argument("file", type=Path, help="the plan: the API's create body, as JSON")
        plan.add_argument("--city", required=True, help="city slug")
        plan.add_argument("--lock", action="store_true", help="lock (pre-register) it")
        plan.add_argument(
            "--analyse", action="store_true", help="analyse it now and print the result"
        )
        plan.add_argument("--json", action="store_true", help="print the result as JSON")

        power = sub.add_parser("power", help="power, sample size or minimum detectable effect")
        power.add_argument("--evaluation", type=int, help="a plan's id (its design, outcome…)")
        power.add_argument(
            "--from-history", action="store_true", help="estimate SD and ICC from the plan's data"
        )
        power.add_argument("--design", choices=DESIGNS)
        power.add_argument("--outcome-kind", choices=KINDS)
        power.add_argument("--n", type=int, help="units in all arms (→ the MDE)")
        power.add_argument("--mde", type=float, help="effect to detect (→ the units needed)")
        power.add_argument("--sd", type=float, help="the outcome's standard deviation")
        power.add_argument("--baseline", type=float, help="yes/no outcomes: the baseline rate")
        power.add_argument("--icc", type=float, help="intraclass correlation (cluster designs)")
        power.add_argument("--cluster-size", type=float, help="units per cluster")
        power.add_argument("--cluster-cv", type=float, help="variation of cluster sizes (CV)")
        power.add_argument("--treated-share", type=float, help="share of units treated")
        power.add_argument("--alpha", type=float, help="significance level (0.05)")
        power.add_argument("--power", type=float, help="power wanted (0.8)")
        power.add_argument("--json", action="store_true", help="print the result as JSON")

        rand = sub.add_parser("randomise", help="assign a dataset's units to arms for a plan")
        rand.add_argument("--evaluation", type=int, required=True, help="the plan's id")
        rand.add_argument("--dataset", required=True, help="the units' dataset (name or slug)")
        rand.add_argument("--unit", required=True, help="the column identifying each unit")
        rand.add_argument("--method", choices=METHODS, default="complete")
        rand.add_argument("--arms", default="control,treatment", help="arms, comma-separated")
        rand.add_argument("--ratio", help="allocation ratio, e.g. 1,1 or 2,1")
        rand.add_argument("--strata", help="stratum columns, comma-separated")
        rand.add_argument("--cluster", help="the cluster column (cluster, stepped wedge)")
        rand.add_argument("--block-size", type=int)
        rand.add_argument("--steps", type=int, help="stepped wedge: the number of steps")
        rand.add_argument("--covariates", help="balance table: columns, comma-separated")
        rand.add_argument("--seed", type=int, help="default: drawn, and recorded")
        rand.add_argument("--save-as", help="the dataset the assignment is saved as")
        rand.add_argument("--json", action="store_true", help="print the result as JSON")

        run = sub.add_parser(
            "analyse", help="analyse a dataset without a plan (labelled not pre-registered)"
        )
        run.add_argument("--city", required=True, help="city slug")
        run.add_argument("--dataset", required=True, help="dataset name or slug")
        run.add_argument("--design", required=True, choices=DESIGNS)
        run.add_argument("--outcome", required=True, help="the outcome column")
        run.add_argument("--unit", required=True, help="the column identifying each unit")
        run.add_argument("--time", help="the period column (panels)")
        arm = run.add_mutually_exclusive_group()
        arm.add_argument("--treated", help="0/1 treated column")
        arm.add_argument("--arm", help="arm column (several arms)")
        run.add_argument("--control-arm", help="with --arm: the comparison arm")
        run.add_argument("--cohort", help="first treated period (staggered adoption)")
        run.add_argument("--cluster", help="the level of assignment")
        run.add_argument("--weight", help="a weight column")
        run.add_argument("--exposure", help="counts: the exposure column")
        run.add_argument("--covariates", help="adjustment columns, comma-separated")
        run.add_argument("--strata", help="randomisation strata columns, comma-separated")
        run.add_argument("--outcome-kind", choices=KINDS, default="continuous")
        run.add_argument("--intervention", help="when the intervention started (ITS, pre/post)")
        run.add_argument("--treated-unit", help="synthetic control: the treated unit")
        run.add_argument("--season", type=int, help="ITS: periods per seasonal cycle")
        run.add_argument("--lower-is-better", action="store_true")
        run.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ValidationError as exc:
            raise command_error(exc) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    # -- plan ---------------------------------------------------------------------------------
    def _plan(self, options: dict[str, Any]) -> None:
        from civiclab.evaluation.services import plans

        city = _city(options["city"])
        try:
            document = json.loads(options["file"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the plan {options['file']}: {exc}") from None
        if not isinstance(document, dict):
            raise CommandError("the plan is a JSON object (the API's create body)")
        fields = _plan_fields(city, document)
        solution = fields.pop("solution")
        title, design = fields.pop("title", ""), fields.pop("design", "")
        if not title or not design:
            raise CommandError("the plan needs a title and a design")
        plan = plans.create_plan(None, solution, title, design, **fields)
        if options["lock"] or document.get("lock"):
            plan = plans.lock_plan(None, plan)
        result: dict[str, Any] = plans.plan_document(plan)
        lines = [
            f"evaluation {plan.pk}: {plan.title} ({plan.design})",
            f"  locked: {plan.locked_at:%Y-%m-%d %H:%M}" if plan.locked_at else "  draft",
            f"  SHA-256: {result['locked_hash'] or result['content_hash']}",
        ]
        if options["analyse"]:
            found = _analyse_now(plan)
            result["result"] = found
            lines += _result_lines(found)
        self.emit(options, result, "\n".join(lines))

    # -- power --------------------------------------------------------------------------------
    def _power(self, options: dict[str, Any]) -> None:
        from civiclab.evaluation.services import power

        asked = {
            "design": options["design"], "outcome_kind": options["outcome_kind"],
            "n": options["n"], "mde": options["mde"], "sd": options["sd"],
            "baseline": options["baseline"], "icc": options["icc"],
            "cluster_size": options["cluster_size"], "cluster_cv": options["cluster_cv"],
            "treated_share": options["treated_share"], "alpha": options["alpha"],
            "power": options["power"],
        }  # fmt: skip
        if options["evaluation"]:
            plan = _plan_by_id(options["evaluation"])
            asked["from_history"] = options["from_history"]
            answer = power.plan_power(None, plan, asked)
        else:
            if options["from_history"]:
                raise CommandError("--from-history reads a plan's data: give --evaluation ID")
            answer = power.calculate({k: v for k, v in asked.items() if v is not None})
        lines = [
            f"design {answer['design']}, {answer['outcome_kind']} outcome, "
            f"alpha {answer['alpha']:g}",
            f"  units (all arms): {answer['n']:,.0f}",
            f"  minimum detectable effect: {answer['mde']:.4g}",
            f"  power: {answer['power']:.3f}",
        ]
        if answer.get("design_effect"):
            lines.append(f"  design effect: {answer['design_effect']:.3f}")
        self.emit(options, answer, "\n".join(lines))

    # -- randomise ----------------------------------------------------------------------------
    def _randomise(self, options: dict[str, Any]) -> None:
        from civiclab.evaluation.services import assignments

        plan = _plan_by_id(options["evaluation"])
        dataset = _dataset(plan.city, options["dataset"])
        ratio = [int(r) for r in _names(options["ratio"])] or None
        made = assignments.randomise(
            None, plan, dataset,
            unit_column=options["unit"], method=options["method"],
            arms=_names(options["arms"]), ratio=ratio, strata=_names(options["strata"]),
            cluster_column=options["cluster"], block_size=options["block_size"],
            steps=options["steps"], covariates=_names(options["covariates"]),
            seed=options["seed"], save_as=options["save_as"],
        )  # fmt: skip
        saved = made.saved_version
        result = {
            "assignment": made.pk,
            "method": made.method,
            "seed": made.seed,
            "sha256": made.assignment_hash,
            "counts": made.counts,
            "balance": made.balance,
            "dataset": saved.dataset.slug if saved else None,
            "version": saved.number if saved else None,
        }
        lines = [
            f"assignment {made.pk}: {made.method}, seed {made.seed}",
            f"  SHA-256: {made.assignment_hash}",
            *(f"  {arm}: {count}" for arm, count in made.counts.items()),
            f"  saved as {result['dataset']} (version {result['version']})",
        ]
        self.emit(options, result, "\n".join(lines))

    # -- analyse ------------------------------------------------------------------------------
    def _analyse(self, options: dict[str, Any]) -> None:
        from civiclab.evaluation.services.analysis import (
            analyse_dataset,
            json_safe,
            message_dict,
        )
        from civiclab.evaluation.stats.types import (
            AnalysisSpec,
            Columns,
            Design,
            OutcomeKind,
        )

        city = _city(options["city"])
        dataset = _dataset(city, options["dataset"])
        columns = Columns(
            outcome=options["outcome"], unit=options["unit"], time=options["time"],
            treated=options["treated"], arm=options["arm"], cohort=options["cohort"],
            cluster=options["cluster"], weight=options["weight"], exposure=options["exposure"],
            covariates=tuple(_names(options["covariates"])),
            strata=tuple(_names(options["strata"])),
        )  # fmt: skip
        spec = AnalysisSpec(
            design=Design(options["design"]),
            columns=columns,
            outcome_kind=OutcomeKind(options["outcome_kind"]),
            control_arm=options["control_arm"],
            intervention_time=_when(options["intervention"]),
            season_period=options["season"],
            treated_unit=options["treated_unit"],
            lower_is_better=options["lower_is_better"],
        )
        try:
            estimate, strength, sentences = analyse_dataset(None, dataset, spec)
        except (ValueError, TypeError, ArithmeticError, KeyError) as exc:
            raise CommandError(f"the analysis could not be computed: {exc}") from None
        result = {
            **json_safe(estimate.as_dict()),
            "strength": str(strength),
            "sentences": [message_dict(m) for m in sentences],
            "pre_registered": False,
            "label": "not pre-registered",
            "dataset": dataset.slug,
            "version": dataset.current_version.number if dataset.current_version else None,
        }
        self.emit(options, result, "\n".join(_result_lines(result)))


def _city(slug: str) -> City:
    city = City.objects.select_related("network").filter(slug=slug).first()
    if city is None:
        raise CommandError(f"no city with slug {slug!r}")
    return city


def _dataset(city: City, name: str) -> Any:
    from civiclab.datasets.models import Dataset

    found = (
        Dataset.objects.filter(city=city, slug=name).first()
        or Dataset.objects.filter(city=city, name=name).first()
    )
    if found is None:
        raise CommandError(f"{city.slug} has no dataset {name!r}")
    return found


def _plan_by_id(pk: int) -> EvaluationPlan:
    plan = EvaluationPlan.objects.select_related("city", "solution").filter(pk=pk).first()
    if plan is None:
        raise CommandError(f"no evaluation {pk}")
    return plan


def _when(text: str | None) -> Any:
    """An intervention time: a date, else a number, else the text (the service reads it in
    the time column's terms)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def _plan_fields(city: City, document: dict[str, Any]) -> dict[str, Any]:
    """The API's create body → the service's fields (the solution by id or title, the
    outcome's indicator and dataset by slug, dates as dates)."""
    from civiclab.evaluation.services.plans import PLAN_FIELDS
    from civiclab.indicators.models import Indicator
    from civiclab.portfolio.models import Solution

    fields = {k: v for k, v in document.items() if k not in ("lock", "visibility")}
    ref = fields.get("solution")
    solutions = Solution.objects.filter(city=city)
    solution = (
        solutions.filter(pk=ref).first()
        if isinstance(ref, int)
        else solutions.filter(title=ref).first()
    )
    if solution is None:
        raise CommandError(f"{city.slug} has no solution {ref!r} (give its id or title)")
    fields["solution"] = solution
    if fields.get("outcome_indicator"):
        found = Indicator.objects.filter(city=city, slug=fields["outcome_indicator"]).first()
        if found is None:
            raise CommandError(f"{city.slug} has no indicator {fields['outcome_indicator']!r}")
        fields["outcome_indicator"] = found
    if fields.get("outcome_dataset"):
        fields["outcome_dataset"] = _dataset(city, fields["outcome_dataset"])
    for key in ("intervention_date", "analysis_date"):
        if isinstance(fields.get(key), str):
            try:
                fields[key] = dt.date.fromisoformat(fields[key])
            except ValueError:
                raise CommandError(f"{key}: not a date (YYYY-MM-DD)") from None
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise CommandError(f"unknown fields in the plan: {', '.join(sorted(unknown))}")
    if "visibility" in document:
        fields["visibility"] = document["visibility"]
    return fields


def _analyse_now(plan: EvaluationPlan) -> dict[str, Any]:
    """Analyse in this process (the command line waits; the pages queue it)."""
    from civiclab.evaluation.models import EvaluationResult
    from civiclab.evaluation.services.analysis import request_analysis, run_result

    result = request_analysis(None, plan, queue=False)
    run_result(result.pk)
    result = EvaluationResult.objects.get(pk=result.pk)
    return {
        "id": result.pk,
        "state": result.state,
        **result.estimate,
        "strength": result.strength or None,
        "sentences": result.sentences,
        "error": result.error or None,
        "pre_registered": result.pre_registered,
        "registered_after_data": result.registered_after_data,
    }


def _result_lines(result: dict[str, Any]) -> list[str]:
    if result.get("error"):
        return [f"  refused: {result['error'].get('text', result['error'])}"]
    lines = []
    if "estimate" in result and result.get("estimator") == "synthetic_control":
        # No standard error: the placebo p-value is the inference (stats.synth).
        placebos = (result.get("details") or {}).get("placebos")
        lines.append(
            f"  {result['design']} ({result['estimator']}): {_num(result['estimate'])} "
            f"(placebo p {_num(result.get('p_value'))} against {placebos} peer cities), "
            f"n = {result['n']}"
        )
    elif "estimate" in result:
        lines.append(
            f"  {result['design']} ({result['estimator']}): {_num(result['estimate'])} "
            f"(SE {_num(result['se'])}; CI {_num(result['ci_low'])} to "
            f"{_num(result['ci_high'])}; p {_num(result.get('p_value'))}), n = {result['n']}"
        )
    lines += [f"  {s.get('text', '')}" for s in result.get("sentences", [])]
    return lines


def _num(value: Any) -> str:
    return "–" if value is None else f"{value:.4g}"
