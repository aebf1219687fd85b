"""Reasons for left-out visits are claims checked on the final routes.

Tiny named instances: places on a line 10 minutes apart, two nurses working Monday morning
(08:00-12:00), routes timed by the insertion machinery so that they are valid.
"""

import time
from dataclasses import replace

from scheduler.domain import (
    HOUR,
    CarePlan,
    Discipline,
    Plan,
    Problem,
    ReasonCode,
    TimeWindow,
    TravelMatrix,
    Unassigned,
)
from scheduler.solver.explain import explain_left_out
from tests.builders import MONDAY
from tests.solver.support import crowded_monday, fill, plan_with, visit


def reason_of(problem: Problem, travel: TravelMatrix, plan: Plan, visit_id: str) -> Unassigned:
    """What ``explain_left_out`` says about one visit of ``plan``."""
    (found,) = explain_left_out(problem, travel, plan, [problem.visit_by_id[visit_id]])
    return found


def test_a_visit_another_nurse_has_room_for_is_not_capacity() -> None:
    """With b idle, a visit left out of a's full day is 'would fit b', never 'capacity'."""
    problem, travel = crowded_monday(visit("v", 2))
    plan = plan_with(problem, travel, [fill(problem, travel, "a", ["a1", "a2", "a3", "a4"])],
                     ReasonCode.CAPACITY, "old claim")  # fmt: skip
    found = reason_of(problem, travel, plan, "v")
    assert found.reason == ReasonCode.NOT_SOLVED
    assert "would fit b on Monday 2026-12-07 at" in found.message


def test_when_every_route_is_full_the_reason_is_capacity_with_what_would_place_it() -> None:
    """Both mornings full: 'capacity', naming the clinician-day and the minutes it lacks."""
    late = visit("v", 2, windows=(TimeWindow(8 * HOUR, 16 * HOUR),))
    problem, travel = crowded_monday(late, b_busy=True)
    routes = [
        fill(problem, travel, "a", ["a1", "a2", "a3", "a4"]),
        fill(problem, travel, "b", ["b1", "b2", "b3", "b4"]),
    ]
    found = reason_of(
        problem, travel, plan_with(problem, travel, routes, ReasonCode.CAPACITY, "x"), "v"
    )
    assert found.reason == ReasonCode.CAPACITY
    assert "It would fit a on Monday 2026-12-07 at 11:" in found.message
    assert "more minutes of work that day" in found.message


def test_a_visit_no_nurse_can_reach_in_its_window_is_unreachable() -> None:
    """A visit at the far end that must start by 08:05 is unreachable, nearest miss named."""
    far = visit("far", 7, windows=(TimeWindow(8 * HOUR, 8 * HOUR + 300),))
    problem, travel = crowded_monday(far)
    plan = plan_with(problem, travel, [], ReasonCode.CAPACITY, "x")
    found = reason_of(problem, travel, plan, "far")
    assert found.reason == ReasonCode.UNREACHABLE_IN_WINDOW
    assert "b on Monday 2026-12-07 could start it at 08:30 at the earliest" in found.message


def test_optional_visit_left_out_says_what_it_lost_to() -> None:
    """An optional visit with no room anywhere is 'low_priority' and names the day it lost to."""
    extra = visit("o", 2, optional=True, priority=1)
    problem, travel = crowded_monday(extra, b_busy=True)
    routes = [
        fill(problem, travel, "a", ["a1", "a2", "a3", "a4"]),
        fill(problem, travel, "b", ["b1", "b2", "b3", "b4"]),
    ]
    found = reason_of(
        problem, travel, plan_with(problem, travel, routes, ReasonCode.CAPACITY, "x"), "o"
    )
    assert found.reason == ReasonCode.LOW_PRIORITY
    assert "lost to the 4 visit(s) (4 required)" in found.message


def test_a_rule_that_bars_every_day_is_named() -> None:
    """A care plan visit on the day of the patient's other SN visit: 'no_day_left', rule named."""
    problem, travel = crowded_monday(visit("given", 2))
    problem = replace(
        problem, care_plans=(CarePlan("cp1", "p2", Discipline.SN, "1W1", MONDAY, 2700),)
    )
    routes = [fill(problem, travel, "b", ["given"])]
    plan = plan_with(problem, travel, routes, ReasonCode.CAPACITY, "x")
    found = reason_of(problem, travel, plan, "cp1-w1-1")
    assert found.reason == ReasonCode.NO_DAY_LEFT
    assert "already has SN visit given that day (one a day)" in found.message


def test_after_the_deadline_reasons_claim_only_what_was_checked() -> None:
    """Out of time: 'unreachable' still checked, otherwise 'not_solved', never 'capacity'."""
    far = visit("far", 7, windows=(TimeWindow(8 * HOUR, 8 * HOUR + 300),))
    problem, travel = crowded_monday(visit("v", 2), far, b_busy=True)
    routes = [
        fill(problem, travel, "a", ["a1", "a2", "a3", "a4"]),
        fill(problem, travel, "b", ["b1", "b2", "b3", "b4"]),
    ]
    plan = plan_with(problem, travel, routes, ReasonCode.CAPACITY, "x")
    left = [problem.visit_by_id["v"], problem.visit_by_id["far"]]
    found = explain_left_out(problem, travel, plan, left, deadline=time.monotonic() - 1)
    assert [r.reason for r in found] == [ReasonCode.NOT_SOLVED, ReasonCode.UNREACHABLE_IN_WINDOW]
    assert "time limit came before its places in the routes were looked at" in found[0].message
