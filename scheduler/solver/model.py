"""The OR-Tools routing model of a problem: nodes, vehicles, and reading plans back.

Node layout: visit nodes ``0 .. V-1`` in the order of ``VisitModel.visits``, then one node per
distinct clinician start or end place. A vehicle is one clinician's shift on one day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp

from scheduler.domain import (
    Clinician,
    Patient,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from scheduler.solver.params import SolveParams

TIME = "time"


@dataclass(frozen=True)
class Vehicle:
    """One clinician-day the model can fill."""

    clinician: Clinician
    shift: Shift


@dataclass
class VisitModel:
    """A routing model and the bookkeeping to read its solutions as plans."""

    problem: Problem
    travel: TravelMatrix
    params: SolveParams
    visits: list[Visit]
    vehicles: list[Vehicle]
    node_locations: list[int]  # row in the travel matrix of each node
    seconds: np.ndarray  # node x node travel seconds the model plans with (see add_rush_hours)
    metres: np.ndarray  # node x node travel metres
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    lunches: dict[int, pywrapcp.IntervalVar] = field(default_factory=dict)
    count_dimensions: set[str] = field(default_factory=set)

    @property
    def time(self) -> pywrapcp.RoutingDimension:
        """The time dimension (cumul = start of service at a visit)."""
        return self.routing.GetDimensionOrDie(TIME)

    def patient_of(self, visit: Visit) -> Patient:
        """The patient a visit is for."""
        return self.problem.patient_by_id[visit.patient_id]

    def visit_index(self, position: int) -> int:
        """Routing index of the visit at ``position`` in ``visits``."""
        return self.manager.NodeToIndex(position)

    def linked_pairs(self) -> list[tuple[int, int]]:
        """Positions in ``visits`` of both visits of each link the model holds whole."""
        position = {visit.id: number for number, visit in enumerate(self.visits)}
        return [
            (position[link.first], position[link.second])
            for link in self.problem.links
            if link.first in position and link.second in position
        ]

    def leg_seconds(self, origin: int, destination: int, departure: int) -> int:
        """Seconds of the drive from node ``origin`` to ``destination`` leaving at ``departure``."""
        rows = self.node_locations
        seconds = int(self.travel.seconds[rows[origin], rows[destination]])
        return self.travel.rush_hours.seconds_leaving(seconds, departure)


def list_vehicles(problem: Problem) -> list[Vehicle]:
    """Every clinician-day of the problem, clinicians in order then days."""
    return [
        Vehicle(clinician, shift)
        for clinician in problem.clinicians
        for shift in sorted(clinician.shifts, key=lambda s: s.day)
    ]


def create_model(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: list[Visit],
    vehicles: list[Vehicle],
) -> VisitModel:
    """Create the bare routing model (nodes, vehicles, travel) without constraints."""
    depot_ids: list[str] = []
    for vehicle in vehicles:
        for location in (vehicle.clinician.start, vehicle.clinician.end_location):
            if location.id not in depot_ids:
                depot_ids.append(location.id)
    node_location_ids = [problem.patient_by_id[v.patient_id].location.id for v in visits]
    node_location_ids += depot_ids
    travel.require(node_location_ids)
    rows = [travel.index[location_id] for location_id in node_location_ids]
    depot_node = {location_id: len(visits) + k for k, location_id in enumerate(depot_ids)}
    starts = [depot_node[v.clinician.start.id] for v in vehicles]
    ends = [depot_node[v.clinician.end_location.id] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(rows), len(vehicles), starts, ends)
    return VisitModel(
        problem=problem,
        travel=travel,
        params=params,
        visits=visits,
        vehicles=vehicles,
        node_locations=rows,
        seconds=travel.seconds[np.ix_(rows, rows)],
        metres=travel.metres[np.ix_(rows, rows)],
        manager=manager,
        routing=pywrapcp.RoutingModel(manager),
    )


def read_sequences(model: VisitModel, value: Callable[[pywrapcp.IntVar], int]) -> list[list[int]]:
    """Visit positions in visiting order, one list per vehicle.

    ``value`` reads a variable: ``assignment.Value`` for a solution, or the variable's own
    value inside a search callback.
    """
    routing = model.routing
    sequences = []
    for vehicle in range(len(model.vehicles)):
        index = value(routing.NextVar(routing.Start(vehicle)))
        sequence = []
        while not routing.IsEnd(index):
            sequence.append(model.manager.IndexToNode(index))
            index = value(routing.NextVar(index))
        sequences.append(sequence)
    return sequences


class CurrentValues:
    """The values of the solution being reported, read as from an assignment.

    Inside a solution callback the routes are bound, and so are the times the finalizer
    fixed; a time it left open (a route's start or end) is read at its earliest, which the
    bound times after it allow.
    """

    @staticmethod
    def Value(var: pywrapcp.IntVar) -> int:  # noqa: N802 (the Assignment's method name)
        """The variable's value, or its least one while unbound."""
        return int(var.Min())

    @staticmethod
    def PerformedValue(interval: pywrapcp.IntervalVar) -> int:  # noqa: N802
        """1 when the interval is performed."""
        return int(interval.MustBePerformed())

    @staticmethod
    def StartValue(interval: pywrapcp.IntervalVar) -> int:  # noqa: N802
        """The interval's start."""
        return int(interval.StartMin())

    @staticmethod
    def DurationValue(interval: pywrapcp.IntervalVar) -> int:  # noqa: N802
        """The interval's duration."""
        return int(interval.DurationMin())


def read_routes(
    model: VisitModel, assignment: pywrapcp.Assignment | CurrentValues
) -> tuple[Route, ...]:
    """The plan routes of an assignment (or of the solution being reported), with times."""
    routing, time = model.routing, model.time
    routes = []
    for vehicle_number, sequence in enumerate(read_sequences(model, assignment.Value)):
        if not sequence:
            continue
        vehicle = model.vehicles[vehicle_number]
        route_start = assignment.Value(time.CumulVar(routing.Start(vehicle_number)))
        route_end = assignment.Value(time.CumulVar(routing.End(vehicle_number)))
        lunch = _read_lunch(model, assignment, vehicle_number, route_start, route_end)
        start_node = model.manager.IndexToNode(routing.Start(vehicle_number))
        end_node = model.manager.IndexToNode(routing.End(vehicle_number))
        stops = []
        previous_node, departure = start_node, route_start
        for node in sequence:
            start = assignment.Value(time.CumulVar(model.visit_index(node)))
            visit = model.visits[node]
            leg = model.leg_seconds(previous_node, node, departure)
            stops.append(
                Stop(
                    visit_id=visit.id,
                    patient_id=visit.patient_id,
                    arrival=_arrival(departure, leg, lunch),
                    start=start,
                    end=start + visit.duration,
                    travel_seconds=leg,
                    travel_metres=int(model.metres[previous_node, node]),
                )
            )
            previous_node, departure = node, start + visit.duration
        routes.append(
            Route(
                clinician_id=vehicle.clinician.id,
                day=vehicle.shift.day,
                start=route_start,
                end=route_end,
                stops=tuple(stops),
                return_travel_seconds=model.leg_seconds(previous_node, end_node, departure),
                return_travel_metres=int(model.metres[previous_node, end_node]),
                lunch=lunch,
            )
        )
    return tuple(routes)


def _read_lunch(
    model: VisitModel,
    assignment: pywrapcp.Assignment | CurrentValues,
    vehicle: int,
    route_start: int,
    route_end: int,
) -> TimeWindow | None:
    """The lunch taken during the route, or ``None`` (no lunch, or outside working time)."""
    interval = model.lunches.get(vehicle)
    if interval is None:
        return None
    if not assignment.PerformedValue(interval):
        return None
    start = assignment.StartValue(interval)
    lunch = TimeWindow(start, start + assignment.DurationValue(interval))
    return lunch if route_start <= lunch.start and lunch.end <= route_end else None


def _arrival(departure: int, leg: int, lunch: TimeWindow | None) -> int:
    """When a clinician leaving at ``departure`` reaches the door, a lunch on the way included.

    The clinician drives at once; a lunch that starts before the drive would end interrupts it.
    """
    arrival = departure + leg
    if lunch is not None and departure <= lunch.start < arrival:
        arrival += lunch.length
    return arrival
