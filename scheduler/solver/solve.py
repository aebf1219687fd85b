"""The one way to solve: ``solve(problem, travel, params) -> Result``."""

from __future__ import annotations

import logging
import time

from scheduler.domain import Plan, Problem, TravelMatrix, compute_kpis
from scheduler.solver.explain import screen_visits
from scheduler.solver.horizon import plan_horizon
from scheduler.solver.model import list_vehicles
from scheduler.solver.params import SolveParams
from scheduler.solver.result import Result, SolveStatus
from scheduler.solver.routing import route_visits

log = logging.getLogger("scheduler")


def solve(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams | None = None,
    *,
    start_from: Plan | None = None,
) -> Result:
    """Assign and order the visits of ``problem``.

    Parameters
    ----------
    problem
        What to plan.
    travel
        Travel between at least ``problem.locations()``.
    params
        Search time and objective weights; defaults to ``SolveParams()``.
    start_from
        A plan to start the search from (a warm start; one-day problems): its routes seed
        the search, visits it does not hold are inserted by it.

    Returns
    -------
    Result
        Always a plan: visits that cannot be placed are listed with a reason. The status says
        whether every required visit is in it.

    Notes
    -----
    One day is one routing model. Several days are decomposed (``horizon.py``): days and
    clinicians chosen with CP-SAT, each day routed, overflow moved; the objective is then
    ``None`` (each day has its own).
    """
    params = params or SolveParams()
    started = time.monotonic()
    travel.require([location.id for location in problem.locations()])
    vehicles = list_vehicles(problem)
    screening = screen_visits(problem, vehicles)
    visits = [visit for visit in problem.visits_to_plan if visit.id in screening.candidates]
    log.info(
        "solving %d visits (%d screened out) with %d clinician-days",
        len(visits),
        len(screening.unassigned),
        len(vehicles),
    )
    deadline = started + params.time_limit
    if problem.horizon.days == 1:
        routing = route_visits(
            problem,
            travel,
            params,
            visits,
            vehicles,
            screening.candidates,
            deadline=deadline,
            start_from=start_from.routes if start_from else (),
        )
    else:
        routing = plan_horizon(
            problem, travel, params, visits, vehicles, screening.candidates, deadline=deadline
        )
    routes = routing.routes or ()
    unassigned = screening.unassigned + routing.unassigned
    plan = Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
    seconds = time.monotonic() - started
    if routing.routes is None:
        status = SolveStatus.FAILED if routing.failed else SolveStatus.NO_SOLUTION
        return Result(status, plan, None, seconds, routing.message)
    required_missing = any(not problem.visit_by_id[u.visit_id].optional for u in unassigned)
    status = SolveStatus.PARTIAL if required_missing else SolveStatus.SOLVED
    return Result(status, plan, routing.objective, seconds, routing.message)
