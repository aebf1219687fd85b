"""What placing a visit costs (in seconds of driving), and the findings a place must not add.

Shared by the repair of left-out visits (``repair.py``) and the moves that improve a plan
(``improve.py``): driving, the primary clinician, the care plan's spacing, overtime and working
time, weighed as the routing weighs them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from scheduler.domain import DAY, Clinician, Plan, Problem, Route, TravelMatrix, Visit
from scheduler.domain.care_plan import visit_spacing_days
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._validation import Violation
from scheduler.solver.insertion import InsertionOption
from scheduler.solver.validate import validate

IGNORED_RULES = frozenset({"kpi"})  # bookkeeping, recomputed with every plan
AWAY_FROM_PRIMARY = 1800  # seconds of driving worth keeping a visit with its primary clinician
OVERTIME_FACTOR = 2.0  # a second of overtime weighs two of driving (as in SolveParams)
WORK_FACTOR = 0.1  # a second of working time weighs a tenth of one of driving
SPACING_COST = 2400  # seconds of driving worth keeping a care plan's visits spaced apart
NEARBY = 6  # clinicians living nearest a patient, tried first (then every qualified one)


def nearby_clinicians(
    problem: Problem, travel: TravelMatrix, plan: Plan
) -> Callable[[Visit], set[str]]:
    """Per visit, the clinicians to try first.

    The ``NEARBY`` living nearest the patient, the primary and those already seeing the
    patient; the others only when none of these has a place.
    """
    seeing: dict[str, set[str]] = defaultdict(set)
    for route in plan.routes:
        for stop in route.stops:
            seeing[stop.patient_id].add(route.clinician_id)
    by_discipline: dict[str, list[Clinician]] = defaultdict(list)
    for clinician in problem.clinicians:
        by_discipline[clinician.discipline].append(clinician)

    def clinicians(visit: Visit) -> set[str]:
        place = problem.patient_by_id[visit.patient_id].location.id
        near = sorted(
            by_discipline[visit.discipline],
            key=lambda c: travel.seconds_between(c.start.id, place),
        )[:NEARBY]
        primary = primary_clinician(problem, visit)
        return {c.id for c in near} | seeing[visit.patient_id] | ({primary} if primary else set())

    return clinicians


def placement_cost(
    option: InsertionOption, primary: str | None, extra: Callable[[InsertionOption], float]
) -> tuple[float, int]:
    """What a place costs, in seconds of driving, and its start.

    Added driving, ``AWAY_FROM_PRIMARY`` when another than the primary makes it, and what
    ``extra`` adds (``extra_costs``: spacing, overtime, working time).
    """
    away = primary is not None and option.clinician_id != primary
    return option.added_travel_seconds + AWAY_FROM_PRIMARY * away + extra(option), option.start


def extra_costs(
    problem: Problem, plan: Plan, visit: Visit, days: dict[str, list[int]]
) -> Callable[[InsertionOption], float]:
    """The costs of a place beyond driving, in seconds of driving.

    ``SPACING_COST`` per visit of the care plan closer than its spacing, and the change in
    the route's ``time_cost`` (overtime and working time, weighed as the routing does).
    """
    near = too_close(problem, visit, days)
    routes = {(route.clinician_id, route.day): route for route in plan.routes}

    def extra(option: InsertionOption) -> float:
        old = routes.get((option.clinician_id, option.day))
        grown = time_cost(problem, option.route) - (time_cost(problem, old) if old else 0)
        return SPACING_COST * near(option.day) + grown

    return extra


def time_cost(problem: Problem, route: Route) -> float:
    """Overtime and working time of a route, in seconds of driving (the routing's weights)."""
    shift = next(
        s for s in problem.clinician_by_id[route.clinician_id].shifts if s.day == route.day
    )
    overtime = max(0, route.end - shift.window.end)
    return OVERTIME_FACTOR * overtime + WORK_FACTOR * route.work_seconds


def care_plan_days(problem: Problem, plan: Plan) -> dict[str, list[int]]:
    """Per care plan, the horizon days of its visits made before and planned in ``plan``."""
    days: dict[str, list[int]] = defaultdict(list)
    start = problem.horizon.start_date
    for care_plan in problem.care_plans:
        days[care_plan.id] += [(when - start).days for when in care_plan.visits_made]
    for route in plan.routes:
        for stop in route.stops:
            visit = problem.visit_by_id.get(stop.visit_id)
            if visit is not None and visit.care_plan_id is not None:
                days[visit.care_plan_id].append(stop.start // DAY)
    return days


def too_close(problem: Problem, visit: Visit, days: dict[str, list[int]]) -> Callable[[int], int]:
    """How many of the visit's care plan visits a day would be closer to than its spacing."""
    if visit.care_plan_id is None:
        return lambda day: 0
    spacing = visit_spacing_days(problem.care_plan_by_id[visit.care_plan_id])
    taken = days[visit.care_plan_id]
    return lambda day: sum(0 < abs(day - other) < spacing for other in taken)


def findings(problem: Problem, plan: Plan, travel: TravelMatrix) -> set[tuple[str, str]]:
    """The (rule, subject) of each violation ``plan`` already has."""
    return {finding_key(v) for v in validate(problem, plan, travel)}


def finding_key(violation: Violation) -> tuple[str, str]:
    """What identifies a finding across plans (its numbers may change)."""
    return violation.rule, violation.subject
