"""Plan several days: choose days and clinicians, route each day, then move what overflowed.

A week of a large agency is too big for one routing model holding every visit on every
candidate day, so the horizon is decomposed (DESIGN.md): CP-SAT picks a clinician-day per
visit (``day_choice``); each day is routed on its own, the chosen clinician preferred, days in
parallel; visits a day's routes could not hold are then barred from that day and the choice
and the changed days are redone while time remains.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from scheduler.domain import (
    DAY,
    Problem,
    Route,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
)
from scheduler.domain.continuity import care_group
from scheduler.solver.day_choice import DayChoice, choose_days
from scheduler.solver.explain import explain_left_out_of_days
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams
from scheduler.solver.routing import Routing, route_visits

log = logging.getLogger("scheduler")

DAY_CHOICE_SHARE = 0.15  # of the time left, for CP-SAT's choice of days
REPAIR_SHARE = 0.25  # of the routing time kept for moving overflowing visits
MAX_REPAIRS = 2
REPAIR_MINIMUM = 5.0  # seconds a repair round needs to be worth starting


def plan_horizon(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
) -> Routing:
    """Plan ``visits`` over the horizon's clinician-days by ``deadline``."""
    choice = choose_days(
        problem,
        travel,
        params,
        visits,
        vehicles,
        candidates,
        deadline=_share_of(deadline, DAY_CHOICE_SHARE),
    )
    log.info("day choice %s: %d placed", choice.status, len(choice.vehicle_of))
    routing_end = deadline - REPAIR_SHARE * (deadline - time.monotonic())
    by_day = _route_days(
        problem, travel, params, choice, visits, vehicles, candidates, set(), routing_end
    )
    forbidden: set[tuple[str, int]] = set()
    for _ in range(MAX_REPAIRS):
        overflow = [u.visit_id for day in by_day.values() for u in day.unassigned]
        if not overflow or deadline - time.monotonic() < REPAIR_MINIMUM:
            break
        for visit_id in overflow:
            day = vehicles[choice.vehicle_of[visit_id]].shift.day
            forbidden.update(
                (visit_id, n) for n in candidates[visit_id] if vehicles[n].shift.day == day
            )
        repaired = choose_days(
            problem, travel, params, visits, vehicles, candidates,
            deadline=_share_of(deadline, DAY_CHOICE_SHARE),
            forbidden=frozenset(forbidden), previous=choice.vehicle_of,
        )  # fmt: skip
        changed = _changed_days(choice, repaired, vehicles)
        log.info("repair: %d overflowing visits, %d days to redo", len(overflow), len(changed))
        redone = _route_days(
            problem, travel, params, repaired, visits, vehicles, candidates, changed, deadline
        )
        candidate = {**by_day, **redone}
        if not changed or not _better((repaired, candidate), (choice, by_day)):
            break
        choice, by_day = repaired, candidate
    return _merge(choice, visits, by_day)


def _share_of(deadline: float, share: float) -> float:
    """The instant when ``share`` of the time left until ``deadline`` has passed."""
    now = time.monotonic()
    return now + share * max(0.0, deadline - now)


def _route_days(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    choice: DayChoice,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    only: set[int],
    deadline: float,
) -> dict[int, Routing]:
    """Route each day (or the days in ``only``, when given), ``params.workers`` at a time."""
    chosen_visits: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.id in choice.vehicle_of:
            day = vehicles[choice.vehicle_of[visit.id]].shift.day
            chosen_visits[day].append(visit)
    days = sorted(day for day in chosen_visits if not only or day in only)
    days += sorted(day for day in only if day not in chosen_visits)
    if not days:
        return {}
    waves = math.ceil(len(days) / params.workers)
    seconds = max(0.5, (deadline - time.monotonic()) / waves)
    teams: dict[tuple[str, int], set[str]] = defaultdict(set)
    for visit in visits:
        if visit.id in choice.vehicle_of:
            vehicle = vehicles[choice.vehicle_of[visit.id]]
            teams[care_group(visit), vehicle.shift.day // 7].add(vehicle.clinician.id)

    def route(day: int) -> Routing:
        allowed = {
            visit.id: [
                n for n in candidates[visit.id]
                if vehicles[n].shift.day == day
                and vehicles[n].clinician.id in teams[care_group(visit), day // 7]
            ]
            for visit in chosen_visits[day]
        }  # fmt: skip
        return _route_day(
            problem, travel, params, choice, chosen_visits[day], vehicles, allowed, day,
            deadline=min(deadline, time.monotonic() + seconds),
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=params.workers) as pool:
        return dict(zip(days, pool.map(route, days), strict=True))


def _route_day(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    choice: DayChoice,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    day: int,
    *,
    deadline: float,
) -> Routing:
    """Route one day's visits, each preferring the clinician the day choice gave it.

    ``candidates`` are the vehicles each visit may use that day: the clinicians its care plan
    sees that week, so that routing cannot add one beyond the rules' limit.
    """
    numbers = [n for n, vehicle in enumerate(vehicles) if vehicle.shift.day == day]
    local = {number: position for position, number in enumerate(numbers)}
    day_vehicles = [_with_work_budget(n, choice, vehicles) for n in numbers]
    day_visits = [
        replace(
            visit,
            windows=_windows_on(visit, day),
            preferred_clinician=vehicles[choice.vehicle_of[visit.id]].clinician.id,
        )
        for visit in visits
    ]
    day_candidates = {
        visit.id: [local[n] for n in candidates[visit.id] if n in local] for visit in visits
    }
    one_worker = replace(params, workers=1)
    return route_visits(
        problem, travel, one_worker, day_visits, day_vehicles, day_candidates, deadline=deadline
    )


def _windows_on(visit: Visit, day: int) -> tuple[TimeWindow, ...]:
    """The visit's start windows that fall on ``day``."""
    return tuple(w for w in visit.windows if day * DAY <= w.start < (day + 1) * DAY)


def _with_work_budget(number: int, choice: DayChoice, vehicles: Sequence[Vehicle]) -> Vehicle:
    """Vehicle ``number`` with a daily work cap that keeps its week within the weekly cap.

    The week's spare time (cap minus the chosen days' estimated loads) is shared evenly among
    the days worked that week.
    """
    vehicle = vehicles[number]
    clinician = vehicle.clinician
    if clinician.max_work_per_week is None:
        return vehicle
    week = vehicle.shift.day // 7
    same_week = [
        n for n, other in enumerate(vehicles)
        if other.clinician.id == clinician.id and other.shift.day // 7 == week
    ]  # fmt: skip
    planned = sum(choice.load.get(n, 0) for n in same_week)
    own = choice.load.get(number, 0)
    budget = own + max(0, clinician.max_work_per_week - planned) // len(same_week)
    if clinician.max_work_per_day is not None:
        budget = min(budget, clinician.max_work_per_day)
    return replace(vehicle, clinician=replace(clinician, max_work_per_day=budget))


def _better(
    after: tuple[DayChoice, Mapping[int, Routing]], before: tuple[DayChoice, Mapping[int, Routing]]
) -> bool:
    """Whether every day of ``after`` has a plan and it leaves fewer visits out overall."""
    if any(routing.routes is None for routing in after[1].values()):
        return False

    def left_out(state: tuple[DayChoice, Mapping[int, Routing]]) -> int:
        choice, by_day = state
        return len(choice.left_out) + sum(len(r.unassigned) for r in by_day.values())

    return left_out(after) < left_out(before)


def _changed_days(before: DayChoice, after: DayChoice, vehicles: Sequence[Vehicle]) -> set[int]:
    """Days whose set of visits differs between two choices."""

    def visits_by_day(choice: DayChoice) -> dict[int, set[str]]:
        days: dict[int, set[str]] = defaultdict(set)
        for visit_id, number in choice.vehicle_of.items():
            days[vehicles[number].shift.day].add(visit_id)
        return days

    old, new = visits_by_day(before), visits_by_day(after)
    return {day for day in old.keys() | new.keys() if old.get(day) != new.get(day)}


def _merge(choice: DayChoice, visits: Sequence[Visit], by_day: Mapping[int, Routing]) -> Routing:
    """One routing result for the whole horizon."""
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    messages = set()
    for routing in by_day.values():
        routes += routing.routes or ()
        unassigned += routing.unassigned
        messages.add(routing.message)
    placed = {stop.visit_id for route in routes for stop in route.stops}
    reasoned = {item.visit_id for item in unassigned}
    for visit in visits:
        if visit.id not in placed and visit.id not in reasoned:
            unassigned.append(explain_left_out_of_days(visit))
    routes.sort(key=lambda route: (route.day, route.clinician_id))
    return Routing(
        tuple(routes), tuple(unassigned), None, "; ".join(sorted(messages)) or choice.status
    )
