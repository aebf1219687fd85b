"""A visit its order's period can still hold later is placed only where it is worth it."""

from __future__ import annotations

from datetime import timedelta

from scheduler.domain import ReasonCode, TravelMatrix
from tests.builders import MONDAY
from tests.solver.support import plan_of, solve_valid, week_problem

STARTED = MONDAY - timedelta(days=6)  # order week two runs Tue 8th to Mon 14th: one deferrable


def two_week_order(step_seconds: int):
    """One patient on ``2W2`` in its second week, places ``step_seconds`` apart."""
    plans = [plan_of("cp1", "p0", "2W2", start_of_care=STARTED, visits_made=(STARTED,) * 2)]
    problem, travel = week_problem(plans, patients=1)
    scaled = TravelMatrix(travel.location_ids, travel.seconds // 600 * step_seconds, travel.metres)
    return problem, scaled


def test_a_deferrable_visit_far_away_is_deferred_and_the_required_one_made() -> None:
    """133 minutes each way: the required visit is made, the one next week can hold waits."""
    problem, travel = two_week_order(8000)
    result = solve_valid(problem, travel)
    required = next(v.id for v in problem.visits_to_plan if not v.optional)
    deferrable = next(v.id for v in problem.visits_to_plan if v.optional)
    planned = {stop.visit_id for route in result.plan.routes for stop in route.stops}
    assert required in planned and deferrable not in planned
    reason = next(u for u in result.plan.unassigned if u.visit_id == deferrable)
    assert reason.reason == ReasonCode.DEFERRED


def test_a_deferrable_visit_nearby_is_made() -> None:
    """10 minutes each way: both visits of the week are made."""
    problem, travel = two_week_order(600)
    result = solve_valid(problem, travel)
    assert result.plan.kpis.visits_planned == 2
