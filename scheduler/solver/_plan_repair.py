"""The last step of a solve: no plan the validator rejects leaves the solver.

The plan is validated; each visit a violation names is removed from its route and left out
with the rule as its reason; then the plan is validated again, until it is clean. Removing a
stop re-times nothing: the other stops keep their times (with travel obeying the triangle
inequality they stay feasible), the leg into the next stop is recomputed from the matrix, and
a route whose last stop goes ends when the clinician is back (a lunch after it kept only when
the day still spans its window). Whatever a removal breaks in turn (a linked partner, visits
after a removed SOC) is found by the next validation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from scheduler.domain import (
    Plan,
    Problem,
    ReasonCode,
    Route,
    Stop,
    TravelMatrix,
    Unassigned,
    compute_kpis,
)
from scheduler.solver._validation import Violation
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")


def drop_violations(problem: Problem, plan: Plan, travel: TravelMatrix) -> Plan:
    """``plan`` less the visits that break a hard rule, each left out naming the rule.

    Violations that no removal resolves (none should remain) are logged as an error.
    """
    if any(not route.stops for route in plan.routes):
        plan = _without(problem, plan, travel, {})  # a day without stops is no route
    violations = validate(problem, plan, travel)
    for _ in range(len(problem.visits_to_plan) + 1):  # each round leaves out a visit at least
        reasons: dict[str, Unassigned] = {}
        for violation in violations:
            for visit_id in violation.visit_ids:
                reasons.setdefault(visit_id, _reason(visit_id, violation))
        if not reasons:
            break
        log.warning(
            "plan breaks %s: leaving out visits %s",
            ", ".join(sorted({v.rule for v in violations})),
            ", ".join(sorted(reasons)),
        )
        plan = _without(problem, plan, travel, reasons)
        violations = validate(problem, plan, travel)
    if violations:
        log.error("plan still breaks %s", ", ".join(sorted({v.rule for v in violations})))
    return plan


def _reason(visit_id: str, violation: Violation) -> Unassigned:
    """Why a visit named by ``violation`` is left out."""
    code = ReasonCode.WAITS_FOR_SOC if violation.rule == "soc_order" else ReasonCode.RULE_VIOLATION
    return Unassigned(
        visit_id,
        code,
        f"Left out so that the plan keeps the rule '{violation.rule}': {violation.subject} "
        f"{violation.message}.",
    )


def _without(
    problem: Problem, plan: Plan, travel: TravelMatrix, reasons: Mapping[str, Unassigned]
) -> Plan:
    """The plan with the visits of ``reasons`` removed from routes and left out with them."""
    routes = []
    for route in plan.routes:
        kept = tuple(stop for stop in route.stops if stop.visit_id not in reasons)
        if kept and len(kept) == len(route.stops):
            routes.append(route)
        elif kept:
            routes.append(_rebuilt(problem, route, kept, travel))
    known = problem.visit_by_id
    unassigned = [item for item in plan.unassigned if item.visit_id not in reasons]
    unassigned += [reason for visit_id, reason in reasons.items() if visit_id in known]
    kept_routes, kept_unassigned = tuple(routes), tuple(unassigned)
    return Plan(kept_routes, kept_unassigned, compute_kpis(problem, kept_routes, kept_unassigned))


def _rebuilt(
    problem: Problem, route: Route, stops: tuple[Stop, ...], travel: TravelMatrix
) -> Route:
    """``route`` with only ``stops``, each at its time, legs recomputed from the matrix."""
    clinician = problem.clinician_by_id[route.clinician_id]
    place, free_at = clinician.start.id, route.start
    legs = []
    for stop in stops:
        here = problem.patient_by_id[stop.patient_id].location.id
        seconds = travel.seconds_leaving(place, here, free_at)
        legs.append(_with_leg(stop, seconds, travel.metres_between(place, here)))
        place, free_at = here, max(free_at, stop.end)
    home = clinician.end_location.id
    back = travel.seconds_leaving(place, home, free_at)
    end, lunch = route.end, route.lunch
    if stops[-1] is not route.stops[-1]:  # the last stop went: the day ends when back home
        end = free_at + back
        if lunch is not None and lunch.start >= free_at:
            shift = clinician.shift_on(route.day)
            rule = shift.lunch if shift is not None else None
            spans = rule is not None and (
                route.start <= rule.window.start and end >= rule.window.end + rule.duration
            )
            end = max(end + lunch.length, lunch.end) if spans else end
            lunch = lunch if spans else None
    return Route(
        route.clinician_id,
        route.day,
        route.start,
        end,
        tuple(legs),
        back,
        travel.metres_between(place, home),
        lunch,
    )


def _with_leg(stop: Stop, seconds: int, metres: int) -> Stop:
    """``stop`` with the leg that arrives there set to ``seconds`` and ``metres``."""
    return Stop(stop.visit_id, stop.patient_id, stop.arrival, stop.start, stop.end, seconds, metres)
