"""Repair puts left-out visits back wherever a qualified clinician's route takes them."""

import time
from dataclasses import replace
from datetime import timedelta

from scheduler.domain import (
    DAY,
    HOUR,
    LinkKind,
    Plan,
    ReasonCode,
    TimeWindow,
    Unassigned,
    VisitLink,
    compute_kpis,
)
from scheduler.solver.explain import explain_left_out
from scheduler.solver.improve import improve_by_moves
from scheduler.solver.insertion import plan_without, route_insertions
from scheduler.solver.repair import repair_left_out
from scheduler.solver.validate import validate
from tests.builders import MONDAY, line_problem, line_travel
from tests.solver.support import (
    MORNING,
    crowded_monday,
    fill,
    nurse,
    plan_of,
    plan_with,
    visit,
    week_problem,
)


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


def test_a_required_visit_with_no_place_gets_room_while_others_are_inserted() -> None:
    """Visit r fits no route; w, inserted in the same batch, fits b's: r gets a4's place.

    a's and b's mornings are full (a1..a4, b1..b4). w fits only at the end of b's, r only
    where optional a4 is: a4 is left out for it (a required visit weighs more).
    """
    visits = [visit(f"a{k}", 1) for k in range(1, 4)] + [visit("a4", 1, optional=True)]
    visits += [visit(f"b{k}", 4) for k in range(1, 5)]
    r = visit("r", 2)
    w = visit("w", 5, duration=1800, windows=(TimeWindow(11 * HOUR, 11 * HOUR + 900),))
    problem = line_problem([nurse("a", 0), nurse("b", 4)], [*visits, r, w])
    travel = line_travel()
    routes = [
        fill(problem, travel, "a", ["a1", "a2", "a3", "a4"]),
        fill(problem, travel, "b", ["b1", "b2", "b3", "b4"]),
    ]
    plan = plan_with(problem, travel, routes, ReasonCode.CAPACITY, "x")
    assert not route_insertions(
        problem, nurse("a", 0), MORNING, routes[0], r, travel, work_cap=None
    )
    repair = repair_left_out(problem, travel, plan, [r, w], deadline=time.monotonic() + 10)
    assert set(repair.placed) == {"r", "w"} and repair.bumped == ["a4"]
    assert validate(problem, repair.plan, travel) == []


def test_a_discharge_barred_by_a_later_visit_is_placed_by_moving_that_visit() -> None:
    """The routine visit sits on Friday, so the discharge fits no day: repair moves the visit."""
    started = MONDAY - timedelta(days=7)
    plans = [plan_of("cp1", "p0", "1W1, 2W1", start_of_care=started, visits_made=(started,))]
    problem, travel = week_problem(plans)
    routine, discharge = problem.visit_by_id["cp1-w2-1"], problem.visit_by_id["cp1-w2-2"]
    nurse = problem.clinician_by_id["rn-a"]
    friday = route_insertions(
        problem, nurse, nurse.shifts[4], None, routine, travel, work_cap=None
    )[0].route
    left = (Unassigned(discharge.id, ReasonCode.NO_DAY_LEFT, "x"),)
    plan = Plan((friday,), left, compute_kpis(problem, (friday,), left))
    assert validate(problem, plan, travel) == []
    repair = repair_left_out(problem, travel, plan, [discharge], deadline=time.monotonic() + 5)
    day = {s.visit_id: s.start // DAY for r in repair.plan.routes for s in r.stops}
    assert repair.placed == [discharge.id] and day[routine.id] < day[discharge.id]
    assert validate(problem, repair.plan, travel) == []


def test_taking_a_visit_out_keeps_the_others_in_order_and_valid() -> None:
    """Out of a's four-visit morning, the second goes; the rest keep their order and validate."""
    problem, travel = crowded_monday()
    plan = plan_with(problem, travel, [fill(problem, travel, "a", ["a1", "a2", "a3", "a4"])],
                     ReasonCode.CAPACITY, "x")  # fmt: skip
    smaller = plan_without(problem, plan, "a2", travel)
    assert smaller is not None
    assert [s.visit_id for s in smaller.routes[0].stops] == ["a1", "a3", "a4"]
    assert validate(problem, smaller, travel) == []


def test_a_visit_next_door_to_the_other_nurse_moves_to_her() -> None:
    """A visit by b's home made by a, far away, is moved to b; the plan stays valid."""
    problem, travel = crowded_monday(visit("v", 5))
    plan = plan_with(problem, travel, [fill(problem, travel, "a", ["a1", "v"])],
                     ReasonCode.CAPACITY, "x")  # fmt: skip
    improved, moved = improve_by_moves(problem, travel, plan, deadline=time.monotonic() + 5)
    assert moved == 1 and improved.route_of("b", 0).stops[0].visit_id == "v"
    assert improved.kpis.travel_seconds < plan.kpis.travel_seconds
    assert validate(problem, improved, travel) == []


def test_two_linked_visits_left_out_are_placed_together() -> None:
    """A transfer needing two nurses at once goes in as a pair: same start, two nurses."""
    pair = VisitLink("lift-a", "lift-b", LinkKind.SIMULTANEOUS)
    problem, travel = crowded_monday(visit("lift-a", 2), visit("lift-b", 2))
    problem = replace(problem, links=(pair,))
    plan = plan_with(problem, travel, [fill(problem, travel, "a", ["a1", "a2"])],
                     ReasonCode.LINKED_VISIT_LEFT_OUT, "x")  # fmt: skip
    left = [problem.visit_by_id["lift-a"], problem.visit_by_id["lift-b"]]
    repair = repair_left_out(problem, travel, plan, left, deadline=time.monotonic() + 5)
    made = {s.visit_id: (r.clinician_id, s.start) for r in repair.plan.routes for s in r.stops}
    assert sorted(repair.placed) == ["lift-a", "lift-b"]
    assert made["lift-a"][1] == made["lift-b"][1] and made["lift-a"][0] != made["lift-b"][0]
    assert validate(problem, repair.plan, travel) == []
