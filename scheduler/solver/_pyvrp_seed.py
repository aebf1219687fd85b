"""First routes from PyVRP: a relaxation of one day's routing model, solved fast.

PyVRP's iterated local search finds short time-windowed routes far sooner than OR-Tools. It
gets what it can express of the model: each visit's duration, points, price of leaving it out
and one start window (the longest of several, closed at its due second); each clinician-day's
shift, start and end place, daily caps, work limit, overtime and the visits it may make; the
arc costs with their preference penalties. A lunch only takes its length off the day. PyVRP
knows no links: a day with linked visits pins them at starts that keep their gaps (``pins``),
and PyVRP must then make every required visit (a pair it left half made would not load). The
routes are a start, not a plan: OR-Tools loads them into the full model, which rejects them if
they break a rule, and searches on from them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyvrp
from pyvrp import PenaltyParams
from pyvrp.constants import MAX_VALUE
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from scheduler.domain import TimeWindow, Visit
from scheduler.solver.constraints import arc_penalties
from scheduler.solver.model import VisitModel

FORBIDDEN = MAX_VALUE  # the length of an arc into a visit the vehicle may not make


def seed_sequences(
    model: VisitModel,
    candidates: Mapping[str, Sequence[int]],
    *,
    seconds: float,
    seed: int,
    pins: Mapping[int, int] | None = None,
) -> list[list[int]] | None:
    """Visit positions per vehicle from a PyVRP search of ``seconds``, or ``None``.

    ``pins`` gives visit positions that must start at the second given; with pins, every
    required visit must be made.
    ``None`` when PyVRP finds no plan that keeps the rules it knows.
    """
    data, vehicles_of_type = _problem_data(model, candidates, pins or {})
    # A unit over a cap or a window must not pay for itself by keeping a visit in.
    most = max(PenaltyParams.max_penalty, *(2 * client.prize for client in data.clients()))
    settings = pyvrp.SolveParams(penalty=PenaltyParams(max_penalty=most))
    with warnings.catch_warnings():  # no plan found is the answer ``None``, not a warning
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            data, MaxRuntime(seconds), seed=seed, collect_stats=False, params=settings
        )
    if not result.best.is_feasible():
        return None
    sequences: list[list[int]] = [[] for _ in model.vehicles]
    unused = [list(numbers) for numbers in vehicles_of_type]
    for route in result.best.routes():
        number = unused[route.vehicle_type()].pop(0)
        sequences[number] = [activity.idx for activity in route if activity.is_client()]
    return sequences


def _problem_data(
    model: VisitModel, candidates: Mapping[str, Sequence[int]], pins: Mapping[int, int]
) -> tuple[pyvrp.ProblemData, list[list[int]]]:
    """The PyVRP data of ``model`` and the vehicle numbers of each PyVRP vehicle type.

    Nodes keep the model's layout (visits, then start and end places as depots). Each
    distinct set of arc costs (visits forbidden or penalised) is one routing profile; vehicles
    alike in everything else too form one type.
    """
    visit_count = len(model.visits)
    loads = _load_dimensions(model)
    windows = [_start_window(visit, pins.get(n)) for n, visit in enumerate(model.visits)]
    clients = [
        pyvrp.Client(
            location=position,
            delivery=[amounts[position] for amounts, _ in loads],
            service_duration=visit.duration,
            tw_early=window.start,
            tw_late=window.end,
            prize=prize,
            required=bool(pins) and not visit.optional,
        )
        for position, (visit, window, prize) in enumerate(
            zip(model.visits, windows, _prizes(model), strict=True)
        )
    ]
    travel_cost = model.seconds.astype(np.int64) * model.params.travel_weight
    allowed = [set(candidates[visit.id]) for visit in model.visits]
    profiles: dict[tuple[tuple[int, ...], tuple[tuple[int, int], ...]], int] = {}
    distances: list[np.ndarray] = []
    types: dict[tuple[object, ...], pyvrp.VehicleType] = {}
    vehicles_of_type: dict[tuple[object, ...], list[int]] = {}
    for number, penalties in enumerate(arc_penalties(model)):
        forbidden = tuple(p for p in range(visit_count) if number not in allowed[p])
        profile = profiles.setdefault((forbidden, penalties), len(profiles))
        if profile == len(distances):
            matrix = travel_cost.copy()
            for node, units in penalties:
                matrix[:, node] += units
            matrix[:, list(forbidden)] = FORBIDDEN
            np.fill_diagonal(matrix, 0)
            distances.append(matrix)
        kind = _vehicle_type(model, number, [capacities[number] for _, capacities in loads])
        kind = kind.replace(profile=profile)
        key = (kind.start_depot, kind.end_depot, kind.tw_early, kind.tw_late, *kind.capacity)
        key += (kind.shift_duration, kind.max_overtime, profile)
        types.setdefault(key, kind)
        vehicles_of_type.setdefault(key, []).append(number)
    data = pyvrp.ProblemData(
        [pyvrp.Location(0, 0) for _ in model.node_locations],  # x, y only draw plots
        clients,
        [pyvrp.Depot(location=node) for node in range(visit_count, len(model.node_locations))],
        [kind.replace(num_available=len(vehicles_of_type[key])) for key, kind in types.items()],
        _matrices(distances),
        _matrices([model.seconds.astype(np.int64)] * len(distances)),
    )
    return data, list(vehicles_of_type.values())


def _matrices(arrays: list[np.ndarray]) -> list[Any]:
    """``arrays`` unchanged, typed so PyVRP's ``ProblemData`` accepts them.

    PyVRP's stubs type a matrix as ``np.ndarray[int]``: ``int`` where numpy's first type
    parameter is the shape (a tuple), which no real array matches, nor can be written here.
    """
    return arrays


def _vehicle_type(model: VisitModel, number: int, capacities: list[int]) -> pyvrp.VehicleType:
    """Vehicle ``number`` as a PyVRP vehicle: its places, shift, work limit and overtime.

    Its lunch comes off the day's end and off the work it may do; overtime is priced on the
    route's length past the regular hours.
    """
    vehicle = model.vehicles[number]
    shift, limit = vehicle.shift, vehicle.clinician.max_work_per_day
    lunch = shift.lunch.duration if shift.lunch else 0
    regular = max(0, shift.window.length - lunch)
    longest = regular + shift.max_overtime
    longest = longest if limit is None else min(limit, longest)
    depot = len(model.visits)  # the node of the first depot
    return pyvrp.VehicleType(
        capacity=capacities,
        start_depot=model.manager.IndexToNode(model.routing.Start(number)) - depot,
        end_depot=model.manager.IndexToNode(model.routing.End(number)) - depot,
        tw_early=shift.window.start,
        tw_late=max(shift.window.start, shift.latest_end - lunch),
        shift_duration=min(regular, longest),
        max_overtime=longest - min(regular, longest),
        unit_duration_cost=model.params.work_weight,
        unit_overtime_cost=model.params.overtime_weight,
    )


def _prizes(model: VisitModel) -> list[int]:
    """What leaving each visit out costs in PyVRP.

    An optional visit costs what it costs in the model. A required one costs more than any
    optional one plus the most a visit can add to a day (twice the dearest arc and a whole
    shift of work), so PyVRP leaves it out only when it cannot fit. Not the model's far larger
    price: that would dwarf PyVRP's penalties for going over a cap or a window.
    """
    params = model.params
    optional = [params.optional_penalty * v.priority if v.optional else 0 for v in model.visits]
    dearest_penalty = max((units for row in arc_penalties(model) for _, units in row), default=0)
    dearest_arc = int(model.seconds.max()) * params.travel_weight + dearest_penalty
    longest_day = max(v.shift.latest_end - v.shift.window.start for v in model.vehicles)
    required = max(optional) + 2 * dearest_arc + params.work_weight * longest_day + 1
    return [optional[k] if v.optional else required for k, v in enumerate(model.visits)]


def _start_window(visit: Visit, pin: int | None = None) -> TimeWindow:
    """The one window PyVRP gets for a visit's start: ``pin``, its pinned start, or longest.

    PyVRP has no soft deadline: a visit with a ``due`` second gets the longest window that
    opens by then, closed at ``due``.
    """
    pin = visit.pinned_start if pin is None else pin
    if pin is not None:
        return TimeWindow(pin, pin)
    due = visit.due
    if due is None:
        return max(visit.windows, key=lambda w: w.length)
    on_time = [w for w in visit.windows if w.start <= due] or visit.windows
    window = max(on_time, key=lambda w: w.length)
    return TimeWindow(window.start, due) if window.contains(due) else window


def _load_dimensions(model: VisitModel) -> list[tuple[list[int], list[int]]]:
    """Per capped count (points, visits): each visit's amount and each vehicle's capacity."""
    dimensions = []
    for amounts, limits in (
        (
            [visit.points for visit in model.visits],
            [vehicle.clinician.max_points_per_day for vehicle in model.vehicles],
        ),
        (
            [1] * len(model.visits),
            [vehicle.clinician.max_visits_per_day for vehicle in model.vehicles],
        ),
    ):
        if any(limit is not None for limit in limits):
            total = sum(amounts)
            dimensions.append((amounts, [total if limit is None else limit for limit in limits]))
    return dimensions
