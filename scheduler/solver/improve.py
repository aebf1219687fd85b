"""Improve a plan by moving planned visits to cheaper places, and score plans."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from itertools import combinations

from scheduler.domain import (
    Plan,
    Problem,
    TravelMatrix,
    Visit,
    compute_kpis,
)
from scheduler.domain.care_plan import visit_spacing_days
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._placement import (
    AWAY_FROM_PRIMARY,
    IGNORED_RULES,
    SPACING_COST,
    Placed,
    extra_costs,
    finding_key,
    findings,
    nearby_clinicians,
    off_incumbent,
    placement_cost,
    route_work,
    time_cost,
    timing_cost,
    timing_penalty,
    too_close,
    wanted_from,
    week_load,
)
from scheduler.solver.insertion import (
    candidate_insertions,
    plan_without,
    with_insertion,
)
from scheduler.solver.params import SolveParams
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")

MIN_GAIN = 60  # seconds of driving a move must save
MOVES_PER_CHECK = 25  # moves checked by the validator at once


def plan_score(problem: Problem, plan: Plan, params: SolveParams) -> tuple[int, int, int]:
    """How good a plan is, lower better.

    Required visits left out, then the summed priority of optional ones left out, then its
    cost in objective units: driving, visits away from their primary clinician, pairs of a
    care plan's visits closer than its spacing, the time of day (``timing_penalty``), and
    visits off the incumbent's clinician-day.
    """
    planned = {stop.visit_id: route.clinician_id for route in plan.routes for stop in route.stops}
    left = [visit for visit in problem.visits_to_plan if visit.id not in planned]
    required = sum(not visit.optional for visit in left)
    optional = sum(visit.priority for visit in left if visit.optional)
    away = 0
    for visit_id, clinician_id in planned.items():
        primary = primary_clinician(problem, problem.visit_by_id[visit_id])
        away += primary is not None and primary != clinician_id
    moved = sum(
        off_incumbent(problem, problem.visit_by_id[stop.visit_id], route.clinician_id, route.day)
        for route in plan.routes
        for stop in route.stops
    )
    close = 0
    for plan_id, days in Placed.of(problem, plan).days.items():
        spacing = visit_spacing_days(problem.care_plan_by_id[plan_id])
        close += sum(0 < b - a < spacing for a, b in combinations(sorted(days), 2))
    travel = sum(route.travel_seconds for route in plan.routes)
    timing = timing_penalty(problem, plan)
    cost = params.travel_weight * (travel + SPACING_COST * close + timing + moved)
    return required, optional, round(cost + params.preference_penalty * away)


def improve_by_moves(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    *,
    deadline: float,
) -> tuple[Plan, int]:
    """Move planned visits to cheaper places (another position, clinician or day).

    Each visit in turn is taken out and put back at its cheapest open place (the costs of
    ``repair_left_out``: driving, the primary clinician, the care plan's spacing) when that
    saves at least ``MIN_GAIN``. Moves are checked by the validator ``MOVES_PER_CHECK`` at a
    time; a group it finds fault with is undone. Returns the plan and the number of moves.
    """
    before = findings(problem, plan, travel)
    start = plan
    moved = 0
    order = [
        stop.visit_id
        for route in plan.routes
        for stop in route.stops
        if stop.visit_id not in problem.link_by_visit
    ]
    group: list[str] = []
    nearby = nearby_clinicians(problem, travel, plan)
    for visit_id in order:
        if time.monotonic() >= deadline:
            break
        trial = _move(problem, travel, start, problem.visit_by_id[visit_id], nearby)
        if trial is None:
            continue
        start = trial
        group.append(visit_id)
        if len(group) == MOVES_PER_CHECK:
            plan, start, moved = _check_moves(problem, travel, plan, start, group, before, moved)
            group = []
    plan, start, moved = _check_moves(problem, travel, plan, start, group, before, moved)
    log.info("improve: %d visits moved to cheaper places", moved)
    return plan, moved


def _move(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    visit: Visit,
    nearby: Callable[[Visit], set[str]],
) -> Plan | None:
    """``plan`` with ``visit`` at a cheaper place, or ``None`` when none saves enough."""
    route = next(r for r in plan.routes if any(s.visit_id == visit.id for s in r.stops))
    freed = plan_without(problem, plan, visit.id, travel, recount=False)
    if freed is None:
        return None
    left = next(
        (r for r in freed.routes if (r.clinician_id, r.day) == (route.clinician_id, route.day)),
        None,
    )
    primary = primary_clinician(problem, visit)
    placed = Placed.of(problem, freed)
    near = too_close(problem, visit, placed)
    # Fair weeks give way to continuity: a visit with a primary clinician is not moved for it.
    fair = primary is None
    extra = extra_costs(problem, freed, visit, placed, fair_weeks=fair)
    away = primary is not None and route.clinician_id != primary
    start = next(stop.start for stop in route.stops if stop.visit_id == visit.id)
    saved: float = route.travel_seconds - (left.travel_seconds if left else 0)
    saved += time_cost(problem, route) - (time_cost(problem, left) if left else 0)
    old = saved + AWAY_FROM_PRIMARY * away + SPACING_COST * near(route.day)
    old += timing_cost(problem, visit, start, placed)
    old += off_incumbent(problem, visit, route.clinician_id, route.day)
    if fair:
        added = route_work(route) - route_work(left)
        old += week_load(problem, freed)(route.clinician_id, route.day, added)
    option = min(
        candidate_insertions(
            problem,
            freed,
            visit,
            travel,
            clinicians=nearby(visit),
            wanted=wanted_from(problem, visit, placed),
        ),
        key=lambda o: placement_cost(o, primary, extra),
        default=None,
    )
    if option is None or placement_cost(option, primary, extra)[0] > old - MIN_GAIN:
        return None
    return with_insertion(problem, freed, option, recount=False)


def _check_moves(
    problem: Problem,
    travel: TravelMatrix,
    kept: Plan,
    trial: Plan,
    group: list[str],
    before: set[tuple[str, str]],
    moved: int,
) -> tuple[Plan, Plan, int]:
    """Keep ``trial`` if the validator finds nothing new, else go back to ``kept``."""
    if not group:
        return kept, kept, moved
    trial = Plan(
        trial.routes, trial.unassigned, compute_kpis(problem, trial.routes, trial.unassigned)
    )
    fresh = [v for v in validate(problem, trial, travel) if finding_key(v) not in before]
    if any(v.rule not in IGNORED_RULES for v in fresh):
        log.info("improve: validator refused a group of %d moves", len(group))
        return kept, kept, moved
    return trial, trial, moved + len(group)
