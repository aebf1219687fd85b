"""The one way to solve: ``solve(problem, travel, params) -> Result``."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from scheduler.domain import Plan, Problem, TravelMatrix, Unassigned, compute_kpis
from scheduler.solver._plan_repair import drop_violations
from scheduler.solver._soc_screen import name_waiting_visits, screen_start_of_care
from scheduler.solver.explain import explain_left_out, screen_visits
from scheduler.solver.horizon import plan_horizon
from scheduler.solver.model import list_vehicles
from scheduler.solver.params import SolveParams
from scheduler.solver.repair import repair_left_out
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

    Before solving, each start of care keeps the windows a clinician can reach (else it is
    left out, and its patient's other visits wait). Required visits a day's search left out
    (a linked pair it could not insert at once, a visit behind others) are put back by
    insertion and moves in the time left (``repair.py``; the result's objective stays the
    search's); a day whose search found no plan in time gets its required visits by
    insertion into empty routes. After solving, the plan is validated and
    any visit breaking a hard rule is left out with the rule as its reason (see
    ``_plan_repair.py``): no plan the validator rejects is returned.
    """
    params = params or SolveParams()
    started = time.monotonic()
    travel.require([location.id for location in problem.locations()])
    vehicles = list_vehicles(problem)
    screening = screen_visits(problem, vehicles)
    visits = [visit for visit in problem.visits_to_plan if visit.id in screening.candidates]
    soc = screen_start_of_care(problem, travel, vehicles, visits, screening.candidates)
    visits, candidates = soc.visits, soc.candidates
    screened_out = screening.unassigned + soc.unassigned
    log.info(
        "solving %d visits (%d screened out) with %d clinician-days",
        len(visits),
        len(screened_out),
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
            candidates,
            deadline=deadline,
            start_from=start_from.routes if start_from else (),
        )
    else:
        routing = plan_horizon(
            problem, travel, params, visits, vehicles, candidates, deadline=deadline
        )
    routes = routing.routes or ()
    unassigned = screened_out + name_waiting_visits(problem, routing.unassigned, routes)
    plan = Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
    if problem.horizon.days == 1 and not routing.failed:
        # Out of time before any plan (a busy machine, a short limit), the required visits
        # go into empty routes in the search's reserve: a plan rather than none.
        plan = _put_back_required(problem, travel, plan, routing.unassigned, deadline=deadline)
    message = routing.message
    if routing.routes is None:
        if not plan.routes:
            status = SolveStatus.FAILED if routing.failed else SolveStatus.NO_SOLUTION
            return Result(status, plan, None, time.monotonic() - started, message)
        message = f"{routing.message}; its required visits were placed by insertion"
    plan = drop_violations(problem, plan, travel)
    seconds = time.monotonic() - started
    required_missing = any(not problem.visit_by_id[u.visit_id].optional for u in plan.unassigned)
    status = SolveStatus.PARTIAL if required_missing else SolveStatus.SOLVED
    return Result(status, plan, routing.objective, seconds, message, routing.first_objective)


def _put_back_required(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    left_by_search: Sequence[Unassigned],
    *,
    deadline: float,
) -> Plan:
    """``plan`` with the required visits the search left out inserted where they fit.

    Their linked partners come with them. When some are placed, every visit the search left
    out gets its reason again on the new routes (optional visits moved out for them too).
    """
    by_id = problem.visit_by_id
    wanted = {u.visit_id for u in left_by_search if not by_id[u.visit_id].optional}
    wanted |= {
        problem.link_by_visit[visit_id].partner_of(visit_id)
        for visit_id in wanted
        if visit_id in problem.link_by_visit
    }
    if not wanted or time.monotonic() >= deadline:
        return plan
    repair = repair_left_out(
        problem, travel, plan, [by_id[v] for v in sorted(wanted)], deadline=deadline
    )
    if not repair.placed:
        return plan
    log.info("put back %d required visit(s) the search left out", len(repair.placed))
    routes = repair.plan.routes
    again = ({u.visit_id for u in left_by_search} | set(repair.bumped)) - set(repair.placed)
    reasons = explain_left_out(
        problem,
        travel,
        repair.plan,
        [by_id[v] for v in sorted(again)],
        refused=repair.refused,
        deadline=deadline,
    )
    search_left = {u.visit_id for u in left_by_search}
    screened = tuple(u for u in plan.unassigned if u.visit_id not in search_left)
    unassigned = screened + name_waiting_visits(problem, reasons, routes)
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
