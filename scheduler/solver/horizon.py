"""Plan several days: choose days and clinicians, route each day, then move what overflowed.

A week of a large agency is too big for one routing model holding every visit on every
candidate day, so the horizon is decomposed (DESIGN.md): CP-SAT picks a clinician-day per
visit (``day_choice``); each day is routed on its own, days in parallel, every qualified
clinician working that day offered each visit (the chosen one preferred through the
objective) as far as the clinicians-per-week rule allows. A share of the time limit, whatever
the limit, is kept for repair: visits a day's routes could not hold are barred from that day
and the choice and the changed days are redone (kept only if fewer required visits, then
fewer optional ones by priority, are left out), then each visit still left out is inserted
wherever a qualified clinician's route on a day its order allows takes it (``repair.py``).
The reasons of the visits left after that are checked on the final routes (``explain.py``).
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from scheduler.domain import (
    DAY,
    Plan,
    Problem,
    ReasonCode,
    Route,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.domain.continuity import care_group
from scheduler.solver.day_choice import DayChoice, choose_days
from scheduler.solver.explain import explain_left_out
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams
from scheduler.solver.repair import plan_score, repair_left_out
from scheduler.solver.routing import Routing, route_visits

log = logging.getLogger("scheduler")

DAY_CHOICE_SHARE = 0.15  # of the time left, for CP-SAT's choice of days
REPAIR_SHARE = 0.25  # of the time left after the day choice, kept for repair at any limit
RECHOOSE_SHARE = 0.3  # of the repair time, for choosing days again
GREEDY_SHARE = 0.4  # of the repair time, for a plan by insertion alone (kept if better)
EXPLAIN_SHARE = 0.1  # of the repair time, kept for checking the reasons at the end
MAX_REPAIRS = 2
KEEP_CHOSEN = 3600  # seconds of driving day routing spends to keep a visit with the chosen one


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
    repair_seconds = REPAIR_SHARE * max(0.0, deadline - time.monotonic())
    by_day = _route_days(
        problem, travel, params, choice, visits, vehicles, candidates, set(),
        deadline - repair_seconds,
    )  # fmt: skip
    log.info("days routed, %.1f s left", deadline - time.monotonic())
    choice, by_day = _choose_again(
        problem, travel, params, visits, vehicles, candidates, choice, by_day,
        deadline=deadline - (1 - RECHOOSE_SHARE) * repair_seconds,
    )  # fmt: skip
    routes, message = _merge(choice, by_day)
    placed = {stop.visit_id for route in routes for stop in route.stops}
    repair = repair_left_out(
        problem, travel, _checkable(problem, routes, placed),
        [visit for visit in visits if visit.id not in placed],
        deadline=deadline - (GREEDY_SHARE + EXPLAIN_SHARE) * repair_seconds,
    )  # fmt: skip
    log.info("repaired, %.1f s left", deadline - time.monotonic())
    greedy = repair_left_out(
        problem, travel, _checkable(problem, (), set()), visits,
        deadline=deadline - EXPLAIN_SHARE * repair_seconds,
    )  # fmt: skip
    ours, theirs = (
        plan_score(problem, repair.plan, params),
        plan_score(problem, greedy.plan, params),
    )
    log.info("planned by the days %s, by insertion alone %s", ours, theirs)
    if theirs < ours:
        repair, message = greedy, "insertion alone (better than the day choice's plan)"
    planned = {stop.visit_id for route in repair.plan.routes for stop in route.stops}
    left = [visit for visit in visits if visit.id not in planned]
    routes = tuple(sorted(repair.plan.routes, key=lambda route: (route.day, route.clinician_id)))
    unassigned = explain_left_out(problem, travel, repair.plan, left, refused=repair.refused)
    log.info("reasons checked, %.1f s left", deadline - time.monotonic())
    return Routing(routes, unassigned, None, message)


def _choose_again(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    choice: DayChoice,
    by_day: dict[int, Routing],
    *,
    deadline: float,
) -> tuple[DayChoice, dict[int, Routing]]:
    """Bar visits from the days that could not hold them, choose and route again by ``deadline``.

    A new choice is kept only when it leaves out fewer required visits, or as many and less
    optional priority.
    """
    forbidden: set[tuple[str, int]] = set()
    for _ in range(MAX_REPAIRS):
        overflow = [u.visit_id for day in by_day.values() for u in day.unassigned]
        if not overflow or time.monotonic() >= deadline:
            break
        for visit_id in overflow:
            if visit_id not in choice.vehicle_of:
                continue
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
        if not changed:
            break
        redone = _route_days(
            problem, travel, params, repaired, visits, vehicles, candidates, changed, deadline
        )
        candidate = {**by_day, **redone}
        if not _better(problem, (repaired, candidate), (choice, by_day)):
            break
        choice, by_day = repaired, candidate
    return choice, by_day


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
    allowed = allowed_vehicles(
        problem, choice, visits, vehicles, candidates, problem.rules.max_clinicians_per_week
    )

    def route(day: int) -> Routing:
        return _route_day(
            problem, travel, params, choice, chosen_visits[day], vehicles, allowed, day,
            deadline=min(deadline, time.monotonic() + seconds),
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
) -> Routing:
    """Route one day's visits, each preferring the clinician the day choice gave it.

    ``candidates`` are the vehicles each visit may use that day (``allowed_vehicles``). Giving
    a visit to another clinician costs ``KEEP_CHOSEN`` seconds of driving, so it happens when
    the chosen one's route cannot hold it, rarely to save a little driving.
    """
    numbers = [n for n, vehicle in enumerate(vehicles) if vehicle.shift.day == day]
    local = {number: position for position, number in enumerate(numbers)}
    day_vehicles = [_with_week_budget(n, choice, vehicles) for n in numbers]
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
    one_worker = replace(
        params,
        workers=1,
        preference_penalty=max(params.preference_penalty, params.travel_weight * KEEP_CHOSEN),
    )
    return route_visits(
        problem, travel, one_worker, day_visits, day_vehicles, day_candidates, deadline=deadline
    )


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
    changes = {}
    if clinician.max_work_per_week is not None:
        planned = sum(choice.load.get(n, 0) for n in same_week)
        own = choice.load.get(number, 0)
        budget = own + max(0, clinician.max_work_per_week - planned) // len(same_week)
        if clinician.max_work_per_day is not None:
            budget = min(budget, clinician.max_work_per_day)
        changes["max_work_per_day"] = budget
    if clinician.max_visits_per_week is not None:
        counts = Counter(choice.vehicle_of.values())
        planned = sum(counts[n] for n in same_week)
        spare = max(0, clinician.max_visits_per_week - planned) // len(same_week)
        budget = counts[number] + spare
        if clinician.max_visits_per_day is not None:
            budget = min(budget, clinician.max_visits_per_day)
        changes["max_visits_per_day"] = budget
    return replace(vehicle, clinician=replace(clinician, **changes))


def _better(
    problem: Problem,
    after: tuple[DayChoice, Mapping[int, Routing]],
    before: tuple[DayChoice, Mapping[int, Routing]],
) -> bool:
    """Whether every day of ``after`` has a plan and it leaves out less.

    Fewer required visits left out wins; as many, then less optional priority left out.
    """
    if any(routing.routes is None for routing in after[1].values()):
        return False
    return left_out_weight(problem, after) < left_out_weight(problem, before)


def left_out_weight(
    problem: Problem, state: tuple[DayChoice, Mapping[int, Routing]]
) -> tuple[int, int]:
    """Required visits left out, then the summed priority of optional ones left out."""
    choice, by_day = state
    ids = set(choice.left_out) | {u.visit_id for r in by_day.values() for u in r.unassigned}
    left = [problem.visit_by_id[visit_id] for visit_id in ids]
    required = sum(not visit.optional for visit in left)
    return required, sum(visit.priority for visit in left if visit.optional)


def _changed_days(before: DayChoice, after: DayChoice, vehicles: Sequence[Vehicle]) -> set[int]:
    """Days whose set of visits differs between two choices."""

    def visits_by_day(choice: DayChoice) -> dict[int, set[str]]:
        days: dict[int, set[str]] = defaultdict(set)
        for visit_id, number in choice.vehicle_of.items():
            days[vehicles[number].shift.day].add(visit_id)
        return days

    old, new = visits_by_day(before), visits_by_day(after)
    return {day for day in old.keys() | new.keys() if old.get(day) != new.get(day)}


def _merge(choice: DayChoice, by_day: Mapping[int, Routing]) -> tuple[tuple[Route, ...], str]:
    """The routes of every day, and how the searches ended."""
    routes: list[Route] = []
    messages = set()
    for routing in by_day.values():
        routes += routing.routes or ()
        messages.add(routing.message)
    return tuple(routes), "; ".join(sorted(messages)) or choice.status


def _checkable(problem: Problem, routes: tuple[Route, ...], placed: set[str]) -> Plan:
    """A plan of ``routes`` the validator can read: every other visit marked as left out.

    Its reasons are placeholders; the final ones come from ``explain_left_out``.
    """
    unassigned = tuple(
        Unassigned(visit.id, ReasonCode.NOT_SOLVED, "Not placed yet.")
        for visit in problem.visits_to_plan
        if visit.id not in placed
    )
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
