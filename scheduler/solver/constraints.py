"""The rules of a home health day, one function each, applied to a ``VisitModel``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

from scheduler.domain import Problem, TimeWindow, TravelMatrix, Visit
from scheduler.solver.model import TIME, Vehicle, VisitModel, create_model
from scheduler.solver.params import SolveParams
from scheduler.solver.time_of_day import add_preferred_hours, add_same_time

DAY_SECONDS = 86_400
VISITS = "visits"
POINTS = "points"
WORK = "work"


def build_model(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: list[Visit],
    vehicles: list[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    same_time: Mapping[str, TimeWindow] | None = None,
) -> VisitModel:
    """A routing model with every rule of the problem.

    Parameters
    ----------
    visits
        The visits to route; each must have at least one candidate vehicle.
    candidates
        Vehicle numbers allowed for each visit id (qualified and working that day).
    same_time
        Per visit id, the times of day its patient's visits of the discipline on other days
        that week ask for (``add_same_time``; ``None``: none known).
    """
    model = create_model(problem, travel, params, visits, vehicles)
    add_rush_hours(model)
    add_arc_costs(model)
    add_shifts(model)
    add_overtime(model)
    add_waiting_cost(model)
    add_time_windows(model)
    add_due_times(model)
    add_preferred_hours(model)
    add_same_time(model, same_time or {})
    add_lunch_breaks(model)
    add_qualifications(model, candidates)
    add_visit_limits(model)
    add_points_limits(model)
    add_work_limits(model)
    add_drop_penalties(model)
    add_linked_visits(model)
    add_workload_balance(model)
    return model


def add_rush_hours(model: VisitModel) -> None:
    """Price each leg with the slowest rush hour its departure can fall in (call first).

    A transit cannot depend on when a leg leaves, so a leg from a visit takes the largest
    factor over every second the visit may end (its pin, else its windows), and a leg from a
    start place the largest over the shifts leaving from there. The plan then holds at its
    real departure times, which are never slower; the read-back times each leg at its own.
    """
    rush = model.travel.rush_hours
    factors = np.ones(len(model.node_locations))
    for position, visit in enumerate(model.visits):
        first, last = visit.earliest_start, visit.latest_start
        if visit.pinned_start is not None:
            first = last = visit.pinned_start
        factors[position] = rush.factor_between(first + visit.duration, last + visit.duration)
    leaving: dict[int, tuple[int, int]] = {}
    for number, vehicle in enumerate(model.vehicles):
        node = model.manager.IndexToNode(model.routing.Start(number))
        shift = vehicle.shift
        first, last = leaving.get(node, (shift.window.start, shift.latest_end))
        leaving[node] = (min(first, shift.window.start), max(last, shift.latest_end))
    for node, (first, last) in leaving.items():
        factors[node] = rush.factor_between(first, last)
    model.seconds = np.rint(model.seconds * factors[:, None]).astype(np.int64)


def add_arc_costs(model: VisitModel) -> None:
    """Cost each arc by its travel time, plus the soft penalties on arcs into a visit.

    ``arc_penalties``: the preferred-clinician penalty and the incumbent's stability.
    """
    base = model.seconds.astype(np.int64) * model.params.travel_weight
    evaluators: dict[tuple[tuple[int, int], ...], int] = {}
    for number, penalties in enumerate(arc_penalties(model)):
        if penalties not in evaluators:
            matrix = base.copy()
            for node, units in penalties:
                matrix[:, node] += units
            evaluators[penalties] = model.routing.RegisterTransitMatrix(matrix.tolist())
        model.routing.SetArcCostEvaluatorOfVehicle(evaluators[penalties], number)


def arc_penalties(model: VisitModel) -> list[tuple[tuple[int, int], ...]]:
    """Per vehicle, (visit position, units) added to every arc into the visit.

    ``preference_penalty`` when the visit is meant for another clinician (the visit's own
    preferred clinician if set, else the patient's preferred clinicians), and the
    incumbent's weight (in units) when the vehicle's clinician-day is not where the
    published plan has the visit (stability: keep what clinicians and patients were told).
    """
    params = model.params
    incumbent = model.problem.incumbent
    stability = incumbent.weight * params.travel_weight
    preferred = [
        (visit.preferred_clinician,)
        if visit.preferred_clinician
        else model.patient_of(visit).preferred_clinicians
        for visit in model.visits
    ]
    found = []
    for vehicle in model.vehicles:
        clinician, day = vehicle.clinician.id, vehicle.shift.day
        penalties = []
        for node, visit in enumerate(model.visits):
            units = (
                params.preference_penalty
                if preferred[node] and (clinician not in preferred[node])
                else 0
            )
            if stability and incumbent.moves(visit.id, clinician, day):
                units += stability
            if units:
                penalties.append((node, units))
        found.append(tuple(penalties))
    return found


def _transit(model: VisitModel) -> np.ndarray:
    """Node x node seconds from the start of one node's service to reaching the next."""
    durations = np.zeros(len(model.node_locations), dtype=np.int64)
    durations[: len(model.visits)] = [visit.duration for visit in model.visits]
    return model.seconds.astype(np.int64) + durations[:, None]


def add_shifts(model: VisitModel) -> None:
    """Create the time dimension (travel plus service) and keep each day inside its shift.

    A day starts no earlier than the shift start and ends by the shift's latest end
    (overtime included); its span (leave to return) costs ``work_weight`` per second.
    """
    evaluator = model.routing.RegisterTransitMatrix(_transit(model).tolist())
    horizon_end = max(vehicle.shift.latest_end for vehicle in model.vehicles)
    model.routing.AddDimension(evaluator, horizon_end, horizon_end, False, TIME)
    time = model.time
    for number, vehicle in enumerate(model.vehicles):
        shift = vehicle.shift
        for index in (model.routing.Start(number), model.routing.End(number)):
            time.CumulVar(index).SetRange(shift.window.start, shift.latest_end)
        time.SetSpanCostCoefficientForVehicle(model.params.work_weight, number)


def add_overtime(model: VisitModel) -> None:
    """Charge ``overtime_weight`` per second a day ends after its regular shift end."""
    for number, vehicle in enumerate(model.vehicles):
        if vehicle.shift.max_overtime > 0:
            model.time.SetCumulVarSoftUpperBound(
                model.routing.End(number), vehicle.shift.window.end, model.params.overtime_weight
            )


def add_waiting_cost(model: VisitModel) -> None:
    """Charge ``waiting_weight`` per second of waiting on a day (off at 0).

    Waiting is the time dimension's slack: at a door before a window opens, or between
    visits. A day's lunch taken between visits is slack too, the same amount on every day
    that has a route.
    """
    if model.params.waiting_weight:
        model.time.SetSlackCostCoefficientForAllVehicles(model.params.waiting_weight)


def add_time_windows(model: VisitModel) -> None:
    """Start each visit inside one of its hard windows, or exactly at its pinned start."""
    for position, visit in enumerate(model.visits):
        cumul = model.time.CumulVar(model.visit_index(position))
        if visit.pinned_start is not None:
            cumul.SetValue(visit.pinned_start)
            continue
        cumul.SetRange(visit.earliest_start, visit.latest_start)
        for before, after in pairwise(visit.windows):
            cumul.RemoveInterval(before.end + 1, after.start - 1)


def add_due_times(model: VisitModel) -> None:
    """Charge ``lateness_weight`` per second a visit starts after its ``due`` second."""
    for position, visit in enumerate(model.visits):
        if visit.due is not None:
            model.time.SetCumulVarSoftUpperBound(
                model.visit_index(position), visit.due, model.params.lateness_weight
            )


def add_lunch_breaks(model: VisitModel) -> None:
    """Place each shift's lunch inside its window, between visits (never during one)."""
    routing = model.routing
    service = [0] * routing.Size()
    for index in range(routing.Size()):
        node = model.manager.IndexToNode(index)
        if node < len(model.visits):
            service[index] = model.visits[node].duration
    solver = routing.solver()
    for number, vehicle in enumerate(model.vehicles):
        lunch = vehicle.shift.lunch
        if lunch is None:
            continue
        interval = solver.FixedDurationIntervalVar(
            lunch.window.start, lunch.window.end, lunch.duration, False, f"lunch {number}"
        )
        model.time.SetBreakIntervalsOfVehicle([interval], number, service)
        model.lunches[number] = interval


def add_qualifications(model: VisitModel, candidates: Mapping[str, Sequence[int]]) -> None:
    """Let only qualified clinicians working that day make each visit.

    Qualified means discipline, credential, skills, exclusions and pinned clinician.
    """
    for position, visit in enumerate(model.visits):
        allowed = list(candidates[visit.id])
        if not allowed:
            raise ValueError(f"visit {visit.id} has no candidate vehicle; screen it out first")
        if len(allowed) < len(model.vehicles):
            # -1 keeps "left out" possible; the disjunction prices it.
            model.routing.VehicleVar(model.visit_index(position)).SetValues([-1, *allowed])


def add_visit_limits(model: VisitModel) -> None:
    """Cap the number of visits in a clinician's day at ``max_visits_per_day``."""
    limits = [vehicle.clinician.max_visits_per_day for vehicle in model.vehicles]
    if any(limit is not None for limit in limits):
        _add_count_dimension(model, VISITS, [1] * len(model.visits), limits)


def add_points_limits(model: VisitModel) -> None:
    """Cap the visit points of a clinician's day at ``max_points_per_day``."""
    limits = [vehicle.clinician.max_points_per_day for vehicle in model.vehicles]
    if any(limit is not None for limit in limits):
        _add_count_dimension(model, POINTS, [visit.points for visit in model.visits], limits)


def add_work_limits(model: VisitModel) -> None:
    """Cap a day's span (leave to return, lunch excluded) at ``max_work_per_day``."""
    for number, vehicle in enumerate(model.vehicles):
        limit = vehicle.clinician.max_work_per_day
        if limit is not None:
            lunch = vehicle.shift.lunch.duration if vehicle.shift.lunch else 0
            model.time.SetSpanUpperBoundForVehicle(limit + lunch, number)


def add_drop_penalties(model: VisitModel) -> None:
    """Allow leaving a visit out at a price.

    Optional visits cost by priority; required ones so much that it happens only when the
    visit cannot fit.
    """
    for position, visit in enumerate(model.visits):
        model.routing.AddDisjunction([model.visit_index(position)], drop_penalty(model, visit))


def drop_penalty(model: VisitModel, visit: Visit) -> int:
    """What leaving ``visit`` out costs: by priority when optional, else the required price."""
    params = model.params
    return params.optional_penalty * visit.priority if visit.optional else params.required_penalty


def add_linked_visits(model: VisitModel) -> None:
    """Make both visits of a link, or neither, by two clinicians, at the link's start gap.

    Both or neither is a rule of the model (the search never leaves a visit without its
    partner). A link whose partner is not in the model (screened out) keeps its visit out too.
    """
    routing, time = model.routing, model.time
    solver = routing.solver()
    position = {visit.id: number for number, visit in enumerate(model.visits)}
    for link in model.problem.links:
        indices = [
            model.visit_index(position[visit_id])
            for visit_id in link.visit_ids
            if visit_id in position
        ]
        if len(indices) < 2:
            for index in indices:
                routing.ActiveVar(index).SetValue(0)
            continue
        first, second = indices
        solver.Add(routing.ActiveVar(first) == routing.ActiveVar(second))
        # Both left out means both vehicles are -1; otherwise the vehicles must differ.
        same_vehicle = solver.IsEqualVar(routing.VehicleVar(first), routing.VehicleVar(second))
        solver.Add(same_vehicle <= 1 - routing.ActiveVar(first))
        gap = time.CumulVar(second) - time.CumulVar(first)
        solver.Add(gap >= link.min_gap)
        solver.Add(gap <= link.max_gap)


def add_workload_balance(model: VisitModel) -> None:
    """Charge ``balance_weight`` per second a day's work exceeds the even share (off at 0).

    Work is service plus travel (``work_load``, the fair-weeks load); the even share is all
    the visits' service, the shortest drive into each and each day's drive out to its nearest
    visit and back, over the clinician-days. Work
    above the mean is half the sum of distances to it, the UHHC's workload balance. Only the
    excess is priced: OR-Tools prices no bound on a day without visits, so a floor would
    charge the days that work and spare those that do not.
    """
    weight = model.params.balance_weight
    if weight == 0:
        return
    routing = model.routing
    evaluator = routing.RegisterTransitMatrix(_transit(model).tolist())
    horizon = max(vehicle.shift.latest_end for vehicle in model.vehicles)
    routing.AddDimension(evaluator, 0, horizon, True, WORK)
    count = len(model.visits)
    into = model.seconds[:, :count].astype(np.int64)
    np.fill_diagonal(into[:count], np.iinfo(np.int64).max)
    work = sum(visit.duration for visit in model.visits) + int(into.min(axis=0).sum())
    for number in range(len(model.vehicles)):  # out to the nearest visit and back
        start, end = (
            model.manager.IndexToNode(i) for i in (routing.Start(number), routing.End(number))
        )
        work += int(model.seconds[start, :count].min() + model.seconds[:count, end].min())
    share = work // len(model.vehicles)
    dimension = routing.GetDimensionOrDie(WORK)
    for number in range(len(model.vehicles)):
        dimension.SetCumulVarSoftUpperBound(routing.End(number), share, weight)


def _add_count_dimension(
    model: VisitModel, name: str, amounts: list[int], limits: list[int | None]
) -> None:
    """A dimension that adds ``amounts[visit]`` per visit, capped per vehicle."""
    total = sum(amounts)
    values = amounts + [0] * (len(model.node_locations) - len(amounts))
    evaluator = model.routing.RegisterUnaryTransitVector(values)
    capacities = [total if limit is None else limit for limit in limits]
    model.routing.AddDimensionWithVehicleCapacity(evaluator, 0, capacities, True, name)
    model.count_dimensions.add(name)
