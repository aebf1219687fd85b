"""Peer solvers, PyVRP and VROOM, on our problem and matrix; their routes become our plans.

Each peer gets the same integer travel matrix our solver gets, minimises travel alone (no
fixed cost per vehicle), runs on one thread for the same time, and may use every clinician
(vehicle). Its routes are then timed from the problem (each visit started as early as its
window allows) into a ``Plan``, so our validator checks it like one of ours: each visit once,
points (capacity), windows with durations, back by the end of the shift.

The peers come with the ``bench`` extra (``pip install -e ".[bench]"``) and are imported only
when used. They solve one-day problems with one start window per visit (VRPTW); anything
else they cannot express shows up as violations of the validator.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import timedelta
from types import ModuleType

import numpy as np

from scheduler.domain import (
    Plan,
    Problem,
    ReasonCode,
    Route,
    Stop,
    TravelMatrix,
    Unassigned,
    compute_kpis,
)
from scheduler.errors import BenchmarkError

PEERS = ("pyvrp", "vroom")
_MODULES = {"pyvrp": "pyvrp", "vroom": "vroom"}
_DISTRIBUTIONS = {"pyvrp": "pyvrp", "vroom": "pyvroom"}

UNCAPPED = 2**31 - 1  # the load cap of a clinician without one, when others have one
PeerRoute = tuple[str, tuple[str, ...]]  # clinician id, visit ids in order


def parse_peers(text: str | None) -> tuple[str, ...]:
    """Peer names from a comma-separated list (``None``: none), each known and installed.

    Raises
    ------
    BenchmarkError
        When a name is not a peer, or its package is not installed.
    """
    names = tuple(name.strip() for name in (text or "").split(",") if name.strip())
    for name in names:
        if name not in PEERS:
            raise BenchmarkError(f"unknown peer {name!r}; choose from {', '.join(PEERS)}")
        _import_peer(name)
    return names


def solve_with_peer(
    peer: str, problem: Problem, travel: TravelMatrix, *, time_limit: float, seed: int = 1
) -> Plan:
    """Solve ``problem`` with a peer within ``time_limit`` seconds, as our plan.

    ``seed`` seeds PyVRP's search; VROOM has no randomness.
    """
    solvers = {"pyvrp": _solve_pyvrp, "vroom": _solve_vroom}
    if peer not in solvers:
        raise BenchmarkError(f"unknown peer {peer!r}; choose from {', '.join(PEERS)}")
    routes = solvers[peer](problem, travel, time_limit=time_limit, seed=seed)
    return plan_routes(problem, travel, routes, left_out=f"{peer} left it out")


def plan_routes(
    problem: Problem, travel: TravelMatrix, routes: Sequence[PeerRoute], *, left_out: str
) -> Plan:
    """Our plan of routes given as (clinician, visit order), timed as early as allowed.

    Each day leaves at the start of its shift and each visit starts on arrival or when its
    window opens; visits on no route are unassigned with the message ``left_out``.
    """
    day = _only_day(problem)
    visits, homes = problem.visit_by_id, {p.id: p.location.id for p in problem.patients}
    planned: list[Route] = []
    for clinician_id, visit_ids in routes:
        if not visit_ids:
            continue
        clinician = problem.clinician_by_id[clinician_id]
        shift = clinician.shift_on(day)
        start = shift.window.start if shift is not None else 0
        place, free_at, stops = clinician.start.id, start, []
        for visit_id in visit_ids:
            visit = visits[visit_id]
            here = homes[visit.patient_id]
            leg = travel.seconds_between(place, here)
            arrival = free_at + leg
            window = next((w for w in visit.windows if w.end >= arrival), visit.windows[-1])
            begin = max(arrival, window.start)
            stops.append(
                Stop(
                    visit.id,
                    visit.patient_id,
                    arrival=arrival,
                    start=begin,
                    end=begin + visit.duration,
                    travel_seconds=leg,
                    travel_metres=travel.metres_between(place, here),
                )
            )
            place, free_at = here, begin + visit.duration
        end = clinician.end_location.id
        planned.append(
            Route(
                clinician_id,
                day,
                start=start,
                end=free_at + travel.seconds_between(place, end),
                stops=tuple(stops),
                return_travel_seconds=travel.seconds_between(place, end),
                return_travel_metres=travel.metres_between(place, end),
            )
        )
    served = {visit_id for _, visit_ids in routes for visit_id in visit_ids}
    unassigned = tuple(
        Unassigned(visit.id, ReasonCode.NOT_SOLVED, left_out)
        for visit in problem.visits_to_plan
        if visit.id not in served
    )
    routes_done = tuple(planned)
    return Plan(routes_done, unassigned, compute_kpis(problem, routes_done, unassigned))


def _import_peer(peer: str) -> ModuleType:
    """The peer's module, or a ``BenchmarkError`` saying how to install it."""
    try:
        return importlib.import_module(_MODULES[peer])
    except ImportError:
        raise BenchmarkError(
            f"{peer} is not installed: pip install {_DISTRIBUTIONS[peer]} "
            '(or pip install -e ".[bench]")'
        ) from None


def _only_day(problem: Problem) -> int:
    """The one day every clinician works, with one shift each; peers solve one day only."""
    days = {shift.day for clinician in problem.clinicians for shift in clinician.shifts}
    if len(days) != 1 or any(len(clinician.shifts) != 1 for clinician in problem.clinicians):
        raise BenchmarkError("peers solve one day, with one shift per clinician, at a time")
    return days.pop()


def _rows(problem: Problem, travel: TravelMatrix) -> tuple[list[int], list[int]]:
    """Matrix rows of each visit's home and of each clinician's start (ends must equal starts)."""
    rows = {location_id: row for row, location_id in enumerate(travel.index)}
    homes = {patient.id: patient.location.id for patient in problem.patients}
    if any(c.end_location.id != c.start.id for c in problem.clinicians):
        raise BenchmarkError("peers here need every clinician to end the day where it starts")
    visits = [rows[homes[visit.patient_id]] for visit in problem.visits_to_plan]
    return visits, [rows[clinician.start.id] for clinician in problem.clinicians]


def _capacities(problem: Problem) -> list[list[int]]:
    """Each clinician's points cap as a load dimension (none when nobody has a cap)."""
    caps = [clinician.max_points_per_day for clinician in problem.clinicians]
    if all(cap is None for cap in caps):
        return [[] for _ in caps]
    return [[UNCAPPED if cap is None else cap] for cap in caps]


def _solve_pyvrp(
    problem: Problem, travel: TravelMatrix, *, time_limit: float, seed: int
) -> list[PeerRoute]:
    """PyVRP's iterated local search until ``MaxRuntime``; alike clinicians share a type."""
    pyvrp = _import_peer("pyvrp")
    stop = importlib.import_module("pyvrp.stop")
    day = _only_day(problem)
    visit_rows, clinician_rows = _rows(problem, travel)
    depots = sorted(set(clinician_rows))
    groups: dict[tuple, list[str]] = {}
    for clinician, row, capacity in zip(
        problem.clinicians, clinician_rows, _capacities(problem), strict=True
    ):
        shift = clinician.shift_on(day)
        key = (depots.index(row), shift.window.start, shift.latest_end, tuple(capacity))
        groups.setdefault(key, []).append(clinician.id)
    vehicle_types = [
        pyvrp.VehicleType(
            len(members),
            capacity=list(capacity),
            start_depot=depot,
            end_depot=depot,
            tw_early=early,
            tw_late=late,
        )
        for (depot, early, late, capacity), members in groups.items()
    ]
    loads = bool(vehicle_types[0].capacity)
    clients = []
    for visit, row in zip(problem.visits_to_plan, visit_rows, strict=True):
        if len(visit.windows) != 1:
            raise BenchmarkError(f"PyVRP takes one window per visit; {visit.id} has more")
        clients.append(
            pyvrp.Client(
                row,
                delivery=[visit.points] if loads else [],
                service_duration=visit.duration,
                tw_early=visit.windows[0].start,
                tw_late=visit.windows[0].end,
            )
        )
    seconds = np.asarray(travel.seconds, dtype=np.int64)
    data = pyvrp.ProblemData(
        [pyvrp.Location(0, 0) for _ in travel.index],
        clients,
        [pyvrp.Depot(row) for row in depots],
        vehicle_types,
        [seconds],
        [seconds],
    )
    result = pyvrp.solve(data, stop.MaxRuntime(time_limit), seed=seed, display=False)
    members = [list(group) for group in groups.values()]
    visits = problem.visits_to_plan
    return [
        (
            members[route.vehicle_type()].pop(0),
            tuple(visits[activity.idx].id for activity in route if activity.is_client()),
        )
        for route in result.best.routes()
    ]


def _solve_vroom(
    problem: Problem, travel: TravelMatrix, *, time_limit: float, seed: int
) -> list[PeerRoute]:
    """VROOM at exploration level 5 on one thread, stopped after ``time_limit`` (no seed)."""
    del seed  # VROOM's search has no randomness
    vroom = _import_peer("vroom")
    day = _only_day(problem)
    visit_rows, clinician_rows = _rows(problem, travel)
    capacities = _capacities(problem)
    model = vroom.Input()
    seconds = np.asarray(travel.seconds, dtype=np.uint32)
    model.set_durations_matrix("car", seconds)
    model.set_costs_matrix("car", seconds)
    vehicles = zip(problem.clinicians, clinician_rows, capacities, strict=True)
    for number, (clinician, row, capacity) in enumerate(vehicles):
        shift = clinician.shift_on(day)
        model.add_vehicle(
            vroom.Vehicle(
                number,
                start=row,
                end=row,
                capacity=capacity,
                time_window=vroom.TimeWindow(shift.window.start, shift.latest_end),
            )
        )
    for number, (visit, row) in enumerate(zip(problem.visits_to_plan, visit_rows, strict=True)):
        model.add_job(
            vroom.Job(
                number,
                location=row,
                default_service=visit.duration,
                delivery=[visit.points] if capacities[0] else [],
                time_windows=[vroom.TimeWindow(w.start, w.end) for w in visit.windows],
            )
        )
    solution = model.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit)
    ).to_dict()
    visits = problem.visits_to_plan
    return [
        (
            problem.clinicians[route["vehicle"]].id,
            tuple(visits[step["id"]].id for step in route["steps"] if step["type"] == "job"),
        )
        for route in solution["routes"]
    ]
