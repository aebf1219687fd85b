"""Route each day of a horizon on its own, from the day choice, days in parallel.

Every qualified clinician working the day is offered each visit as far as the
clinicians-per-week rule allows (``allowed_vehicles``); the clinician the day choice picked
is preferred through the objective (``KEEP_CHOSEN``), and each clinician-day's caps are cut to
its share of the week's (``_with_week_budget``) so that no weekly cap breaks.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from scheduler.domain import (
    DAY,
    Assignment,
    Incumbent,
    Plan,
    Problem,
    Route,
    TimeWindow,
    TravelMatrix,
    Visit,
    compute_kpis,
)
from scheduler.domain.continuity import care_group
from scheduler.solver._placement import same_time_bands
from scheduler.solver.day_choice import DayChoice
from scheduler.solver.improve import plan_score
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams
from scheduler.solver.routing import Routing, route_visits
from scheduler.solver.validate import validate

KEEP_CHOSEN = 3600  # seconds of driving day routing spends to keep a visit with the chosen one


def route_days(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    choice: DayChoice,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    only: set[int],
    deadline: float,
    *,
    start_from: Sequence[Route] = (),
    same_time: Mapping[str, TimeWindow] | None = None,
) -> dict[int, Routing]:
    """Route each day (or the days in ``only``, when given), ``params.workers`` at a time.

    ``start_from`` routes (by clinician and day) seed each day's search; ``same_time`` gives
    visits their same-time bands (``add_same_time``).
    """
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
    allowed = allowed_vehicles(
        problem, choice, visits, vehicles, candidates, problem.rules.max_clinicians_per_week
    )

    def route(day: int) -> Routing:
        return _route_day(
            problem, travel, params, choice, chosen_visits[day], vehicles, allowed, day,
            deadline=min(deadline, time.monotonic() + seconds),
            start_from=[route for route in start_from if route.day == day], same_time=same_time,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=params.workers) as pool:
        return dict(zip(days, pool.map(route, days), strict=True))


def allowed_vehicles(
    problem: Problem,
    choice: DayChoice,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    limit: int,
) -> dict[str, list[int]]:
    """Per chosen visit, the vehicles of its chosen day that day routing may give it.

    The clinicians the choice gives the visit's care group that week may always make it.
    While the group has fewer than ``limit`` of them, every qualified clinician working that
    day is offered too, on as many of the group's days as clinicians are missing (the days
    whose chosen clinician-day is the most loaded first, one visit of the group that day):
    days are routed apart, so one new clinician a day keeps the week within the rule.
    """
    day_of = {
        visit.id: vehicles[choice.vehicle_of[visit.id]].shift.day
        for visit in visits
        if visit.id in choice.vehicle_of
    }
    teams: dict[tuple[str, int], set[str]] = defaultdict(set)
    members: dict[tuple[str, int], list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.id in day_of:
            key = (care_group(visit), day_of[visit.id] // 7)
            teams[key].add(vehicles[choice.vehicle_of[visit.id]].clinician.id)
            members[key].append(visit)
    open_days: set[tuple[str, int]] = set()
    for (group, week), group_visits in members.items():
        spare = limit - len(teams[group, week])
        if spare <= 0:
            continue
        alone = [
            v for v in group_visits if sum(day_of[o.id] == day_of[v.id] for o in group_visits) == 1
        ]
        alone.sort(key=lambda v: -_pressure(choice, vehicles, choice.vehicle_of[v.id]))
        open_days.update((group, day_of[v.id]) for v in alone[:spare])
    allowed = {}
    for visit_id, day in day_of.items():
        visit = problem.visit_by_id[visit_id]
        group = care_group(visit)
        team = teams[group, day // 7]
        allowed[visit_id] = [
            n for n in candidates[visit_id]
            if vehicles[n].shift.day == day
            and ((group, day) in open_days or vehicles[n].clinician.id in team)
        ]  # fmt: skip
    return allowed


def _pressure(choice: DayChoice, vehicles: Sequence[Vehicle], number: int) -> float:
    """The chosen load of a clinician-day over its shift's length."""
    return choice.load.get(number, 0) / max(1, vehicles[number].shift.window.length)


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
    start_from: Sequence[Route] = (),
    same_time: Mapping[str, TimeWindow] | None = None,
) -> Routing:
    """Route one day's visits, each preferring the clinician the day choice gave it.

    ``candidates`` are the vehicles each visit may use that day (``allowed_vehicles``). Giving
    a visit to another clinician costs ``KEEP_CHOSEN`` seconds of driving, so it happens when
    the chosen one's route cannot hold it, rarely to save a little driving.
    """
    numbers = [n for n, vehicle in enumerate(vehicles) if vehicle.shift.day == day]
    local = {number: position for position, number in enumerate(numbers)}
    day_vehicles = [_with_week_budget(n, choice, vehicles) for n in numbers]
    day_visits = [replace(visit, windows=_windows_on(visit, day)) for visit in visits]
    day_candidates = {
        visit.id: [local[n] for n in candidates[visit.id] if n in local] for visit in visits
    }
    chosen = tuple(
        Assignment(visit.id, vehicles[choice.vehicle_of[visit.id]].clinician.id, day)
        for visit in visits
    )  # the day choice's pick, kept as the published plan is kept (it weighed that one)
    day_problem = replace(problem, incumbent=Incumbent(chosen, KEEP_CHOSEN))
    return route_visits(
        day_problem, travel, replace(params, workers=1), day_visits, day_vehicles,
        day_candidates, deadline=deadline, start_from=start_from, same_time=same_time,
    )  # fmt: skip


def _windows_on(visit: Visit, day: int) -> tuple[TimeWindow, ...]:
    """The visit's start windows that fall on ``day``."""
    return tuple(w for w in visit.windows if day * DAY <= w.start < (day + 1) * DAY)


def _with_week_budget(number: int, choice: DayChoice, vehicles: Sequence[Vehicle]) -> Vehicle:
    """Vehicle ``number`` with daily caps that keep its week within the weekly caps.

    The week's spare work time (cap minus the chosen days' estimated loads) and spare visits
    (cap minus the visits chosen) are shared evenly among the days worked that week, so
    routing may give a day visits the choice gave others without breaking a weekly cap.
    """
    vehicle = vehicles[number]
    clinician = vehicle.clinician
    if clinician.max_work_per_week is None and clinician.max_visits_per_week is None:
        return vehicle
    week = vehicle.shift.day // 7
    same_week = [
        n for n, other in enumerate(vehicles)
        if other.clinician.id == clinician.id and other.shift.day // 7 == week
    ]  # fmt: skip
    work_per_day, visits_per_day = clinician.max_work_per_day, clinician.max_visits_per_day
    if clinician.max_work_per_week is not None:
        planned = sum(choice.load.get(n, 0) for n in same_week)
        own = choice.load.get(number, 0)
        budget = own + max(0, clinician.max_work_per_week - planned) // len(same_week)
        if clinician.max_work_per_day is not None:
            budget = min(budget, clinician.max_work_per_day)
        work_per_day = budget
    if clinician.max_visits_per_week is not None:
        counts = Counter(choice.vehicle_of.values())
        planned = sum(counts[n] for n in same_week)
        spare = max(0, clinician.max_visits_per_week - planned) // len(same_week)
        budget = counts[number] + spare
        if clinician.max_visits_per_day is not None:
            budget = min(budget, clinician.max_visits_per_day)
        visits_per_day = budget
    daily = replace(clinician, max_work_per_day=work_per_day, max_visits_per_day=visits_per_day)
    return replace(vehicle, clinician=daily)


def polish_days(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    plan: Plan,
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
) -> Plan:
    """Route each day of ``plan`` again, starting from its routes, by ``deadline``.

    Each visit keeps its day and prefers its clinician, as day routing does with a choice,
    and prefers the same time of day as its patient's visits of the discipline on the
    plan's other days that week (``same_time_bands``).
    A day's new routes are kept when they hold every visit of the day and score better
    (``plan_score``); days the validator then finds fault with get their old routes back.
    """
    number = {(v.clinician.id, v.shift.day): n for n, v in enumerate(vehicles)}
    vehicle_of = {
        stop.visit_id: number[route.clinician_id, route.day]
        for route in plan.routes
        for stop in route.stops
    }
    load = {number[route.clinician_id, route.day]: route.work_seconds for route in plan.routes}
    choice = DayChoice(vehicle_of, (), load, "plan")
    visits = [problem.visit_by_id[visit_id] for visit_id in vehicle_of]
    by_day = route_days(
        problem, travel, params, choice, visits, vehicles, candidates, set(), deadline,
        start_from=plan.routes, same_time=same_time_bands(problem, plan.routes),
    )  # fmt: skip
    best = plan
    for day, routing in sorted(by_day.items()):
        if routing.routes is None or routing.unassigned:
            continue
        trial = _with_day(problem, best, day, routing.routes)
        if plan_score(problem, trial, params) < plan_score(problem, best, params):
            best = trial
    if best is plan:
        return plan
    before = _findings(problem, plan, travel)
    for _ in range(3):
        fresh = _findings(problem, best, travel) - before
        if not fresh:
            return best
        named = {visit_id for _, _, visit_ids in fresh for visit_id in visit_ids}
        days = {vehicles[vehicle_of[v]].shift.day for v in named if v in vehicle_of}
        for day in days:
            best = _with_day(problem, best, day, [r for r in plan.routes if r.day == day])
    return plan


def _findings(
    problem: Problem, plan: Plan, travel: TravelMatrix
) -> set[tuple[str, str, tuple[str, ...]]]:
    """The validator's findings on ``plan`` (KPIs aside): rule, subject, visits named."""
    return {
        (v.rule, v.subject, v.visit_ids) for v in validate(problem, plan, travel) if v.rule != "kpi"
    }


def _with_day(problem: Problem, plan: Plan, day: int, routes: Sequence[Route]) -> Plan:
    """``plan`` with the routes of ``day`` replaced by ``routes``."""
    kept = tuple(route for route in plan.routes if route.day != day) + tuple(routes)
    kept = tuple(sorted(kept, key=lambda route: (route.day, route.clinician_id)))
    return Plan(kept, plan.unassigned, compute_kpis(problem, kept, plan.unassigned))
