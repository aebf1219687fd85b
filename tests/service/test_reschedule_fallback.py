"""The fallback of a replan: current routes re-timed, what no longer fits left out, drops listed.

Tiny named instances: places on a line 10 minutes apart, one day, routes timed by hand.
"""

from __future__ import annotations

import time
from dataclasses import replace

from scheduler.domain import (
    HOUR,
    Clinician,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.service._reschedule_day import frozen_stops
from scheduler.service._reschedule_diff import diff_day, dropped_visits
from scheduler.service._reschedule_fallback import (
    count_placed,
    explain_left_out,
    fallback_plan,
    insert_left_out,
)
from scheduler.solver.validate import validate
from tests import builders
from tests.builders import STEP, line_places, line_problem, nurse, visit

PLACES = line_places(6)


def line_travel() -> TravelMatrix:
    """10 minutes (5 km) per step along the line of six places."""
    return builders.line_travel(PLACES)


def day(clinicians: list[Clinician], visits: list[Visit]) -> Problem:
    """Patients p0..p5 at the places."""
    return line_problem(clinicians, visits, PLACES)


def stop(visit_id: str, patient: int, start: int, steps: int) -> Stop:
    """A 45-minute stop at ``start`` reached after ``steps`` steps of driving."""
    return Stop(
        visit_id,
        f"p{patient}",
        start - steps * STEP,
        start,
        start + 2700,
        steps * STEP,
        5000 * steps,
    )


def test_a_clinician_driving_to_a_visit_at_now_keeps_it_unless_released_or_away():
    """At 10:00 the nurse left a 09:45 visit end for a 10:05 one: that one is under way."""
    route = Route(
        "rn",
        0,
        8 * HOUR + 1800,
        13 * HOUR,
        (stop("a", 1, 9 * HOUR, 1), stop("b", 3, 10 * HOUR + 300, 2), stop("c", 4, 11 * HOUR, 1)),
        2400,
        20000,
    )
    ten = 10 * HOUR

    def frozen(**options) -> list[str]:
        kept = frozen_stops([route], ten, **({"late": {}, "away": {}, "released": set()} | options))
        return [s.visit_id for s in kept["rn"]]

    assert frozen() == ["a", "b"]
    assert frozen(released={"b"}) == ["a"]
    assert frozen(away={"rn": ten}) == ["a"]
    assert frozen(late={"a": ten + 600}) == ["a"]  # still with patient a at 10:00


def test_the_fallback_keeps_the_current_times_and_leaves_out_a_visit_that_no_longer_fits():
    """Visit b's window now closes at 09:00: b is left out, a and c keep their starts, validly."""
    current = Route(
        "rn",
        0,
        8 * HOUR + 1200,
        12 * HOUR,
        (stop("a", 2, 9 * HOUR, 2), stop("b", 3, 10 * HOUR, 1), stop("c", 4, 11 * HOUR, 1)),
        4 * STEP,
        20000,
    )
    problem = day([nurse("rn")], [visit("a", 2), visit("b", 3, 8, 9), visit("c", 4)])
    travel = line_travel()
    plan = fallback_plan(problem, [current], travel)
    assert validate(problem, plan, travel) == []
    (route,) = plan.routes
    assert [(s.visit_id, s.start) for s in route.stops] == [("a", 9 * HOUR), ("c", 11 * HOUR)]
    assert [u.visit_id for u in plan.unassigned] == ["b"]
    assert count_placed(problem, plan).key() == (2, 2)


def test_a_left_out_visit_is_inserted_where_it_fits_and_the_rest_get_reasons():
    """The called-out nurse's visit d goes to rn2, who has room; e fits nobody and says why."""
    current = Route(
        "rn", 0, 8 * HOUR + 1200, 10 * HOUR, (stop("a", 2, 9 * HOUR, 2),), 4 * STEP, 20000
    )
    short = Shift(0, TimeWindow(8 * HOUR, 10 * HOUR))
    problem = day(
        [nurse("rn"), nurse("rn2", 1, short)],
        [visit("a", 2), visit("d", 1, 8, 9), visit("e", 5, 16, 16)],
    )
    travel = line_travel()
    fallback = fallback_plan(problem, [current], travel)
    assert {u.visit_id for u in fallback.unassigned} == {"d", "e"}
    improved = insert_left_out(problem, fallback, travel, deadline=time.monotonic() + 5)
    assert validate(problem, improved, travel) == []
    assert {s.visit_id for r in improved.routes for s in r.stops} == {"a", "d"}
    notes = {"e": "Its clinician rn3 is unavailable from 10:00."}
    explained = explain_left_out(problem, improved, travel, notes=notes)
    (left,) = explained.unassigned
    assert left.visit_id == "e" and left.message.startswith(notes["e"]) and len(left.message) > 45


def test_each_visit_the_day_had_placed_and_the_answer_leaves_out_is_listed_with_its_reason():
    """A dropped visit comes with its clinician, start and reason; a cancelled one is not."""
    problem = day([nurse("rn")], [visit("a", 2), visit("b", 3), visit("c", 4)])
    before = Route(
        "rn",
        0,
        8 * HOUR + 1200,
        12 * HOUR,
        (stop("a", 2, 9 * HOUR, 2), stop("b", 3, 10 * HOUR, 1), stop("c", 4, 11 * HOUR, 1)),
        4 * STEP,
        20000,
    )
    after = replace(before, stops=before.stops[:1])
    reason = Unassigned("b", ReasonCode.CAPACITY, "No room.")
    plan = Plan((after,), (reason,), compute_kpis(problem, (after,), (reason,)))
    changes = diff_day(problem.horizon, [before], plan, [], {"c"}, problem)
    assert {c.visit_id: c.kind for c in changes} == {"b": "dropped", "c": "cancelled"}
    (dropped,) = dropped_visits(changes)
    assert (dropped.visit_id, dropped.clinician_before, dropped.reason_code) == (
        "b",
        "rn",
        "capacity",
    )
    assert dropped.reason == "No room." and dropped.start_before.hour == 10
