"""Waiting and workload balance as soft costs of the day (the UHHC prices both).

Tiny instances on the line (``tests/builders``): places 10 minutes apart, 45-minute visits.
"""

from scheduler.domain import HOUR, Problem, Shift, TimeWindow
from scheduler.domain.kpis import distances_from_mean, work_load
from tests.builders import line_problem, nurse, solve_valid, visit

EARLY = TimeWindow(8 * HOUR, 8 * HOUR + 1800)
LATE = TimeWindow(11 * HOUR, 16 * HOUR)
TRAVEL_ONLY = {"travel_weight": 1, "work_weight": 0}


def _early_and_late(*nurses: str) -> Problem:
    """Visits at p1 in the early morning and from 11:00, the nurses living at l0 and l4."""
    visits = [visit("early", 1, windows=(EARLY,)), visit("late", 1, windows=(LATE,))]
    homes = {"near": 0, "far": 4}
    return line_problem([nurse(name, homes[name]) for name in nurses], visits)


def test_waiting_weight_sends_the_late_visit_to_a_second_nurse() -> None:
    """Priced waiting: one visit goes to the far nurse (an hour more driving), nobody waits 2 h."""
    tiny = _early_and_late("near", "far")
    by_travel = solve_valid(tiny, **TRAVEL_ONLY)
    assert [len(route.stops) for route in by_travel.plan.routes] == [2]
    by_waiting = solve_valid(tiny, **TRAVEL_ONLY, waiting_weight=1)
    assert [len(route.stops) for route in by_waiting.plan.routes] == [1, 1]
    assert by_waiting.plan.kpis.idle_seconds < by_travel.plan.kpis.idle_seconds


def test_waiting_that_cannot_be_avoided_is_paid_not_refused() -> None:
    """One nurse, both visits: she waits from 09:15 to 11:00; waiting is a cost, not a rule."""
    tiny = _early_and_late("near")
    result = solve_valid(tiny, **TRAVEL_ONLY, waiting_weight=100)
    assert not result.plan.unassigned
    assert result.plan.kpis.idle_seconds == 11 * HOUR - (EARLY.end + 2700)


def test_balance_splits_work_where_one_nurse_could_do_it_all() -> None:
    """Four visits next door: by travel one nurse makes all; balanced, two nurses make two each."""
    visits = [visit(f"v{k}", 1) for k in range(4)]
    tiny = line_problem([nurse("a", 0), nurse("b", 0)], visits)
    assert sorted(len(r.stops) for r in solve_valid(tiny, **TRAVEL_ONLY).plan.routes) == [4]
    balanced = solve_valid(tiny, **TRAVEL_ONLY, balance_weight=10)
    loads = [work_load(route) for route in balanced.plan.routes]
    assert sorted(len(r.stops) for r in balanced.plan.routes) == [2, 2]
    assert distances_from_mean(loads) == [0.0, 0.0]


def test_balance_that_cannot_hold_leaves_the_work_where_it_fits() -> None:
    """Only one nurse can make the visits (the other's shift has ended): no visit is dropped."""
    late_shift = TimeWindow(8 * HOUR, 8 * HOUR + 600)  # ten minutes: no visit fits
    visits = [visit(f"v{k}", 1) for k in range(4)]
    short = nurse("b", 0, Shift(0, late_shift))
    result = solve_valid(line_problem([nurse("a", 0), short], visits), balance_weight=10)
    assert not result.plan.unassigned
    assert [route.clinician_id for route in result.plan.routes] == ["a"]


def test_distances_from_mean() -> None:
    """Loads 1, 2, 3 and 6 hours are 2, 1, 0 and 3 hours from their mean."""
    assert distances_from_mean([1.0, 2.0, 3.0, 6.0]) == [2.0, 1.0, 0.0, 3.0]
    assert distances_from_mean([]) == []
