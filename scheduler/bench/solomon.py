"""Solomon VRPTW instances as home health problems (CVRPLIB / DIMACS convention).

Each arc's Euclidean length is truncated to one decimal, so the model works in integer
tenths: travel time equals distance, and windows and service times are scaled by ten.
Vehicles become clinicians sharing the depot as home; demand becomes visit points and the
vehicle capacity the daily points cap.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import vrplib

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
from scheduler.solver import SolveParams

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


def solomon_params(time_limit: float, *, workers: int = 1) -> SolveParams:
    """Solver parameters for the benchmark objective: total distance only.

    Savings builds the best first routes on these instances (one shared depot, one class of
    vehicle).
    """
    return SolveParams(
        time_limit=time_limit,
        travel_weight=1,
        work_weight=0,
        first_solution="SAVINGS",
        workers=workers,
    )


def read_best_known(directory: Path) -> dict[str, float]:
    """Best known distances by instance name, from ``reference.csv``."""
    path = directory / "reference.csv"
    if not path.is_file():
        raise BenchmarkError(f"no reference.csv in {directory}")
    with path.open(newline="") as handle:
        return {
            row["instance"]: float(row["best_known_distance"]) for row in csv.DictReader(handle)
        }
