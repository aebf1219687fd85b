"""Home health benchmark instances in the UHHC JSON format, read as home health problems.

The format (Ceschia et al., CC BY 4.0) holds the Mankowska et al. (2014) instances and the
Italian real-road instances: caregivers with abilities, patients needing one or two services
(``simultaneous``, or ``sequential`` with a min/max start-to-start gap), a time window per
patient whose end is soft (each minute past it is tardiness), and a travel matrix in minutes.

Services become skills, caregivers clinicians with one open-ended shift, each required service
a visit, each double service a ``VisitLink``. The model works in integer milli-minutes
(``SCALE``), exact for the three decimals of the Mankowska distances. The benchmark objective
is (travel + total tardiness + highest tardiness) / 3, priced here from the instance's own
minutes.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from scheduler.bench.harness import OURS, Outcome, instance_names, read_reference
from scheduler.domain import (
    Clinician,
    Credential,
    Discipline,
    Horizon,
    LinkKind,
    Location,
    Patient,
    Plan,
    Problem,
    Shift,
    TimeWindow,
    TravelMatrix,
    Visit,
    VisitLink,
)
from scheduler.errors import BenchmarkError
from scheduler.solver import SolveParams, solve
from scheduler.solver.validate import validate

SCALE = 1000  # model units per minute


@dataclass(frozen=True)
class UhhcInstance:
    """An instance read as a problem, with what is needed to price and write its solutions."""

    name: str
    problem: Problem
    travel: TravelMatrix
    minutes: np.ndarray  # the instance's own travel matrix, in minutes
    row_of: dict[str, int]  # location id -> row of ``minutes``
    due: dict[str, float]  # visit id -> end of its patient's window, in minutes
    service_of: dict[str, str]  # visit id -> UHHC service id


@dataclass(frozen=True)
class UhhcCost:
    """The parts of the benchmark objective, in minutes."""

    travel: float
    total_tardiness: float
    highest_tardiness: float

    @property
    def objective(self) -> float:
        """(travel + total tardiness + highest tardiness) / 3, as in Mankowska et al."""
        return (self.travel + self.total_tardiness + self.highest_tardiness) / 3


def read_uhhc(path: Path) -> UhhcInstance:
    """Read a UHHC ``.json`` instance.

    Raises
    ------
    BenchmarkError
        When the file is missing or is not a UHHC instance.
    """
    if not path.is_file():
        raise BenchmarkError(f"UHHC instance not found: {path}")
    try:
        data = json.loads(path.read_text())
        return _instance_from(path.stem, data)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise BenchmarkError(f"{path} is not a UHHC instance: {error!r}") from error


def _instance_from(name: str, data: dict[str, Any]) -> UhhcInstance:
    """Build the problem and travel matrix of one parsed instance."""
    minutes = np.asarray(data["distances"], dtype=float)
    durations = {service["id"]: service.get("default_duration") for service in data["services"]}
    geographic = data["metadata"].get("area") is not None
    open_end = _open_end(minutes, data)
    row_of: dict[str, int] = {}
    places: dict[str, Location] = {}
    for point in data["terminal_points"]:
        row_of[point["id"]] = point["distance_matrix_index"]
        places[point["id"]] = _location(point["id"], point.get("location"), geographic=geographic)
    patients, visits, links = [], [], []
    due: dict[str, float] = {}
    service_of: dict[str, str] = {}
    for patient in data["patients"]:
        location_id = f"p:{patient['id']}"
        row_of[location_id] = patient["distance_matrix_index"]
        location = _location(location_id, patient.get("location"), geographic=geographic)
        patients.append(Patient(id=patient["id"], name=patient["id"], location=location))
        (window,) = patient["time_windows"]
        ids = []
        for required in patient["required_services"]:
            visit_id = f"{patient['id']}:{required['service']}"
            duration = required.get("duration") or durations[required["service"]]
            visits.append(
                Visit(
                    id=visit_id,
                    patient_id=patient["id"],
                    discipline=Discipline.SN,
                    duration=_units(duration),
                    windows=(TimeWindow(_units(window["start"]), open_end),),
                    due=_units(window["end"]),
                    required_skills=frozenset({required["service"]}),
                )
            )
            due[visit_id] = float(window["end"])
            service_of[visit_id] = required["service"]
            ids.append(visit_id)
        if len(ids) == 2:
            links.append(_link(ids, patient["synchronization"]))
    clinicians = tuple(
        Clinician(
            id=caregiver["id"],
            name=caregiver["id"],
            credential=Credential.RN,
            start=places[caregiver["departing_point"]],
            end=places[caregiver.get("arrival_point", caregiver["departing_point"])],
            shifts=(Shift(day=0, window=_shift_window(caregiver, open_end)),),
            skills=frozenset(caregiver["abilities"]),
        )
        for caregiver in data["caregivers"]
    )
    problem = Problem(
        Horizon(date(2026, 1, 5)), clinicians, tuple(patients), tuple(visits), links=tuple(links)
    )
    ids = sorted(row_of, key=row_of.__getitem__)
    rows = [row_of[location_id] for location_id in ids]
    units = np.rint(minutes[np.ix_(rows, rows)] * SCALE).astype(np.int64)
    travel = TravelMatrix(tuple(ids), units, units.copy())
    return UhhcInstance(name, problem, travel, minutes, row_of, due, service_of)


def _units(value: float) -> int:
    """Minutes as integer model units."""
    return round(float(value) * SCALE)


def _open_end(minutes: np.ndarray, data: dict[str, Any]) -> int:
    """A latest start no plan needs to pass: every window end, service and longest leg."""
    latest_due = max(window["end"] for p in data["patients"] for window in p["time_windows"])
    work = sum(
        required.get("duration") or 0
        for patient in data["patients"]
        for required in patient["required_services"]
    )
    return _units(latest_due + work + len(minutes) * float(minutes.max()))


def _shift_window(caregiver: dict[str, Any], open_end: int) -> TimeWindow:
    """The caregiver's working shift, or twice the open day when the instance gives none."""
    shift = caregiver.get("working_shift")
    if shift is None:
        return TimeWindow(0, 2 * open_end)
    return TimeWindow(_units(shift[0]), _units(shift[1]))


def _location(location_id: str, coordinates: list[float] | None, *, geographic: bool) -> Location:
    """A place for maps and reports; travel comes from the matrix, not from these.

    Geographic instances give longitude/latitude; the others a 100 x 100 grid, shrunk to
    valid degrees.
    """
    x, y = coordinates or (0.0, 0.0)
    if geographic:
        return Location(location_id, latitude=y, longitude=x)
    return Location(location_id, latitude=y / 100, longitude=x / 100)


def _link(ids: list[str], synchronization: dict[str, Any]) -> VisitLink:
    """The link of a double service."""
    if synchronization["type"] == "simultaneous":
        return VisitLink(ids[0], ids[1], LinkKind.SIMULTANEOUS)
    gap = synchronization["distance"]
    low, high = (gap["min"], gap["max"]) if isinstance(gap, dict) else gap
    return VisitLink(ids[0], ids[1], LinkKind.SEQUENTIAL, _units(low), _units(high))


def uhhc_params(time_limit: float, *, workers: int = 1) -> SolveParams:
    """Solver parameters for the benchmark objective: travel plus tardiness.

    Tardiness weighs three times travel: the benchmark counts it twice (in the total and in
    the highest) and a late visit pushes the visits after it late too.
    """
    return SolveParams(
        time_limit=time_limit,
        travel_weight=1,
        work_weight=0,
        lateness_weight=3,
        workers=workers,
    )


def price_plan(instance: UhhcInstance, plan: Plan) -> UhhcCost:
    """The benchmark objective of ``plan``, from the instance's own minutes."""
    clinicians = instance.problem.clinician_by_id
    travel = 0.0
    lateness = []
    for route in plan.routes:
        clinician = clinicians[route.clinician_id]
        places = [clinician.start.id]
        places += [f"p:{stop.patient_id}" for stop in route.stops]
        places.append(clinician.end_location.id)
        rows = [instance.row_of[place] for place in places]
        travel += float(sum(instance.minutes[a, b] for a, b in itertools.pairwise(rows)))
        for stop in route.stops:
            lateness.append(max(0.0, stop.start / SCALE - instance.due[stop.visit_id]))
    return UhhcCost(travel, sum(lateness), max(lateness, default=0.0))


def solution_json(instance: UhhcInstance, plan: Plan) -> dict[str, Any]:
    """The plan as a UHHC solution: each caregiver's locations with arrival and departure.

    ``arrival_time`` is when the service starts (after any wait), as the UHHC validator reads
    it; ``departure_time`` when it ends.
    """
    return {
        "instance": instance.name,
        "routes": [
            {
                "caregiver_id": route.clinician_id,
                "locations": [
                    {
                        "patient": stop.patient_id,
                        "service": instance.service_of[stop.visit_id],
                        "arrival_time": stop.start / SCALE,
                        "departure_time": stop.end / SCALE,
                    }
                    for stop in route.stops
                ],
            }
            for route in plan.routes
        ],
    }


def write_solution(instance: UhhcInstance, plan: Plan, path: Path) -> None:
    """Write ``plan`` as a UHHC solution JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(solution_json(instance, plan), indent=1))


def read_best_found(directory: Path) -> dict[str, float]:
    """Best found objective by instance name (file stem), from ``reference.csv``."""
    return {
        Path(row["instance"]).stem: float(row["best_found"]) for row in read_reference(directory)
    }


@dataclass(frozen=True)
class UhhcSet:
    """The UHHC instances of ``directory`` as a benchmark set, costs in objective minutes.

    Best known values come from ``reference.csv`` when the directory has one (the Mankowska
    set); the Italian set has none. With ``solutions`` set, each answer is also written there
    as a UHHC solution file.
    """

    directory: Path
    title: str = "UHHC"
    workers: int = 1
    solutions: Path | None = None
    solvers: ClassVar[tuple[str, ...]] = (OURS,)

    def list_instances(self) -> list[str]:
        """Names of the ``.json`` instances, sorted."""
        return instance_names(self.directory, "*.json", title=self.title)

    @cached_property
    def _reference(self) -> dict[str, float]:
        if not (self.directory / "reference.csv").is_file():
            return {}
        return read_best_found(self.directory)

    def best_known(self, name: str) -> float | None:
        """The best found objective of ``name``, if the set has a reference."""
        return self._reference.get(name)

    def solve(self, name: str, *, solver: str, time_limit: float, seed: int) -> Outcome:
        """Solve one instance; feasible when every service is made and the plan validates."""
        instance = read_uhhc(self.directory / f"{name}.json")
        plan = solve(
            instance.problem, instance.travel, uhhc_params(time_limit, workers=self.workers)
        ).plan
        feasible = not plan.unassigned and not validate(instance.problem, plan, instance.travel)
        if self.solutions is not None:
            write_solution(instance, plan, self.solutions / f"{name}.solution.json")
        cost = price_plan(instance, plan)
        parts = {
            "travel": round(cost.travel, 3),
            "total_tardiness": round(cost.total_tardiness, 3),
            "highest_tardiness": round(cost.highest_tardiness, 3),
            "routes": len(plan.routes),
        }
        return Outcome(round(cost.objective, 3), feasible, parts)


def read_families(directory: Path) -> dict[str, str]:
    """Family letter (A..G) by instance name, from the labels of ``reference.csv``."""
    return {Path(row["instance"]).stem: row["label"][0] for row in read_reference(directory)}
