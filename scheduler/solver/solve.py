"""The one way to solve: ``solve(problem, travel, params) -> Result``."""

from __future__ import annotations

import logging
import time

from scheduler.domain import Plan, Problem, ReasonCode, TravelMatrix, Unassigned, compute_kpis
from scheduler.solver._search import SearchInput, run_search
from scheduler.solver.explain import explain_dropped, screen_visits
from scheduler.solver.model import list_vehicles
from scheduler.solver.params import SolveParams
from scheduler.solver.result import Result, SolveStatus

log = logging.getLogger("scheduler")


def solve(problem: Problem, travel: TravelMatrix, params: SolveParams | None = None) -> Result:
    """Assign and order the visits of ``problem``.

    Parameters
    ----------
    problem
        What to plan.
    travel
        Travel between at least ``problem.locations()``.
    params
        Search time and objective weights; defaults to ``SolveParams()``.

    Returns
    -------
    Result
        Always a plan: visits that cannot be placed are listed with a reason. The status says
        whether every required visit is in it.
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
    if visits:
        search = SearchInput(problem, travel, params, visits, vehicles, screening.candidates)
        outcome = run_search(search, deadline=started + params.time_limit)
        routes, objective, message = outcome.routes, outcome.objective, outcome.message
    else:
        routes, objective, message = (), 0, "nothing to route"
    if routes is None:
        unassigned = screening.unassigned + tuple(
            Unassigned(v.id, ReasonCode.NOT_SOLVED, "The search stopped before finding a plan.")
            for v in visits
        )
        plan = Plan((), unassigned, compute_kpis(problem, (), unassigned))
        status = SolveStatus.FAILED if outcome.failed else SolveStatus.NO_SOLUTION
        return Result(status, plan, None, time.monotonic() - started, message)
    routed = {stop.visit_id for route in routes for stop in route.stops}
    dropped = [visit.id for visit in visits if visit.id not in routed]
    unassigned = screening.unassigned + explain_dropped(
        problem, travel, vehicles, screening.candidates, dropped, routes
    )
    plan = Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
    required_missing = any(not problem.visit_by_id[u.visit_id].optional for u in unassigned)
    status = SolveStatus.PARTIAL if required_missing else SolveStatus.SOLVED
    return Result(status, plan, objective, time.monotonic() - started, message)
