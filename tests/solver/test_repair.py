"""Repair puts left-out visits back wherever a qualified clinician's route takes them."""

import time

from scheduler.domain import ReasonCode
from scheduler.solver.explain import explain_left_out
from scheduler.solver.repair import repair_left_out
from scheduler.solver.validate import validate
from tests.solver.test_explain import crowded_monday, fill, plan_with, visit


def test_a_visit_left_out_of_a_full_day_goes_to_the_nurse_with_room() -> None:
    """The visit a's full morning could not hold is placed with b, and the plan validates."""
    problem, travel = crowded_monday(visit("v", 2))
    plan = plan_with(problem, travel, [fill(problem, travel, "a", ["a1", "a2", "a3", "a4"])],
                     ReasonCode.CAPACITY, "x")  # fmt: skip
    repair = repair_left_out(
        problem, travel, plan, [problem.visit_by_id["v"]], deadline=time.monotonic() + 5
    )
    assert repair.placed == ["v"]
    assert repair.plan.route_of("b", 0).stops[0].visit_id == "v"
    assert validate(problem, repair.plan, travel) == []


def test_required_visits_take_the_last_room_before_optional_ones() -> None:
    """One slot left: the required visit gets it, the optional one is left with what it lost to."""
    optional = visit("o", 3, optional=True, priority=5)
    required = visit("r", 3)
    problem, travel = crowded_monday(optional, required, b_busy=True)
    routes = [
        fill(problem, travel, "a", ["a1", "a2", "a3", "a4"]),
        fill(problem, travel, "b", ["b1", "b2", "b3"]),
    ]
    plan = plan_with(problem, travel, routes, ReasonCode.CAPACITY, "x")
    left = [problem.visit_by_id[v] for v in ("o", "r", "b4")]
    repair = repair_left_out(problem, travel, plan, left, deadline=time.monotonic() + 5)
    assert set(repair.placed) == {"r"} or set(repair.placed) == {"b4"}
    assert "o" not in repair.placed
    (reason,) = explain_left_out(problem, travel, repair.plan, [optional])
    assert reason.reason == ReasonCode.LOW_PRIORITY and "lost to" in reason.message
