"""The rules of a home health day, one function each, applied to a ``VisitModel``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

from scheduler.domain import Problem, TravelMatrix, Visit
from scheduler.solver.model import TIME, Vehicle, VisitModel, create_model
from scheduler.solver.params import SolveParams

DAY_SECONDS = 86_400
VISITS = "visits"
POINTS = "points"


def build_model(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: list[Visit],
    vehicles: list[Vehicle],
    candidates: Mapping[str, Sequence[int]],
) -> VisitModel:
    """A routing model with every rule of the problem.

    Parameters
    ----------
    visits
        The visits to route; each must have at least one candidate vehicle.
    candidates
        Vehicle numbers allowed for each visit id (qualified and working that day).
    """
    model = create_model(problem, travel, params, visits, vehicles)
    add_rush_hours(model)
    add_arc_costs(model)
    add_shifts(model)
    add_overtime(model)
    add_time_windows(model)
    add_due_times(model)
    add_preferred_hours(model)
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
    """Cost each arc by its travel time, plus the soft preferred-clinician penalty.

    The penalty lies on arcs into a visit meant for another clinician: the visit's own
    preferred clinician if set, else the patient's preferred clinicians.
    """
    params = model.params
    base = model.seconds.astype(np.int64) * params.travel_weight
    evaluators: dict[tuple[int, ...], int] = {}
    for number, penalised in enumerate(penalised_visits(model)):
        if penalised not in evaluators:
            matrix = base.copy()
            matrix[:, list(penalised)] += params.preference_penalty
            evaluators[penalised] = model.routing.RegisterTransitMatrix(matrix.tolist())
        model.routing.SetArcCostEvaluatorOfVehicle(evaluators[penalised], number)


def penalised_visits(model: VisitModel) -> list[tuple[int, ...]]:
    """Per vehicle, the visit positions whose incoming arcs carry the preference penalty.

    Empty for every vehicle when ``preference_penalty`` is 0.
    """
    if model.params.preference_penalty == 0:
        return [() for _ in model.vehicles]
    preferred = [
        (visit.preferred_clinician,)
        if visit.preferred_clinician
        else model.patient_of(visit).preferred_clinicians
        for visit in model.visits
    ]
    return [
        tuple(
            node
            for node, clinicians in enumerate(preferred)
            if clinicians and vehicle.clinician.id not in clinicians
        )
        for vehicle in model.vehicles
    ]


def add_shifts(model: VisitModel) -> None:
    """Create the time dimension (travel plus service) and keep each day inside its shift.

    A day starts no earlier than the shift start and ends by the shift's latest end
    (overtime included); its span (leave to return) costs ``work_weight`` per second.
    """
    durations = np.zeros(len(model.node_locations), dtype=np.int64)
    durations[: len(model.visits)] = [visit.duration for visit in model.visits]
    transit = model.seconds.astype(np.int64) + durations[:, None]
    evaluator = model.routing.RegisterTransitMatrix(transit.tolist())
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


PREFERRED_HOURS_WEIGHT = 2  # per second a visit starts outside the patient's preferred hours


def add_preferred_hours(model: VisitModel) -> None:
    """Charge per second a visit starts outside its patient's preferred hours (soft).

    The wish is local time of day; it applies on the visit's own day. Pinned visits keep
    their pin.
    """
    for position, visit in enumerate(model.visits):
        wish = model.patient_of(visit).preferred_hours
        if wish is None or visit.pinned_start is not None:
            continue
        midnight = visit.earliest_start - visit.earliest_start % DAY_SECONDS
        index = model.visit_index(position)
        lower = max(midnight + wish.start, visit.earliest_start)
        upper = min(midnight + wish.end, visit.latest_start)
        if lower > upper:
            continue  # the visit's windows never meet the wish: nothing to prefer
        model.time.SetCumulVarSoftLowerBound(index, lower, PREFERRED_HOURS_WEIGHT)
        model.time.SetCumulVarSoftUpperBound(index, upper, PREFERRED_HOURS_WEIGHT)


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
    params = model.params
    for position, visit in enumerate(model.visits):
        penalty = (
            params.optional_penalty * visit.priority if visit.optional else params.required_penalty
        )
        model.routing.AddDisjunction([model.visit_index(position)], penalty)


def add_linked_visits(model: VisitModel) -> None:
    """Make both visits of a link, or neither, by two clinicians, at the link's start gap.

    A link whose partner is not in the model (screened out) keeps its visit out too.
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
        # Both left out means both vehicles are -1; otherwise the vehicles must differ.
        same_vehicle = solver.IsEqualVar(routing.VehicleVar(first), routing.VehicleVar(second))
        solver.Add(same_vehicle <= 1 - routing.ActiveVar(first))
        gap = time.CumulVar(second) - time.CumulVar(first)
        solver.Add(gap >= link.min_gap)
        solver.Add(gap <= link.max_gap)


def add_workload_balance(model: VisitModel) -> None:
    """Charge ``balance_weight`` per visit a day holds above the even share (off at 0)."""
    weight = model.params.balance_weight
    if weight == 0:
        return
    if VISITS not in model.count_dimensions:
        _add_count_dimension(model, VISITS, [1] * len(model.visits), [None] * len(model.vehicles))
    share = -(-len(model.visits) // len(model.vehicles))
    dimension = model.routing.GetDimensionOrDie(VISITS)
    for number in range(len(model.vehicles)):
        dimension.SetCumulVarSoftUpperBound(model.routing.End(number), share, weight)


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
