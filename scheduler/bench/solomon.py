"""Solomon VRPTW instances as home health problems (CVRPLIB / DIMACS convention).

Each arc's Euclidean length is truncated to one decimal, so the model works in integer
tenths: travel time equals distance, and windows and service times are scaled by ten.
Vehicles become clinicians sharing the depot as home; demand becomes visit points and the
vehicle capacity the daily points cap. ``SolomonSet`` runs the set in the benchmark harness,
by our solver and by the peers on the same matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np
import vrplib

from scheduler.bench.harness import OURS, Outcome, instance_names, read_reference, search_gain_pct
from scheduler.bench.peers import PEERS, solve_with_peer
from scheduler.domain import (
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Problem,
    Shift,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from scheduler.errors import BenchmarkError
from scheduler.solver import SolveParams, solve
from scheduler.solver.validate import validate

SCALE = 10  # integer tenths


def read_solomon(path: Path) -> tuple[Problem, TravelMatrix]:
    """Read a Solomon ``.txt`` instance as a one-day problem and its travel matrix."""
    if not path.is_file():
        raise BenchmarkError(f"Solomon instance not found: {path}")
    data = vrplib.read_instance(str(path), instance_format="solomon")
    coords = np.asarray(data["node_coord"], dtype=float)
    windows = np.asarray(data["time_window"], dtype=np.int64) * SCALE
    service = np.asarray(data["service_time"], dtype=np.int64) * SCALE
    demand = np.asarray(data["demand"], dtype=np.int64)
    deltas = coords[:, None, :] - coords[None, :, :]
    tenths = np.floor(SCALE * np.hypot(deltas[..., 0], deltas[..., 1]) + 1e-9).astype(np.int64)
    locations = [
        Location(f"n{node}", latitude=y / 100, longitude=x / 100)
        for node, (x, y) in enumerate(coords)
    ]
    depot = locations[0]
    shift = Shift(day=0, window=TimeWindow(int(windows[0, 0]), int(windows[0, 1])))
    clinicians = tuple(
        Clinician(
            id=f"vehicle-{number + 1}",
            name=f"Vehicle {number + 1}",
            credential=Credential.RN,
            start=depot,
            shifts=(shift,),
            max_points_per_day=int(data["capacity"]),
        )
        for number in range(int(data["vehicles"]))
    )
    patients = tuple(
        Patient(id=f"c{node}", name=f"Customer {node}", location=locations[node])
        for node in range(1, len(locations))
    )
    visits = tuple(
        Visit(
            id=f"v{node}",
            patient_id=f"c{node}",
            discipline=Discipline.SN,
            duration=int(service[node]),
            windows=(TimeWindow(int(windows[node, 0]), int(windows[node, 1])),),
            points=int(demand[node]),
        )
        for node in range(1, len(locations))
    )
    problem = Problem(Horizon(date(2026, 1, 5)), clinicians, patients, visits)
    travel = TravelMatrix(tuple(location.id for location in locations), tenths, tenths.copy())
    return problem, travel


def solomon_params(time_limit: float, *, workers: int = 1, seed: int = 0) -> SolveParams:
    """Solver parameters for the benchmark objective: total distance only.

    PyVRP finds the first routes in 70 % of the time (its relaxation is exact here: windows,
    durations, capacity); Savings builds them if it cannot (one shared depot, one class of
    vehicle).
    """
    return SolveParams(
        time_limit=time_limit,
        travel_weight=1,
        work_weight=0,
        first_solution="SAVINGS",
        workers=workers,
        pyvrp_share=0.7,
        seed=seed,
    )


def read_best_known(directory: Path) -> dict[str, float]:
    """Best known distances by instance name, from ``reference.csv``."""
    return {row["instance"]: float(row["best_known_distance"]) for row in read_reference(directory)}


@dataclass(frozen=True)
class SolomonSet:
    """The Solomon instances of ``directory`` as a benchmark set, costs in distance units.

    ``workers`` search processes run per instance for our solver (1 for comparisons with the
    one-thread peers). The seed drives our PyVRP first routes and PyVRP itself; VROOM takes
    none, so its repeats over seeds measure the spread that wall-clock limits leave.
    """

    directory: Path
    workers: int = 1
    title: ClassVar[str] = "Solomon"
    solvers: ClassVar[tuple[str, ...]] = (OURS, *PEERS)

    def list_instances(self) -> list[str]:
        """Names of the ``.txt`` instances, sorted."""
        return instance_names(self.directory, "*.txt", title=self.title)

    @cached_property
    def _best_known(self) -> dict[str, float]:
        return read_best_known(self.directory)

    def best_known(self, name: str) -> float | None:
        """The best known distance of ``name`` from ``reference.csv``, if listed."""
        return self._best_known.get(name)

    def solve(self, name: str, *, solver: str, time_limit: float, seed: int) -> Outcome:
        """Solve one instance; feasible when every customer is served and the plan validates."""
        problem, travel = read_solomon(self.directory / f"{name}.txt")
        parts: dict[str, float] = {}
        if solver == OURS:
            params = solomon_params(time_limit, workers=self.workers, seed=seed)
            result = solve(problem, travel, params)
            plan = result.plan
            parts = search_gain(result.first_objective, result.objective)
        else:
            plan = solve_with_peer(solver, problem, travel, time_limit=time_limit, seed=seed)
        feasible = not plan.unassigned and not validate(problem, plan, travel)
        parts["routes"] = len(plan.routes)
        return Outcome(plan.kpis.travel_seconds / SCALE, feasible, parts)


def search_gain(first: int | None, final: int | None) -> dict[str, float]:
    """The first routes' distance and how much (%) the OR-Tools search took off it.

    The objective is distance in tenths while every customer is served; empty when either
    objective is unknown.
    """
    gain = search_gain_pct(first, final)
    if first is None or gain is None:
        return {}
    return {"first_routes": first / SCALE, "search_gain_pct": gain}
