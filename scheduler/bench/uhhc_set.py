"""UHHC instance folders as benchmark sets: solve, price by the format, check officially.

Each answer is written as a UHHC solution with its cost components; with a validator
executable the official validator checks it, and the outcome holds its verdict and total
next to ours. The cost is the format's weighted total, except for the Mankowska objective
(travel plus total and highest tardiness, each weight 1), which the literature and
``reference.csv`` state divided by 3.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from scheduler.bench.harness import (
    OURS,
    Outcome,
    instance_names,
    read_reference,
    search_gain_pct,
)
from scheduler.bench.uhhc import UhhcInstance, read_uhhc
from scheduler.bench.uhhc_costs import COMPONENTS, price_solution
from scheduler.bench.uhhc_infeasible import unmeetable_caregiver
from scheduler.bench.uhhc_solution import solution_json, with_cost_components, write_solution
from scheduler.bench.uhhc_validator import run_validator
from scheduler.domain import Plan
from scheduler.solver import SolveParams, solve
from scheduler.solver.validate import validate

FAMILIES = {
    "generated": "uhhc-generated",
    "mankowska": "mankowska",
    "kummer": "uhhc-kummer",
    "italian": "uhhc-italian",
}
BRKGA_MEAN = "brkga_mpipr_mean15"  # the reference BRKGA's mean objective over 15 runs
MATCH_TOLERANCE = 1e-6  # relative: the validator adds floats in its own order


def set_directory(name: str, benchmarks: Path) -> Path:
    """The folder of a named family (``generated``, ``mankowska``, ...) or a given folder."""
    return benchmarks / FAMILIES[name] if name in FAMILIES else Path(name)


def read_reference_column(directory: Path, column: str) -> dict[str, float]:
    """A number of ``reference.csv`` by instance name (file stem), where the row has it."""
    return {
        Path(row["instance"]).stem: float(row[column])
        for row in read_reference(directory)
        if row.get(column)
    }


def read_families(directory: Path) -> dict[str, str]:
    """Family letter (A..G) by instance name, from the labels of ``reference.csv`` (if any)."""
    return {
        Path(row["instance"]).stem: row["label"][0]
        for row in read_reference(directory)
        if row.get("label")
    }


def objective(instance: UhhcInstance, total: float) -> float:
    """The benchmark objective from the format's total (the Mankowska one divided by 3)."""
    return total / 3 if instance.weights.is_mankowska else total


def uhhc_params(instance: UhhcInstance, time_limit: float, *, workers: int = 1) -> SolveParams:
    """Solver weights from the instance's cost components, per model unit.

    Tardiness weighs its total weight plus twice its highest weight (a late visit pushes
    the visits after it late too: 3 for the Mankowska objective); waiting is the product's
    waiting cost at its weight, workload balance its balance cost at twice its weight (the
    work above the mean is half the distances to it); each count
    (preference missed, optional patient left) costs its weight in minutes.
    """
    weights, per_count = instance.weights, instance.scale
    return SolveParams(
        time_limit=time_limit,
        travel_weight=weights.solver_weight("travel_time"),
        work_weight=0,
        lateness_weight=weights.solver_weight("total_tardiness")
        + 2 * weights.solver_weight("highest_tardiness"),
        overtime_weight=weights.solver_weight("total_extra_time"),
        waiting_weight=weights.solver_weight("total_waiting_time"),
        balance_weight=2 * weights.solver_weight("workload_balance"),
        preference_penalty=weights.solver_weight("caregiver_preferences") * per_count,
        # priority 2 for a single visit, 1 for each of a pair: the weight per patient
        optional_penalty=-(-weights.solver_weight("optional_patients") * per_count // 2),
        required_penalty=10**12,
        workers=workers,
    )


@dataclass(frozen=True)
class UhhcSet:
    """The UHHC instances of ``directory`` as a benchmark set.

    Best known values come from ``reference.csv`` when the directory has one (the Mankowska
    set). With ``solutions`` set, each answer is written there; with ``validator`` (the
    ``uhhc-toolbox`` executable) each answer is checked by the official validator.
    """

    directory: Path
    title: str = "UHHC"
    workers: int = 1
    solutions: Path | None = None
    validator: Path | None = None
    solvers: ClassVar[tuple[str, ...]] = (OURS,)

    def list_instances(self) -> list[str]:
        """Names of the ``.json`` instances, sorted."""
        return instance_names(self.directory, "*.json", title=self.title)

    def _reference(self, column: str) -> dict[str, float]:
        if not (self.directory / "reference.csv").is_file():
            return {}
        return read_reference_column(self.directory, column)

    @cached_property
    def _best_found(self) -> dict[str, float]:
        return self._reference("best_found")

    @cached_property
    def _brkga_mean(self) -> dict[str, float]:
        return self._reference(BRKGA_MEAN)

    def best_known(self, name: str) -> float | None:
        """The best found objective of ``name``, if the set has a reference."""
        return self._best_found.get(name)

    def solve(self, name: str, *, solver: str, time_limit: float, seed: int) -> Outcome:
        """Solve one instance and judge the plan (see ``judge``).

        The outcome holds how much the OR-Tools search took off its first routes and, where
        ``reference.csv`` gives the reference BRKGA's mean over 15 runs (Mankowska), that
        mean and our gap to it.
        """
        instance = read_uhhc(self.directory / f"{name}.json")
        params = uhhc_params(instance, time_limit, workers=self.workers)
        result = solve(instance.problem, instance.travel, params)
        outcome = self.judge(instance, result.plan)
        parts = dict(outcome.parts)
        gain = search_gain_pct(result.first_objective, result.objective)
        if gain is not None:
            parts["search_gain_pct"] = gain
        brkga = self._brkga_mean.get(name)
        if brkga is not None:
            parts["brkga_mean15"] = brkga
            parts["gap_brkga_mean_pct"] = round(100 * (outcome.cost - brkga) / brkga, 2)
        return Outcome(outcome.cost, outcome.feasible, parts)

    def judge(self, instance: UhhcInstance, plan: Plan) -> Outcome:
        """Price a plan by the format, write it, and have it checked.

        Feasible when every required service is made, our validator finds nothing and (when
        run) the official validator accepts the solution. ``no_valid_solution`` says the
        instance is proven to have none (``uhhc_infeasible.py``).
        """
        solution = solution_json(instance, plan)
        values = price_solution(instance.data, solution)
        total = instance.weights.total(values)
        solution = with_cost_components(solution, values)
        required_left = [
            left
            for left in plan.unassigned
            if not instance.problem.visit_by_id[left.visit_id].optional
        ]
        feasible = not required_left and not validate(instance.problem, plan, instance.travel)
        parts: dict[str, float] = {"total": round(total, 3), "routes": len(solution["routes"])}
        parts["no_valid_solution"] = unmeetable_caregiver(instance.data) is not None
        parts |= {name: round(values[name], 3) for name in COMPONENTS}
        with tempfile.TemporaryDirectory() as scratch:
            folder = self.solutions or Path(scratch)
            path = folder / f"{instance.name}.solution.json"
            write_solution(solution, path)
            if self.validator is not None:
                verdict = run_validator(
                    self.validator, self.directory / f"{instance.name}.json", path
                )
                feasible = feasible and verdict.valid
                parts["validator_valid"] = verdict.valid
                parts["validator_total"] = verdict.total if verdict.total is not None else -1.0
                parts["total_matches"] = verdict.total is not None and abs(
                    verdict.total - total
                ) <= MATCH_TOLERANCE * max(1.0, abs(total))
        return Outcome(round(objective(instance, total), 3), feasible, parts)
